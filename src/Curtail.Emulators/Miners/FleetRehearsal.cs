using Curtail.Miners;
using Curtail.Miners.Drivers;

namespace Curtail.Emulators.Miners;

/// <summary>
/// Runs the requests a controller sends (read, sleep, read, wake, power target; LuxOS logon and logoff) once against
/// a throwaway fleet of one miner per family of the fleet's mix, before a standalone emulator says it is ready. Real
/// firmware answers its first logon as fast as its thousandth; a fresh emulator process compiled each reply path on
/// first use, so a controller's first shed against it measured the emulator's warm-up too (10,000 LuxOS, side by side:
/// 0.96-1.11 s with the rehearsal, 1.07-1.15 s without; docs/miners.md, "Sixth pass"). The fleet's own miners are
/// never touched: their state and write counts stay as tests and benchmarks expect.
/// </summary>
public static class FleetRehearsal
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(3);

    /// <summary>Probes for a run of free ports: after a shed, client connections hold much of the ephemeral range.</summary>
    private const int Attempts = 20;

    /// <summary>
    /// Rehearses on ports the kernel hands out (a probe's, then the next few), never near the fleet's own, which tests
    /// running side by side number from fixed bases. Best effort: returns what could not be rehearsed (no free ports, a
    /// reply refused), never throws for it.
    /// </summary>
    public static async Task<RehearsalReport> RunAsync(FleetEmulatorOptions options, CancellationToken ct)
    {
        var families = options.AssignFamilies().Distinct().ToList();
        var rehearsal = options with
        {
            Count = families.Count, Mix = families.Select(f => (f, 1.0)).ToList(), AlsoListenOn = [], Faults = FaultInjection.None,
        };
        var problems = new List<string>();
        MinerFleetEmulator? fleet = null;
        for (var attempt = 0; fleet is null && attempt < Attempts; attempt++)
        {
            MinerFleetEmulator? candidate = null;
            try
            {
                // Validated here too: a probe's port near 65535 leaves no room for the next few.
                candidate = new MinerFleetEmulator(rehearsal with { BasePort = LoopbackPort.Free() }, TimeProvider.System);
                candidate.Start();
                fleet = candidate;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                if (candidate is not null) await candidate.DisposeAsync().ConfigureAwait(false);
                if (attempt == Attempts - 1) problems.Add($"{string.Join(", ", families)}: no free ports ({ex.Message})");
            }
        }
        if (fleet is null) return new RehearsalReport(problems, new Dictionary<MinerFamily, int>());
        await using (fleet)
        {
            // A budget, not a wait for every reply: an Antminer stock sleep answers after its CGI restart (about 20 s at
            // real speed), and its request path has been compiled long before.
            using var budget = CancellationTokenSource.CreateLinkedTokenSource(ct);
            budget.CancelAfter(Budget);
            await Task.WhenAll(fleet.Miners.Select(async miner =>
            {
                try
                {
                    await RehearseAsync(miner, budget.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (!budget.IsCancellationRequested)
                {
                    lock (problems) problems.Add($"{miner.Family} on port {miner.Endpoint.Port}: {ex.Message}");
                }
                catch (Exception) when (!ct.IsCancellationRequested)
                {
                    // Out of budget: what has run is compiled.
                }
            })).ConfigureAwait(false);
            return new RehearsalReport(problems, fleet.Miners.ToDictionary(m => m.Family, m => m.WriteCount));
        }
    }

    /// <summary>What could not be rehearsed, and the writes each family's rehearsal miner served.</summary>
    public sealed record RehearsalReport(IReadOnlyList<string> Problems, IReadOnlyDictionary<MinerFamily, int> WritesServed);

    private static async Task RehearseAsync(EmulatedMiner emulated, CancellationToken ct)
    {
        var spec = new MinerSpec($"rehearsal-{emulated.Family}", emulated.Family, emulated.Endpoint, emulated.Model, emulated.Credentials);
        // No session linger: the LuxOS logoff is rehearsed too.
        var driver = MinerFactory.Create(spec, TimeProvider.System, new DriverOptions { LuxOsSessionLinger = TimeSpan.Zero });
        try
        {
            await driver.ReadStatusAsync(ct).ConfigureAwait(false);
            if (driver is IPowerStateReadable quick) await quick.ReadPowerStateAsync(ct).ConfigureAwait(false);
            if (driver is ISleepable sleepable)
            {
                await sleepable.SleepAsync(ct).ConfigureAwait(false);
                await driver.ReadStatusAsync(ct).ConfigureAwait(false);
                await sleepable.WakeAsync(ct).ConfigureAwait(false);
            }
            if (driver is IPowerTargetable targetable)
            {
                var limits = await targetable.GetPowerLimitsAsync(ct).ConfigureAwait(false);
                await targetable.SetPowerTargetAsync(limits.MaxW, ct).ConfigureAwait(false);
            }
        }
        finally
        {
            if (driver is IAsyncDisposable disposable) await disposable.DisposeAsync().ConfigureAwait(false);
        }
    }
}
