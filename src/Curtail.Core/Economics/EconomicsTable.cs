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

    /// <summary>
    /// Running sums over rows [0, i) of the site's revenue and energy cost at nameplate, the contract cost and the
    /// hours, so a stretch in which nothing changes is booked with a subtraction (<see cref="Stretch"/>).
    /// </summary>
    private readonly double[] _revenuePrefix, _costPrefix, _contractPrefix, _hoursPrefix;

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
        _revenuePrefix = new double[n + 1];
        _costPrefix = new double[n + 1];
        _contractPrefix = new double[n + 1];
        _hoursPrefix = new double[n + 1];
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
            double revenue = 0, cost = 0;
            for (var g = 0; g < groups; g++)
            {
                revenue += FullRevenueUsd[g][i];
                cost += FullCostUsd[g][i];
            }
            _revenuePrefix[i + 1] = _revenuePrefix[i] + revenue;
            _costPrefix[i + 1] = _costPrefix[i] + cost;
            _contractPrefix[i + 1] = _contractPrefix[i] + ContractCostUsd[i];
            _hoursPrefix[i + 1] = _hoursPrefix[i] + hours;
        }
    }

    /// <summary>Sums over rows [from, to): the whole site's revenue and energy cost at nameplate, contract cost and hours.</summary>
    public (double RevenueAtFullUsd, double CostAtFullUsd, double ContractCostUsd, double Hours) Stretch(int from, int to) =>
        (_revenuePrefix[to] - _revenuePrefix[from], _costPrefix[to] - _costPrefix[from],
         _contractPrefix[to] - _contractPrefix[from], _hoursPrefix[to] - _hoursPrefix[from]);
}
