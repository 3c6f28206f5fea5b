using System.Diagnostics;
using Curtail.Miners;
using Curtail.Miners.Drivers;
using Curtail.Miners.Fleet;

namespace Curtail.Emulators.Miners;

/// <summary>
/// A controller's rehearsal of its own shed path at start: a throwaway loopback fleet of <see cref="MinersPerFamily"/>
/// emulated miners per family of the site's fleet, shed to 5 % and woken <see cref="Rounds"/> times through a
/// <see cref="FleetActuator"/> and <see cref="FleetDispatcher"/> like the site's (fleet read, allocation, commands,
/// read-backs), with the firmware's delays 20 times shorter. A controller's first shed otherwise runs code the
/// process has never run: loading, compiling and then recompiling it optimised took 15-20 % of the CPU of a
/// 10,000-miner shed and held its first command back by 50 ms (docs/miners.md, "Seventh pass"). It also shows, before
/// the first cycle, that the controller's own shed path works end to end. The site's own miners are never touched.
/// </summary>
public static class ShedRehearsal
{
    /// <summary>
    /// Enough commands of every kind in one round for the runtime to compile their paths optimised (it does at 30
    /// counted calls): a shed to 5 % sleeps 38 of 40.
    /// </summary>
    public const int MinersPerFamily = 40;

    /// <summary>
    /// Shed-and-wake rounds: the first compiles the paths, a quiet spell follows (the runtime then counts calls; see
    /// ThrowawayFleet.JitQuietAsync), and the second gives every path its counted calls.
    /// </summary>
    public const int Rounds = 2;

    private const double Speed = 20;

    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Best effort within a budget: returns what happened, never throws for a rehearsal that could not run or whose
    /// commands failed (the site's controller starts either way, and says why in its log).
    /// </summary>
    public static async Task<ShedRehearsalReport> RunAsync(IEnumerable<MinerFamily> families, int concurrency, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var mix = families.Distinct().Order().ToList();
        if (mix.Count == 0) return new ShedRehearsalReport(0, 0, 0, watch.Elapsed, []);
        var (fleet, problem) = await ThrowawayFleet.StartAsync(new FleetEmulatorOptions
        {
            Count = mix.Count * MinersPerFamily, Mix = mix.Select(f => (f, 1.0)).ToList(), Seed = 1,
            Timing = new EmulatorTiming { SpeedFactor = Speed },
        }).ConfigureAwait(false);
        if (fleet is null) return new ShedRehearsalReport(0, 0, 0, watch.Elapsed, [problem!]);
        var (commands, confirmed, failed) = (0, 0, 0);
        var problems = new List<string>();
        await using (fleet)
        {
            var time = TimeProvider.System;
            // No session linger: a LuxOS logoff is rehearsed too, and nothing is left for disposal to log off.
            var driverOptions = new DriverOptions { LuxOsSessionLinger = TimeSpan.Zero };
            var members = fleet.Miners.Select(m => new FleetMember(MinerFactory.Create(
                new MinerSpec($"rehearsal-{m.Index}", m.Family, m.Endpoint, m.Model, m.Credentials), time, driverOptions))).ToList();
            var dispatcher = new FleetDispatcher(new DispatchOptions
            {
                MaxConcurrentCommands = concurrency, MaxConcurrentReads = concurrency, PollInterval = TimeSpan.FromMilliseconds(50),
            }.ScaledDeadlines(Speed), time);
            using var budget = CancellationTokenSource.CreateLinkedTokenSource(ct);
            budget.CancelAfter(Budget);
            await using var actuator = new FleetActuator(members, dispatcher, time, concurrency);
            var full = members.Sum(m => m.Miner.Model.NominalW);
            try
            {
                for (var round = 0; round < Rounds; round++)
                {
                    if (round == 1) await ThrowawayFleet.JitQuietAsync(budget.Token).ConfigureAwait(false);
                    foreach (var target in new[] { full * 0.05, full })
                    {
                        var report = await actuator.ApplyTargetAsync(target, await actuator.ReadAllAsync(budget.Token).ConfigureAwait(false), budget.Token)
                            .ConfigureAwait(false);
                        commands += report.Results.Count;
                        confirmed += report.Results.Count(r => r.Outcome == DispatchOutcome.Confirmed);
                        failed += report.Results.Count(r => r.Outcome == DispatchOutcome.Failed);
                        problems.AddRange(report.Results.Where(r => r.Outcome != DispatchOutcome.Confirmed).Select(r => r.ToString()));
                    }
                }
                await ThrowawayFleet.JitQuietAsync(budget.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                // Out of budget, or anything else: a rehearsal never stops the controller from starting.
                problems.Add(budget.IsCancellationRequested
                    ? $"out of its {Budget.TotalSeconds:0} s budget after {commands} commands"
                    : $"stopped after {commands} commands: {ex.GetType().Name}: {ex.Message}");
            }
        }
        // The throwaway fleet, its drivers and the dispatch's garbage are gone: give their memory back before the site's
        // own fleet is read, so that a long-running controller does not carry the rehearsal's high-water mark.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return new ShedRehearsalReport(commands, confirmed, failed, watch.Elapsed, problems.Distinct().Take(5).ToList());
    }
}

/// <summary>What a <see cref="ShedRehearsal"/> did: its commands and their outcomes, its time, and at most five problems.</summary>
public sealed record ShedRehearsalReport(int Commands, int Confirmed, int Failed, TimeSpan Elapsed, IReadOnlyList<string> Problems)
{
    public override string ToString() =>
        $"shed path rehearsed on {Commands} commands to emulated miners in {Elapsed.TotalSeconds:0.0} s: {Confirmed} confirmed, {Failed} failed"
        + (Problems.Count == 0 ? "" : $" ({string.Join("; ", Problems)})");
}
