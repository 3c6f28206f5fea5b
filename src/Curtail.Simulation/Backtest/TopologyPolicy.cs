using Curtail.Core.Decisions;
using Curtail.Core.Energy;
using Curtail.Core.Policies;
using Curtail.Core.Sites;

namespace Curtail.Simulation.Backtest;

/// <summary>
/// The site's policy inside its energy topology, as the live planner applies it: whatever the price policy curtails,
/// groups are kept running (most efficient first) up to the energy floor (<see cref="EnergyBalance.Floor"/>): island
/// genset power, genset power that cannot be exported for more than hashing earns, a genset's minimum load. On an
/// island the gensets also cap the miners, as load following does live: the least efficient running groups are
/// curtailed until the rest fit in the power available. Available power is each genset's when the row is decided
/// (<see cref="BacktestInputs.GensetAvailableAtDecisions"/>, as live decides on the reading it has; the oracle, which
/// knows the future, gets the row's mean). Beside a grid with an import limit the groups are curtailed the same way
/// until the rest fit in the limit + the gensets' available power (live, the planner caps the target at the limit +
/// the genset's output). Only wraps sites whose sources include a genset or an import limit.
/// </summary>
public sealed class TopologyPolicy(ICurtailmentPolicy inner, SiteDefinition site, double[][] availableByRow, bool applyFloor = true) : ICurtailmentPolicy
{
    private readonly int[] _byEfficiency = Enumerable.Range(0, site.Fleet.Count).OrderBy(g => site.Fleet[g].EfficiencyJPerTh).ToArray();
    private readonly double _fullKw = site.FullPowerMw * 1000;
    private readonly double[] _rated = EnergyBalance.Rated(site.Sources);

    public string Name => inner.Name;

    public ICurtailmentPolicy Inner => inner;

    public void Decide(in DecisionInputs inputs, ReadOnlySpan<GroupState> groups, Span<GroupIntent> intents)
    {
        inner.Decide(inputs, groups, intents);
        var row = inputs.IntervalIndex;
        var available = row >= 0 && row < availableByRow.Length ? availableByRow[row] : _rated;
        var runningKw = 0.0;
        for (var g = 0; g < intents.Length; g++)
            if (intents[g].WantsRunning) runningKw += site.Fleet[g].FullPowerMw * 1000 * intents[g].PowerFraction;
        if (applyFloor)
        {
            var prices = inputs.DecisionPrices;
            double? price = prices.Length > 0 ? prices[^1] : null;
            var hashValue = EnergyBalance.HashValueUsdPerMwh(site, inputs.HashpriceUsdPerThDay);
            var floor = EnergyBalance.Floor(site.Sources, available, _fullKw, hashValue, price).FloorKw;
            foreach (var g in _byEfficiency)
            {
                if (runningKw >= floor - 1e-6) break;
                if (intents[g].WantsRunning) continue;
                intents[g] = GroupIntent.Run(DecisionReason.EnergyFloor);
                runningKw += site.Fleet[g].FullPowerMw * 1000;
            }
        }
        // The supply's ceiling (EnergyBalance.SupplyCeilingKw): an island's gensets, or the grid's import limit + the
        // gensets' available power (live: the limit + the genset's output, SiteTargetPlanner).
        var ceiling = EnergyBalance.SupplyCeilingKw(site.Sources, available);
        if (double.IsPositiveInfinity(ceiling)) return;
        var reason = site.Sources.IsIsland ? DecisionReason.EnergyCeiling : DecisionReason.ImportLimit;
        for (var k = _byEfficiency.Length - 1; k >= 0 && runningKw > ceiling + 1e-6; k--)
        {
            var g = _byEfficiency[k];
            if (!intents[g].WantsRunning) continue;
            runningKw -= site.Fleet[g].FullPowerMw * 1000 * intents[g].PowerFraction;
            intents[g] = GroupIntent.Curtail(reason);
        }
    }
}
