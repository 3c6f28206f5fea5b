using Curtail.Miners;
using Curtail.Miners.Drivers;

namespace Curtail.Emulators.Miners;

/// <summary>
/// Runs the requests a controller sends (read, sleep, read, wake, power target; LuxOS logon and logoff) against a
/// throwaway fleet of <see cref="MinersPerFamily"/> miners per family of the fleet's mix, <see cref="Rounds"/> times, before a
/// standalone emulator says it is ready. Real firmware answers its first logon as fast as its thousandth; a fresh
/// emulator process compiled each reply path on first use, and ran it unoptimised until the runtime had seen it 30
/// times, so a controller's first shed against it measured the emulator's warm-up too (docs/miners.md, "Sixth pass"
/// and "Seventh pass"). The fleet's own miners are never touched: their state and write counts stay as tests and
/// benchmarks expect.
/// </summary>
public static class FleetRehearsal
{
    /// <summary>Enough calls of every reply path for the runtime to compile it optimised (it does at 30).</summary>
    public const int MinersPerFamily = 16;

    public const int Rounds = 3;

    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(10);

    /// <summary>Best effort: returns what could not be rehearsed (no free ports, a reply refused), never throws for it.</summary>
    public static async Task<RehearsalReport> RunAsync(FleetEmulatorOptions options, CancellationToken ct)
    {
        var families = options.AssignFamilies().Distinct().ToList();
        var problems = new Dictionary<MinerFamily, string>(); // the first per family: the others say the same
        var (fleet, problem) = await ThrowawayFleet.StartAsync(options with
        {
            Count = families.Count * MinersPerFamily, Mix = families.Select(f => (f, 1.0)).ToList(),
        }).ConfigureAwait(false);
        if (fleet is null) return new RehearsalReport([$"{string.Join(", ", families)}: {problem}"], new Dictionary<MinerFamily, int>());
        await using (fleet)
        {
            // A budget, not a wait for every reply: an Antminer stock sleep answers after its CGI restart (about 20 s at
            // real speed), and its request path has been compiled long before.
            using var budget = CancellationTokenSource.CreateLinkedTokenSource(ct);
            budget.CancelAfter(Budget);
            for (var round = 0; round < Rounds && !budget.IsCancellationRequested; round++)
            {
                // After the first round, a quiet spell: the runtime counts the calls of the later ones (JitQuietAsync).
                if (round == 1) await ThrowawayFleet.JitQuietAsync(budget.Token).ConfigureAwait(false);
                await Task.WhenAll(fleet.Miners.Select(async miner =>
                {
                    try
                    {
                        await RehearseAsync(miner, budget.Token).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (!budget.IsCancellationRequested)
                    {
                        lock (problems) problems.TryAdd(miner.Family, $"{miner.Family} on port {miner.Endpoint.Port}: {ex.Message}");
                    }
                    catch (Exception) when (!ct.IsCancellationRequested)
                    {
                        // Out of budget: what has run is compiled.
                    }
                })).ConfigureAwait(false);
            }
            await ThrowawayFleet.JitQuietAsync(ct).ConfigureAwait(false);
            return new RehearsalReport(problems.Values.ToList(), fleet.Miners.GroupBy(m => m.Family).ToDictionary(g => g.Key, g => g.Sum(m => m.WriteCount)));
        }
    }

    /// <summary>What could not be rehearsed, and the writes each family's rehearsal miners served.</summary>
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
