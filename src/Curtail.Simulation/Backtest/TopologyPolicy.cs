using Curtail.Core.Decisions;
using Curtail.Core.Energy;
using Curtail.Core.Policies;
using Curtail.Core.Sites;

namespace Curtail.Simulation.Backtest;

/// <summary>
/// The site's policy inside its energy topology, as the live planner applies it: whatever the price policy curtails,
/// groups are kept running (most efficient first) up to the energy floor (<see cref="EnergyBalance.Floor"/>): island
/// genset power, genset power that cannot be exported for more than hashing earns, a genset's minimum load. The
/// backtest assumes the gensets' rated power is available. Only wraps sites whose sources include a genset.
/// </summary>
public sealed class TopologyPolicy(ICurtailmentPolicy inner, SiteDefinition site) : ICurtailmentPolicy
{
    private readonly int[] _byEfficiency = Enumerable.Range(0, site.Fleet.Count).OrderBy(g => site.Fleet[g].EfficiencyJPerTh).ToArray();
    private readonly double _fullKw = site.FullPowerMw * 1000;

    public string Name => inner.Name;

    public ICurtailmentPolicy Inner => inner;

    public void Decide(in DecisionInputs inputs, ReadOnlySpan<GroupState> groups, Span<GroupIntent> intents)
    {
        inner.Decide(inputs, groups, intents);
        var prices = inputs.DecisionPrices;
        double? price = prices.Length > 0 ? prices[^1] : null;
        var hashValue = EnergyBalance.HashValueUsdPerMwh(site, inputs.HashpriceUsdPerThDay);
        var floor = EnergyBalance.Floor(site.Sources, site.Sources.GensetRatedKw, _fullKw, hashValue, price).FloorKw;
        var runningKw = 0.0;
        for (var g = 0; g < intents.Length; g++)
            if (intents[g].WantsRunning) runningKw += site.Fleet[g].FullPowerMw * 1000 * intents[g].PowerFraction;
        foreach (var g in _byEfficiency)
        {
            if (runningKw >= floor - 1e-6) break;
            if (intents[g].WantsRunning) continue;
            intents[g] = GroupIntent.Run(DecisionReason.EnergyFloor);
            runningKw += site.Fleet[g].FullPowerMw * 1000;
        }
    }
}
