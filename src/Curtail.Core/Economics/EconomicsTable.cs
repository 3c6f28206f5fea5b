namespace Curtail.Core.Economics;

/// <summary>
/// Per interval and group, the hash revenue and energy cost of running the whole interval at nameplate, and the
/// interval's hashprice. They depend only on prices and economics, not on the policy, so a sweep computes them once
/// and every grid point books steady-state intervals with two additions.
/// </summary>
public sealed class EconomicsTable
{
    public double[] Hashprice { get; }
    public double[][] FullRevenueUsd { get; }
    public double[][] FullCostUsd { get; }
    public double[] ContractCostUsd { get; }

    public EconomicsTable(IntervalEconomics economics, ReadOnlySpan<long> startTicks, ReadOnlySpan<long> endTicks, ReadOnlySpan<double> prices, HashpriceSeries hashprice)
    {
        var n = prices.Length;
        var groups = economics.Fleet.Count;
        Hashprice = new double[n];
        ContractCostUsd = new double[n];
        FullRevenueUsd = new double[groups][];
        FullCostUsd = new double[groups][];
        for (var g = 0; g < groups; g++)
        {
            FullRevenueUsd[g] = new double[n];
            FullCostUsd[g] = new double[n];
        }
        for (var i = 0; i < n; i++)
        {
            var hours = (endTicks[i] - startTicks[i]) / (double)TimeSpan.TicksPerHour;
            var hp = hashprice.AtUtcTicks(startTicks[i]);
            Hashprice[i] = hp;
            ContractCostUsd[i] = economics.ContractCostUsd(startTicks[i], endTicks[i], prices[i]);
            for (var g = 0; g < groups; g++)
            {
                FullRevenueUsd[g][i] = economics.RevenuePerHourAtFull(g, hp) * hours;
                FullCostUsd[g][i] = economics.CostPerHourAtFull(g, prices[i]) * hours;
            }
        }
    }
}
