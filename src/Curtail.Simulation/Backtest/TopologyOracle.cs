using Curtail.Core.Economics;
using Curtail.Core.Energy;
using Curtail.Core.Policies;

namespace Curtail.Simulation.Backtest;

/// <summary>
/// The oracle over a site's energy topology. Perfect foresight of the prices and of the gensets' available power; each
/// group pays, per row, what its band of the site's load costs at the margin: the groups are stacked most efficient
/// first, and a group's band [L, L + its power] costs C(L + its power) − C(L), with C the least cost of serving a load
/// (<see cref="EnergyBalance.Flows"/>: import at price + adder, each genset's fuel, export revenue forgone). So genset
/// power is free to hash when it would otherwise be flared, costs the real-time price when it could be exported, and
/// the grid's price beyond the gensets; a band beyond what the supply can carry (an island's available power, the
/// grid's import limit + the gensets' available power: <see cref="EnergyBalance.SupplyCeilingKw"/>) cannot run. The per-group
/// dynamic programme (<see cref="OraclePlanner"/>) then plans each group on its own prices, with its wake-up, sleep and
/// minimum times. Exact when the groups it runs are the most efficient ones (the stacking the prices assume), which
/// is where the cheapest power goes.
/// </summary>
public static class TopologyOracle
{
    /// <summary>What a band beyond the supply's ceiling costs: never worth running.</summary>
    public const double UnavailableUsdPerMwh = 1e7;

    public static OraclePlan Plan(BacktestInputs inputs)
    {
        var site = inputs.Site;
        var economics = new IntervalEconomics(site);
        var range = new Range(inputs.FromIndex, inputs.ToIndex);
        var sced = inputs.Sced;
        var starts = sced is null ? inputs.Prices.StartTicks[range] : sced.StartTicks;
        var ends = sced is null ? inputs.Prices.EndTicks[range] : sced.EndTicks;
        var settlement = sced is null ? inputs.Prices.Prices[range] : sced.SettlementPrices;
        var prices = GroupPrices(inputs, settlement);
        return OraclePlanner.Plan(economics, site.Constraints, starts, ends, settlement.Length, g => prices[g], inputs.Hashprice);
    }

    /// <summary>Each group's price per row (<c>[group][row]</c>, $/MWh before the adder, as the oracle planner takes prices).</summary>
    public static double[][] GroupPrices(BacktestInputs inputs, ReadOnlySpan<double> settlement)
    {
        var site = inputs.Site;
        var sources = site.Sources;
        var adder = site.Energy.AdderUsdPerMwh;
        var available = inputs.GensetAvailableByRow();
        var order = Enumerable.Range(0, site.Fleet.Count).OrderBy(g => site.Fleet[g].EfficiencyJPerTh).ToArray();
        var prices = new double[site.Fleet.Count][];
        for (var g = 0; g < prices.Length; g++) prices[g] = new double[settlement.Length];
        for (var row = 0; row < settlement.Length; row++)
        {
            var price = settlement[row];
            var ceilingKw = EnergyBalance.SupplyCeilingKw(sources, available[row]);
            double Cost(double loadKw)
            {
                var f = EnergyBalance.Flows(sources, loadKw, available[row], price, adder);
                return f.ImportKw / 1000 * (price + adder) + f.FuelUsdPerHour - f.ExportKw / 1000 * EnergyBalance.ExportWorth(sources, price);
            }
            double load = 0, cost = Cost(0);
            foreach (var g in order)
            {
                var kw = site.Fleet[g].FullPowerMw * 1000;
                if (kw <= 0)
                {
                    prices[g][row] = price;
                    continue;
                }
                var next = Cost(load + kw);
                prices[g][row] = load + kw > ceilingKw + 1e-6
                    ? UnavailableUsdPerMwh
                    : (next - cost) / (kw / 1000) - adder;
                load += kw;
                cost = next;
            }
        }
        return prices;
    }
}
