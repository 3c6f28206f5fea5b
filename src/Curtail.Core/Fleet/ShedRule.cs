using Curtail.Core.Economics;

namespace Curtail.Core.Fleet;

/// <summary>How a group of miners gives up load when the site must come down to a target (<c>shed:</c>).</summary>
public enum ShedMode
{
    /// <summary>Whole miners sleep: fans stop, and waking is a restart (the only mode of stock firmware).</summary>
    Sleep,

    /// <summary>Lower power targets (down to a floor): the miners keep hashing at a better J/TH and their fans turn.</summary>
    PowerTarget,

    /// <summary>Switch hashboards off (down to a floor of boards): power and hashrate fall by a board, no restart.</summary>
    Hashboards,
}

public static class ShedModes
{
    public static ShedMode? Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "sleep" => ShedMode.Sleep,
        "power_target" or "power-target" or "throttle" => ShedMode.PowerTarget,
        "hashboards" or "hashboard" or "boards" => ShedMode.Hashboards,
        _ => null,
    };

    public static string Key(ShedMode mode) => mode switch
    {
        ShedMode.PowerTarget => "power_target",
        ShedMode.Hashboards => "hashboards",
        _ => "sleep",
    };
}

/// <summary>
/// The one rule, shared by the live allocator and the backtest, for the hashrate a shed costs. For a group of like
/// miners that must keep a fraction k of its nameplate power:
/// <list type="bullet">
/// <item>sleep: a share k of the miners stays up at full power, hashrate k (linear);</item>
/// <item>hashboards: boards go off, each taking its share of power and hashrate, hashrate k (linear) but no restart;</item>
/// <item>power_target with a floor φ (floor / nameplate): every miner runs at k if k ≥ φ, hashrate k^(1/α) (α = 1.45);
///   below the floor as many miners as the load allows stay up at φ and the rest sleep, hashrate (k/φ)·φ^(1/α).</item>
/// </list>
/// Because p^(1/α) is concave, spreading a cut over all miners at an even power keeps the most hashrate: for a fixed
/// load the hashrate kept grows with the number of miners awake, so throttling beats sleeping whenever the floor
/// allows it, and below the floor keeping the most miners awake at the floor is best.
/// </summary>
public static class ShedRule
{
    /// <summary>
    /// The fraction of the group's nameplate hashrate kept when the group, its miners running at
    /// <paramref name="runningFraction"/> of nameplate, comes down to <paramref name="keepFraction"/> of its nameplate power.
    /// </summary>
    public static double KeptHashFraction(ShedMode mode, double keepFraction, double floorFraction, double runningFraction = 1)
    {
        var f = Math.Clamp(runningFraction, 0, 1);
        var k = Math.Clamp(keepFraction, 0, f);
        if (f <= 0) return 0;
        if (mode != ShedMode.PowerTarget || k >= f) return PowerHashrateModel.HashrateFraction(f) * k / f;
        var floor = Math.Clamp(floorFraction, 1e-6, 1);
        if (k >= floor) return PowerHashrateModel.HashrateFraction(k);
        return k / floor * PowerHashrateModel.HashrateFraction(floor);
    }

    /// <summary>
    /// The hashrate a site loses when it must shed <paramref name="shedFraction"/> of its running power: groups give up
    /// load least efficient first (the allocator's order), each by its own <see cref="FleetGroup.Shed"/> mode. Returns
    /// the nameplate-TH/s-weighted hashrate fraction lost per group, in the groups' order.
    /// </summary>
    public static double[] HashLost(IReadOnlyList<FleetGroup> groups, ReadOnlySpan<double> runningFractions, double shedW)
    {
        var lost = new double[groups.Count];
        var order = Enumerable.Range(0, groups.Count).OrderByDescending(i => groups[i].EfficiencyJPerTh).ThenBy(i => i).ToArray();
        foreach (var g in order)
        {
            if (shedW <= 0) break;
            var group = groups[g];
            var fullW = group.Count * group.PowerW;
            var f = Math.Clamp(runningFractions[g], 0, 1);
            if (fullW <= 0 || f <= 0) continue;
            var cut = Math.Min(shedW, f * fullW);
            var keep = f - cut / fullW;
            lost[g] = PowerHashrateModel.HashrateFraction(f) - KeptHashFraction(group.Shed, keep, group.ShedFloorFraction, f);
            shedW -= cut;
        }
        return lost;
    }

    /// <summary>
    /// Power targets that bring miners (least efficient first) from <paramref name="currentW"/> down by
    /// <paramref name="shedW"/> as evenly as their floors allow: every miner is lowered to a common fraction of its
    /// nameplate, never below its floor nor above its present power. Returns null when even every miner at its floor
    /// cannot shed that much (the caller sleeps instead).
    /// </summary>
    public static double[]? EvenTargets(ReadOnlySpan<double> currentW, ReadOnlySpan<double> nominalW, ReadOnlySpan<double> floorW, double shedW)
    {
        var n = currentW.Length;
        var total = 0.0;
        var atFloors = 0.0;
        for (var i = 0; i < n; i++)
        {
            total += currentW[i];
            atFloors += Math.Min(currentW[i], floorW[i]);
        }
        var keep = total - shedW;
        if (keep < atFloors - 0.5) return null;
        // Bisection on the common fraction f: Σ clamp(f·nominal, floor, current) is monotone in f.
        double lo = 0, hi = 1;
        for (var iteration = 0; iteration < 60; iteration++)
        {
            var mid = (lo + hi) / 2;
            var sum = 0.0;
            for (var i = 0; i < n; i++) sum += Math.Clamp(mid * nominalW[i], Math.Min(floorW[i], currentW[i]), currentW[i]);
            if (sum > keep) hi = mid; else lo = mid;
        }
        var targets = new double[n];
        for (var i = 0; i < n; i++) targets[i] = Math.Floor(Math.Clamp(lo * nominalW[i], Math.Min(floorW[i], currentW[i]), currentW[i]));
        return targets;
    }
}
