namespace Curtail.Miners.Fleet;

/// <summary>
/// Chooses which miners sleep, wake or throttle so the site settles at a target load. Shedding takes the least
/// efficient miners (highest J/TH) first, restoring the most efficient first. It respects each group's minimum
/// power fraction, minimum on/off dwell times and sleep-or-throttle preference, caps each step's load increase at
/// what the genset can take, and puts back to sleep any miner held asleep for the event that woke by itself.
/// A pure function of its input: the controller re-reads the fleet and calls it every cycle.
/// </summary>
public sealed class FleetAllocator
{
    public AllocationPlan Plan(AllocationRequest request)
    {
        var fleet = request.Fleet;
        var groups = request.Groups;
        GroupConstraints G(string name) => groups.TryGetValue(name, out var g) ? g : GroupConstraints.Default with { Name = name };

        var expected = fleet.ToDictionary(m => m.Id, m => m.SteadyPowerW, StringComparer.Ordinal);
        var actions = new Dictionary<string, MinerAction>(StringComparer.Ordinal);
        var current = fleet.Sum(m => m.PowerW);
        var groupNominal = fleet.GroupBy(m => m.Group).ToDictionary(g => g.Key, g => g.Sum(m => m.Model.NominalW));
        var groupPower = fleet.GroupBy(m => m.Group).ToDictionary(g => g.Key, g => g.Sum(m => m.SteadyPowerW));

        void Apply(MinerState m, MinerActionKind kind, double? target, double newPower, string reason)
        {
            groupPower[m.Group] += newPower - expected[m.Id];
            expected[m.Id] = newPower;
            actions[m.Id] = new MinerAction(m.Id, kind, target, newPower, reason);
        }

        bool Controllable(MinerState m) => m.Reachable && !request.Excluded.Contains(m.Id);

        // 1. Event enforcement: a held miner that is awake goes back to sleep whatever its dwell time.
        foreach (var m in fleet.Where(m => request.HeldAsleep.Contains(m.Id) && m.Mode != MinerMode.Sleeping && m.CanSleep && Controllable(m)))
            Apply(m, MinerActionKind.Sleep, null, m.Model.SleepW, "held asleep for the event; woke by itself");

        var load = expected.Values.Sum();
        if (load > request.TargetSiteW + 0.5)
            Shed(load - request.TargetSiteW);
        else if (load < request.TargetSiteW - request.MinUsefulChangeW)
            Restore(Math.Min(request.TargetSiteW - load, request.MaxRampUpW ?? double.PositiveInfinity));

        var result = fleet.Select(m => actions.TryGetValue(m.Id, out var a) ? a : new MinerAction(m.Id, MinerActionKind.Keep, null, expected[m.Id], "")).ToList();
        return new AllocationPlan(result, current, expected.Values.Sum(), request.TargetSiteW);

        bool GroupAllows(MinerState m, double newPower)
        {
            var g = G(m.Group);
            var after = groupPower[m.Group] - expected[m.Id] + newPower;
            return after >= g.MinPowerFraction * groupNominal[m.Group] - 0.5;
        }

        bool DwellAllows(MinerState m, TimeSpan minimum) =>
            m.LastTransition is not { } t || request.Now - t >= minimum;

        void Shed(double excess)
        {
            var running = fleet
                .Where(m => Controllable(m) && !actions.ContainsKey(m.Id) && m.Mode != MinerMode.Sleeping)
                .OrderByDescending(m => m.JoulesPerTh).ThenByDescending(m => expected[m.Id]).ThenBy(m => m.Id, StringComparer.Ordinal)
                .ToList();
            // Pass 1: groups that prefer throttling lower their targets, least efficient first.
            foreach (var m in running)
            {
                if (excess <= 0.5) return;
                if (G(m.Group).Prefer != PowerPreference.Throttle || m.TargetLimits is not { } limits) continue;
                var p = expected[m.Id];
                var newTarget = Math.Max(limits.MinW, Math.Floor(p - excess));
                while (newTarget < p && !GroupAllows(m, newTarget)) newTarget = Math.Min(p, newTarget + 50);
                if (p - newTarget < request.MinUsefulChangeW) continue;
                Apply(m, MinerActionKind.SetTarget, newTarget, newTarget, "throttle: least efficient first");
                excess -= p - newTarget;
            }
            // Pass 2: sleep, least efficient first (throttle-preferring miners only if throttling was not enough).
            foreach (var m in running)
            {
                if (excess <= 0.5) return;
                if (!m.CanSleep || !DwellAllows(m, G(m.Group).MinOnTime)) continue;
                var p = expected[m.Id];
                if (!GroupAllows(m, m.Model.SleepW)) continue;
                // A throttle-capable miner that would overshoot a small remainder is better throttled further.
                if (m.TargetLimits is { } l && p - m.Model.SleepW > excess && p - excess >= l.MinW && p - l.MinW >= request.MinUsefulChangeW
                    && GroupAllows(m, Math.Floor(p - excess)))
                {
                    var t = Math.Floor(p - excess);
                    Apply(m, MinerActionKind.SetTarget, t, t, "throttle to trim the remainder");
                    excess -= p - t;
                    continue;
                }
                Apply(m, MinerActionKind.Sleep, null, m.Model.SleepW, "sleep: least efficient first");
                excess -= p - m.Model.SleepW;
            }
        }

        // Restoring returns a miner to its nameplate power, never into the firmware's overclock profiles.
        static double Ceiling(MinerState m, PowerLimits l) => Math.Min(l.MaxW, m.Model.NominalW);

        void Restore(double room)
        {
            // Most efficient first: raise throttled targets and wake sleeping miners not held for the event.
            var candidates = fleet
                .Where(m => Controllable(m) && !actions.ContainsKey(m.Id) && !request.HeldAsleep.Contains(m.Id))
                .Where(m => m.Mode == MinerMode.Sleeping
                            || (m.TargetLimits is { } l && m.PowerTargetW is { } t && t < Ceiling(m, l) - request.MinUsefulChangeW && m.Mode != MinerMode.Ramping))
                .OrderBy(m => m.JoulesPerTh).ThenBy(m => m.Id, StringComparer.Ordinal)
                .ToList();
            foreach (var m in candidates)
            {
                if (room < request.MinUsefulChangeW) return;
                var p = expected[m.Id];
                if (m.Mode == MinerMode.Sleeping)
                {
                    if (!DwellAllows(m, G(m.Group).MinOffTime)) continue;
                    var wakeTo = m.PowerTargetW ?? m.Model.NominalW;
                    if (wakeTo - p > room) continue; // too big a step for the genset now; a later cycle takes it
                    Apply(m, MinerActionKind.Wake, null, wakeTo, "wake: most efficient first");
                    room -= wakeTo - p;
                }
                else
                {
                    var max = Ceiling(m, m.TargetLimits!.Value);
                    var newTarget = Math.Min(max, Math.Floor(p + room));
                    if (newTarget - p < request.MinUsefulChangeW) continue;
                    Apply(m, MinerActionKind.SetTarget, newTarget, newTarget, "raise target: most efficient first");
                    room -= newTarget - p;
                }
            }
        }
    }
}
