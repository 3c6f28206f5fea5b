using System.Globalization;
using System.Text;
using Curtail.Core.Time;
using Curtail.Simulation.Backtest;

namespace Curtail.Simulation.Reports;

/// <summary>
/// The backtest report's summaries over long windows: a month-by-month table, and the price as a daily band
/// (min, mean, max per CPT day) with each day's own intervals one click away, instead of a year of spikes in one line.
/// </summary>
internal static class HtmlReportSections
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private sealed record Day(DateOnly Date, long StartTicks, IReadOnlyList<IntervalRecord> Policy, IReadOnlyList<IntervalRecord> AlwaysOn);

    private static List<Day> Days(IReadOnlyList<IntervalRecord> policy, IReadOnlyList<IntervalRecord> alwaysOn) =>
        policy.Select((r, i) => (r, a: alwaysOn[i]))
            .GroupBy(x => DateOnly.FromDateTime(CentralPrevailingTime.ToLocal(new DateTimeOffset(x.r.StartTicks, TimeSpan.Zero)).DateTime))
            .Select(g => new Day(g.Key, g.First().r.StartTicks, g.Select(x => x.r).ToList(), g.Select(x => x.a).ToList()))
            .ToList();

    /// <summary>Profit, energy, curtailment and price per CPT month, beside always-on.</summary>
    public static string MonthlyTable(IReadOnlyList<IntervalRecord> policy, IReadOnlyList<IntervalRecord> alwaysOn, double fullPowerMw)
    {
        var html = new StringBuilder("<h2>Month by month</h2><table><tr><th>month (CPT)</th><th>profit</th><th>always on</th><th>difference</th>" +
                                     "<th>energy MWh</th><th>curtailed MWh</th><th>uptime</th><th>mean price</th><th>max price</th></tr>");
        foreach (var month in Days(policy, alwaysOn).GroupBy(d => new DateOnly(d.Date.Year, d.Date.Month, 1)))
        {
            var p = month.SelectMany(d => d.Policy).ToList();
            var a = month.SelectMany(d => d.AlwaysOn).ToList();
            var profit = p.Sum(r => r.ProfitUsd);
            var always = a.Sum(r => r.ProfitUsd);
            var hours = p.Sum(r => (r.EndTicks - r.StartTicks) / (double)TimeSpan.TicksPerHour);
            var energy = p.Sum(r => r.EnergyMwh);
            html.Append(Inv, $"<tr><td>{month.Key:yyyy-MM}</td><td>{Usd(profit)}</td><td>{Usd(always)}</td><td>{Usd(profit - always)}</td>" +
                             $"<td>{energy:N0}</td><td>{Math.Max(0, fullPowerMw * hours - energy):N0}</td><td>{p.Average(r => r.RunningFraction):P1}</td>" +
                             $"<td>{p.Average(r => r.Price):N2}</td><td>{p.Max(r => r.Price):N2}</td></tr>");
        }
        return html.Append("</table>").ToString();
    }

    /// <summary>
    /// The daily band chart, then a day picker: each day is a &lt;details&gt; whose chart of that day's intervals is
    /// drawn only when opened (no script, no external library: the browser keeps closed details unrendered).
    /// </summary>
    public static string DailyPrice(string settlementPoint, IReadOnlyList<IntervalRecord> policy, IReadOnlyList<IntervalRecord> alwaysOn, IReadOnlyList<ReferenceLine> references)
    {
        var days = Days(policy, alwaysOn);
        var ticks = days.Select(d => d.StartTicks).ToArray();
        var html = new StringBuilder();
        html.Append(new SvgTimeChart
        {
            Title = $"{settlementPoint} real-time price per CPT day: min, mean, max ($/MWh)", YLabel = "$/MWh",
            Lines =
            [
                new TimeSeriesLine("daily max", "#f59e0b", ticks, days.Select(d => d.Policy.Max(r => r.Price)).ToArray(), Width: 0.8),
                new TimeSeriesLine("daily mean", "#1d4ed8", ticks, days.Select(d => d.Policy.Average(r => r.Price)).ToArray(), Width: 1.6),
                new TimeSeriesLine("daily min", "#6b7280", ticks, days.Select(d => d.Policy.Min(r => r.Price)).ToArray(), Width: 0.8),
            ],
            References = references,
        }.Render());
        html.Append("<h3>Detail by day</h3><p class=\"sub\">Open a day to see its intervals; the days with the highest prices come first.</p>");
        foreach (var d in days.OrderByDescending(d => d.Policy.Max(r => r.Price)))
        {
            html.Append(Inv, $"<details><summary>{d.Date:yyyy-MM-dd}: max {d.Policy.Max(r => r.Price):N2}, mean {d.Policy.Average(r => r.Price):N2} $/MWh, " +
                             $"site {d.Policy.Average(r => r.SitePowerMw):N2} MW on average</summary>");
            var dayTicks = d.Policy.Select(r => r.StartTicks).ToArray();
            html.Append(new SvgTimeChart
            {
                Title = $"{d.Date:yyyy-MM-dd} (CPT): price ($/MWh) and site load (MW x 100)", YLabel = "$/MWh",
                Lines =
                [
                    new TimeSeriesLine("price", "#1d4ed8", dayTicks, d.Policy.Select(r => r.Price).ToArray(), Steps: true),
                    new TimeSeriesLine("site MW x 100", "#16a34a", dayTicks, d.Policy.Select(r => r.SitePowerMw * 100).ToArray(), Steps: true),
                ],
                References = references,
            }.Render());
            html.Append("</details>");
        }
        return html.ToString();
    }

    private static string Usd(double v) => (v < 0 ? "-$" : "$") + Math.Abs(v).ToString("N0", Inv);
}
