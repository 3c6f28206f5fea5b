using System.Collections.Concurrent;
using Curtail.Controller.Storage;
using Curtail.Core.Economics;
using Curtail.Core.Sites;
using Curtail.Core.Time;

namespace Curtail.Controller.Dashboard;

/// <summary>Money over a span of recorded cycles, in US dollars; <see cref="SavingsUsd"/> is against running the whole site all the time.</summary>
public sealed record MoneyTotals(double HashRevenueUsd, double EnergyCostUsd, double AlwaysOnRevenueUsd, double AlwaysOnCostUsd, double EnergyMwh, double Hours)
{
    public static readonly MoneyTotals Zero = new(0, 0, 0, 0, 0, 0);

    public double MarginUsd => HashRevenueUsd - EnergyCostUsd;
    public double AlwaysOnMarginUsd => AlwaysOnRevenueUsd - AlwaysOnCostUsd;

    /// <summary>What curtailing earned over running at nameplate through the same prices: positive when it paid.</summary>
    public double SavingsUsd => MarginUsd - AlwaysOnMarginUsd;

    public MoneyTotals Plus(MoneyTotals o) => new(HashRevenueUsd + o.HashRevenueUsd, EnergyCostUsd + o.EnergyCostUsd, AlwaysOnRevenueUsd + o.AlwaysOnRevenueUsd,
        AlwaysOnCostUsd + o.AlwaysOnCostUsd, EnergyMwh + o.EnergyMwh, Hours + o.Hours);
}

/// <summary>
/// Today's and the month's money from the recorded decision cycles, priced by the backtest's money model
/// (<see cref="IntervalEconomics"/>: hash revenue per hour at nameplate for the hashprice, energy at the price plus the
/// adder) at the measured share of nameplate, as the controller's profit metric is. Each span between two cycles
/// (at most an hour) is charged at the load measured at its end and the settled price the cycle decided on. Finished
/// days are kept once computed: the month's total costs one day's read per poll.
/// </summary>
public sealed class LiveMoney(ControllerStore store)
{
    private static readonly TimeSpan MaxSpan = TimeSpan.FromHours(1);
    private readonly ConcurrentDictionary<DateOnly, MoneyTotals> _finishedDays = new();

    public MoneyTotals Day(SiteDefinition site, DateOnly date, DateTimeOffset now)
    {
        var start = CentralPrevailingTime.StartOfDayUtc(date);
        var end = CentralPrevailingTime.StartOfDayUtc(date.AddDays(1));
        if (end <= now && _finishedDays.TryGetValue(date, out var kept)) return kept;
        // The cycle before the day starts carries the load into the day's first span.
        var points = store.CyclePoints(start - MaxSpan, end < now ? end : now);
        var totals = Account(site, points, start);
        if (end <= now) _finishedDays[date] = totals;
        return totals;
    }

    public MoneyTotals Month(SiteDefinition site, DateOnly today, DateTimeOffset now)
    {
        var total = MoneyTotals.Zero;
        for (var d = new DateOnly(today.Year, today.Month, 1); d <= today; d = d.AddDays(1)) total = total.Plus(Day(site, d, now));
        return total;
    }

    /// <summary>The spans between consecutive cycles that end at or after <paramref name="from"/>, clipped to it.</summary>
    public static MoneyTotals Account(SiteDefinition site, IReadOnlyList<CyclePoint> points, DateTimeOffset from)
    {
        var economics = new IntervalEconomics(site);
        var fullKw = site.FullPowerMw * 1000;
        double revenue = 0, cost = 0, fullRevenue = 0, fullCost = 0, energy = 0, hours = 0;
        for (var i = 1; i < points.Count; i++)
        {
            var (previous, cycle) = (points[i - 1], points[i]);
            if (cycle.Time < from || cycle.LastSettledPrice is not { } price || cycle.HashpriceUsdPerThDay is not { } hashprice) continue;
            var spanStart = previous.Time < from ? from : previous.Time;
            var h = Math.Min((cycle.Time - spanStart).TotalHours, MaxSpan.TotalHours);
            if (h <= 0) continue;
            var revenuePerHourAtFull = Enumerable.Range(0, site.Fleet.Count).Sum(g => economics.RevenuePerHourAtFull(g, hashprice));
            var share = fullKw > 0 ? Math.Clamp(cycle.MeasuredKw / fullKw, 0, 1) : 0;
            var mwh = cycle.MeasuredKw / 1000 * h;
            revenue += revenuePerHourAtFull * share * h;
            cost += mwh * (price + economics.AdderUsdPerMwh);
            fullRevenue += revenuePerHourAtFull * h;
            fullCost += Enumerable.Range(0, site.Fleet.Count).Sum(g => economics.CostPerHourAtFull(g, price)) * h;
            energy += mwh;
            hours += h;
        }
        return new MoneyTotals(revenue, cost, fullRevenue, fullCost, energy, hours);
    }
}
