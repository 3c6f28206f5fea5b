using Curtail.Core.Fleet;

namespace Curtail.Miners.Fleet;

/// <summary>
/// Chooses which miners sleep, wake or throttle so the site settles at a target load. Shedding takes the least
/// efficient miners (highest J/TH) first, restoring the most efficient first. It respects each group's minimum
/// power fraction, minimum on/off dwell times and sleep-or-throttle preference, caps each step's load increase at
/// what the genset can take, and puts back to sleep any miner held asleep for the event that woke by itself.
/// Groups with <c>shed: power_target</c> or <c>shed: hashboards</c> give up load first without stopping miners, by
/// <see cref="ShedRule"/> (the rule the backtest uses), and sleep only what throttling cannot reach.
/// A pure function of its input: the controller re-reads the fleet and calls it every cycle.
/// </summary>
public sealed class FleetAllocator
{
    public AllocationPlan Plan(AllocationRequest request)
    {
        var fleet = request.Fleet;
        var groups = request.Groups;
        // A group without constraints gets the defaults under its own name, made once per plan (not once per look:
        // a 10,000-miner shed looks them up several times per miner).
        var defaults = new Dictionary<string, GroupConstraints>(StringComparer.Ordinal);
        GroupConstraints G(string name)
        {
            if (groups.TryGetValue(name, out var g)) return g;
            if (!defaults.TryGetValue(name, out g)) defaults[name] = g = GroupConstraints.Default with { Name = name };
            return g;
        }

        var expected = fleet.ToDictionary(m => m.Id, m => m.SteadyPowerW, StringComparer.Ordinal);
        var actions = new Dictionary<string, MinerAction>(StringComparer.Ordinal);
        var current = fleet.Sum(m => m.PowerW);
        var groupNominal = fleet.GroupBy(m => m.Group).ToDictionary(g => g.Key, g => g.Sum(m => m.Model.NominalW));
        var groupPower = fleet.GroupBy(m => m.Group).ToDictionary(g => g.Key, g => g.Sum(m => m.SteadyPowerW));

        void Apply(MinerState m, MinerActionKind kind, double? target, double newPower, string reason, int? boards = null)
        {
            groupPower[m.Group] += newPower - expected[m.Id];
            expected[m.Id] = newPower;
            actions[m.Id] = new MinerAction(m.Id, kind, target, newPower, reason) { Boards = boards };
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
            // Pass 0: groups that shed softly (power targets, hashboards), least efficient group first.
            foreach (var group in running.Where(m => G(m.Group).Shed != ShedMode.Sleep).GroupBy(m => m.Group)
                         .OrderByDescending(g => g.Average(m => m.JoulesPerTh)).ThenBy(g => g.Key, StringComparer.Ordinal))
            {
                if (excess <= 0.5) break;
                var constraints = G(group.Key);
                var room = Math.Min(excess, groupPower[group.Key] - constraints.MinPowerFraction * groupNominal[group.Key]);
                if (room < request.MinUsefulChangeW) continue;
                excess -= constraints.Shed == ShedMode.PowerTarget
                    ? ShedByTargets(group.ToList(), constraints, room)
                    : ShedByBoards(group.ToList(), constraints, room);
            }
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

        // shed: power_target. Lowers the least efficient miners' targets evenly (ShedRule.EvenTargets) when that loses
        // less hashrate than sleeping; below the floors, sleeps the fewest miners needed and throttles the rest.
        double ShedByTargets(List<MinerState> members, GroupConstraints g, double want)
        {
            var candidates = members.Where(m => m.TargetLimits is not null && !actions.ContainsKey(m.Id)).ToList();
            if (candidates.Count == 0) return 0;
            double Floor(MinerState m) => Math.Max(g.ShedFloorW ?? m.TargetLimits!.Value.MinW, m.TargetLimits!.Value.MinW);
            double Room(MinerState m) => Math.Max(0, expected[m.Id] - Floor(m));
            var shed = 0.0;
            // Throttling alone cannot reach: sleep the least efficient until the rest at their floors can.
            var awake = new List<MinerState>(candidates);
            while (awake.Sum(Room) < want - shed - 0.5)
            {
                var victim = awake.FirstOrDefault(m => m.CanSleep && DwellAllows(m, g.MinOnTime));
                if (victim is null) break;
                awake.Remove(victim);
                var p = expected[victim.Id];
                Apply(victim, MinerActionKind.Sleep, null, victim.Model.SleepW, "power_target: below the floors, sleep the least efficient");
                shed += p - victim.Model.SleepW;
            }
            var left = Math.Min(want - shed, awake.Sum(Room));
            if (left < request.MinUsefulChangeW) return shed;
            // Spread over enough of the least efficient miners that each change is worth a command.
            var count = Math.Clamp((int)(left / request.MinUsefulChangeW), 1, awake.Count);
            while (count < awake.Count && awake.Take(count).Sum(Room) < left - 0.5) count++;
            var chosen = awake.Take(count).ToList();
            var targets = ShedRule.EvenTargets(chosen.Select(m => expected[m.Id]).ToArray(),
                chosen.Select(m => m.Model.NominalW).ToArray(), chosen.Select(Floor).ToArray(), left);
            if (targets is null) return shed;
            // Compare with sleeping the same miners: throttle only when it keeps more hashrate.
            var lostByThrottle = chosen.Select((m, i) => m.Model.HashrateAt(expected[m.Id]) - m.Model.HashrateAt(targets[i])).Sum();
            var lostBySleep = SleepCost(chosen, left);
            if (lostBySleep is { } sleepCost && sleepCost < lostByThrottle) return shed;
            for (var i = 0; i < chosen.Count; i++)
            {
                var m = chosen[i];
                var before = expected[m.Id];
                if (before - targets[i] < 1) continue;
                Apply(m, MinerActionKind.SetTarget, targets[i], targets[i],
                    $"power_target: even throttle loses {lostByThrottle:0.#} TH/s, sleeping {(lostBySleep is { } c ? $"{c:0.#}" : "-")}");
                shed += before - targets[i];
            }
            return shed;
        }

        // The hashrate lost by sleeping miners (least efficient first) until `want` is shed; null if they cannot.
        double? SleepCost(List<MinerState> miners, double want)
        {
            var lost = 0.0;
            foreach (var m in miners)
            {
                if (want <= 0.5) break;
                if (!m.CanSleep) continue;
                lost += m.Model.HashrateAt(expected[m.Id]);
                want -= expected[m.Id] - m.Model.SleepW;
            }
            return want <= 0.5 ? lost : null;
        }

        // shed: hashboards. Switches boards off, least efficient miner first, down to the group's floor of boards;
        // what the boards cannot give is left to the sleep pass.
        double ShedByBoards(List<MinerState> members, GroupConstraints g, double want)
        {
            var shed = 0.0;
            foreach (var m in members)
            {
                if (want - shed <= 0.5) break;
                if (m.Hashboards is not { } total || actions.ContainsKey(m.Id) || m.Mode == MinerMode.Ramping) continue;
                var active = m.ActiveHashboards ?? total;
                var floor = Math.Min(Math.Max(1, g.ShedFloorBoards), total);
                if (active <= floor) continue;
                var p = expected[m.Id];
                var perBoard = p / active;
                var off = Math.Min(active - floor, (int)Math.Ceiling((want - shed - 0.5) / perBoard));
                if (off <= 0 || off * perBoard < request.MinUsefulChangeW) continue;
                var newPower = p - off * perBoard;
                Apply(m, MinerActionKind.SetHashboards, null, newPower, "hashboards: least efficient first, fans keep turning", active - off);
                shed += p - newPower;
            }
            return shed;
        }

        // Restoring returns a miner to its nameplate power, never into the firmware's overclock profiles.
        static double Ceiling(MinerState m, PowerLimits l) => Math.Min(l.MaxW, m.Model.NominalW);

        void Restore(double room)
        {
            // Most efficient first: raise throttled targets and wake sleeping miners not held for the event.
            var candidates = fleet
                .Where(m => Controllable(m) && !actions.ContainsKey(m.Id) && !request.HeldAsleep.Contains(m.Id))
                .Where(m => m.Mode == MinerMode.Sleeping
                            || (m.Hashboards is { } b && (m.ActiveHashboards ?? b) < b && m.Mode != MinerMode.Ramping)
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
                else if (m.Hashboards is { } total && (m.ActiveHashboards ?? total) < total)
                {
                    var active = m.ActiveHashboards ?? total;
                    var perBoard = active > 0 ? p / active : m.Model.NominalW / total;
                    var on = Math.Min(total - active, (int)Math.Floor(room / perBoard));
                    if (on <= 0) continue;
                    Apply(m, MinerActionKind.SetHashboards, null, p + on * perBoard, "hashboards back on: most efficient first", active + on);
                    room -= on * perBoard;
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
