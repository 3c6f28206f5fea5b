using System.Diagnostics;
using System.Runtime;

namespace Curtail.Emulators.Miners;

/// <summary>
/// A small emulated fleet for rehearsals on a run of free ports from a block of its own, 10000-16999: below the
/// default fleet base (20000), the blocks tests running side by side take (17750 and up) and the kernel's ephemeral
/// range. A run next to a port the kernel handed out (the first way) mostly failed after a 10,000-miner shed, whose
/// client connections hold much of that range in TIME_WAIT. Nothing in the fleet outlives the caller.
/// </summary>
internal static class ThrowawayFleet
{
    /// <summary>How long the runtime must have compiled nothing for <see cref="JitQuietAsync"/> to call it quiet.</summary>
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest a rehearsal waits for a quiet spell: a process that keeps compiling must still start.</summary>
    private static readonly TimeSpan QuietAtMost = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Waits until the runtime has compiled nothing for 200 ms, or 2 s. The runtime counts a
    /// method's calls only once it has compiled nothing new for 100 ms, and compiles a method optimised in the background
    /// after 30 counted calls; so a quiet spell after a rehearsal's first rounds means its later rounds are counted,
    /// and one at its end means the optimised code is in place. A fixed 300 ms wait was too short on two loaded cores:
    /// hundreds of a rehearsal's methods were still compiled during the site's first read and shed (docs/miners.md,
    /// "Eighth pass"). A wait, never a failure: cancelled, it returns, and the caller sees its token.
    /// </summary>
    public static async Task JitQuietAsync(CancellationToken ct)
    {
        var waited = Stopwatch.StartNew();
        var compiled = JitInfo.GetCompiledMethodCount();
        var quietSince = waited.Elapsed;
        while (waited.Elapsed < QuietAtMost && !ct.IsCancellationRequested)
        {
            await Task.Delay(25, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            var now = JitInfo.GetCompiledMethodCount();
            if (now != compiled) (compiled, quietSince) = (now, waited.Elapsed);
            else if (waited.Elapsed - quietSince >= Quiet) return;
        }
    }

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
