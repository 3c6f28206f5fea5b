namespace Curtail.Emulators.Miners;

/// <summary>
/// A small emulated fleet for rehearsals on a run of free ports from a block of its own, 10000-16999: below the
/// default fleet base (20000), the blocks tests running side by side take (17750 and up) and the kernel's ephemeral
/// range. A run next to a port the kernel handed out (the first way) mostly failed after a 10,000-miner shed, whose
/// client connections hold much of that range in TIME_WAIT. Nothing in the fleet outlives the caller.
/// </summary>
internal static class ThrowawayFleet
{
    /// <summary>
    /// How long a rehearsal waits at its end for the runtime's background compiler to finish optimising what it made
    /// hot (the runtime does it for code called 30 times, after a short delay).
    /// </summary>
    public static readonly TimeSpan TierUp = TimeSpan.FromMilliseconds(300);

    private const int Attempts = 20;
    private const int BlockStart = 10_000;
    private const int BlockEnd = 17_000;

    /// <summary>The started fleet, or null and why none could start.</summary>
    public static async Task<(MinerFleetEmulator? Fleet, string? Problem)> StartAsync(FleetEmulatorOptions options)
    {
        for (var attempt = 0; ; attempt++)
        {
            MinerFleetEmulator? candidate = null;
            try
            {
                var basePort = BlockStart + Random.Shared.Next(0, Math.Max(1, BlockEnd - BlockStart - options.PortsNeeded));
                candidate = new MinerFleetEmulator(options with { BasePort = basePort, AlsoListenOn = [], Faults = FaultInjection.None }, TimeProvider.System);
                candidate.Start();
                return (candidate, null);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                if (candidate is not null) await candidate.DisposeAsync().ConfigureAwait(false);
                if (attempt == Attempts - 1) return (null, $"no free ports ({ex.Message})");
            }
        }
    }
}
