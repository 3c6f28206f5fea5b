using System.Globalization;
using System.Text;
using Curtail.Core.Sites;
using Curtail.Core.Time;
using Curtail.Simulation.Backtest;
using Curtail.Simulation.Sweep;

namespace Curtail.Simulation.Reports;

/// <summary>Self-contained HTML reports (inline CSS and SVG, no scripts or external files).</summary>
public static class HtmlReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private const string Style = """
        <style>
        body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:24px auto;max-width:1140px;color:#1f2937}
        h1{font-size:22px;margin-bottom:4px} h2{font-size:17px;margin-top:28px} .sub{color:#6b7280;margin-top:0}
        table{border-collapse:collapse;margin:8px 0} td,th{border-bottom:1px solid #e5e7eb;padding:4px 10px;text-align:right}
        th:first-child,td:first-child{text-align:left} th{background:#f9fafb}
        svg{width:100%;height:auto;background:#fff;border:1px solid #e5e7eb;margin:6px 0}
        .title{font-size:14px;font-weight:600;fill:#111827} .grid{stroke:#eef0f3}
        .ytick{font-size:11px;text-anchor:end;fill:#4b5563} .xtick{font-size:11px;text-anchor:middle;fill:#4b5563}
        .ylabel{font-size:12px;text-anchor:middle;fill:#374151} .legend{font-size:11px;fill:#374151}
        .kpi{display:inline-block;margin-right:28px} .kpi b{display:block;font-size:20px}
        </style>
        """;

    public static string Simulation(SiteDefinition site, SimulationSummary s, SimulationResult r)
    {
        var policy = r.PolicyIntervals ?? throw new ArgumentException("the simulation kept no intervals");
        var ticks = policy.Select(x => x.StartTicks).ToArray();
        var html = Begin($"Backtest: {site.Name}");
        html.Append(Inv, $"<h1>Backtest: {E(site.Name)}</h1><p class=\"sub\">{E(site.SettlementPoint)} real-time prices, {s.FromCpt:yyyy-MM-dd} to {s.ToCptExclusive:yyyy-MM-dd} (CPT, end exclusive), {s.Intervals:N0} intervals, decisions every {s.DecisionCadenceMinutes} minutes{(s.DecisionCadenceMinutes == 5 ? " on SCED LMPs, settled at the 15-minute SPP" : "")}, policy <b>{E(s.Policy)}</b></p>");
        html.Append(Inv, $"<div><span class=\"kpi\">profit<b>{Usd(s.ProfitUsd)}</b></span><span class=\"kpi\">vs always on<b>{Usd(s.ProfitUsd - s.AlwaysOnProfitUsd)}</b></span><span class=\"kpi\">oracle<b>{Usd(s.OracleProfitUsd)}</b></span><span class=\"kpi\">capture ratio<b>{(s.CaptureRatio is { } c ? c.ToString("P1", Inv) : "n/a")}</b></span><span class=\"kpi\">uptime<b>{s.UptimeFraction.ToString("P1", Inv)}</b></span></div>");
        html.Append(TotalsTable(r));
        if (s.FourCp is { } fourCp) html.Append(FourCpTable(fourCp));

        html.Append(HtmlReportSections.MonthlyTable(policy, r.AlwaysOnIntervals!, site.FullPowerMw));

        var refs = new List<ReferenceLine>();
        if (site.Policy.CurtailAboveUsdPerMwh is { } strike && s.Policy == "threshold")
        {
            refs.Add(new ReferenceLine("curtail above", "#dc2626", strike));
            if (site.Policy.ResumeBelowUsdPerMwh is { } resume && resume != strike) refs.Add(new ReferenceLine("resume below", "#16a34a", resume));
        }
        // The hard cap curtails whatever the policy: drawn for every policy that has one.
        if (site.Policy.HardCapUsdPerMwh is { } cap) refs.Add(new ReferenceLine("hard cap", "#7c3aed", cap));
        html.Append("<h2>Price and strikes</h2>");
        html.Append(HtmlReportSections.DailyPrice(site.SettlementPoint, policy, r.AlwaysOnIntervals!, refs));
        html.Append("<h2>Site load</h2>");
        html.Append(new SvgTimeChart
        {
            Title = "Site load (MW, interval average)", YLabel = "MW",
            Lines = [
                new TimeSeriesLine("oracle", "#2a9d8f", ticks, r.OracleIntervals!.Select(x => x.SitePowerMw).ToArray(), Width: 0.8),
                new TimeSeriesLine(s.Policy, "#1d4ed8", ticks, policy.Select(x => x.SitePowerMw).ToArray(), Width: 1),
            ],
        }.Render());
        html.Append("<h2>Cumulative profit</h2>");
        html.Append(new SvgTimeChart
        {
            Title = "Cumulative profit (USD)", YLabel = "USD",
            Lines = [
                new TimeSeriesLine("always on", "#6b7280", ticks, Cumulative(r.AlwaysOnIntervals!)),
                new TimeSeriesLine("oracle", "#2a9d8f", ticks, Cumulative(r.OracleIntervals!)),
                new TimeSeriesLine(s.Policy, "#1d4ed8", ticks, Cumulative(policy), Width: 2),
            ],
        }.Render());
        html.Append(SiteTable(site));
        return End(html);
    }

    public static string Sweep(SiteDefinition site, SweepResult result, DateOnly from, DateOnly to)
    {
        var html = Begin($"Sweep: {site.Name}");
        var best = result.Best;
        var keys = result.Parameters.Select(p => p.Key).ToArray();
        html.Append(Inv, $"<h1>Sweep: {E(site.Name)}</h1><p class=\"sub\">{E(site.SettlementPoint)}, {from:yyyy-MM-dd} to {to:yyyy-MM-dd} (CPT, end exclusive), policy <b>{E(SiteFileParser.PolicyKindName(site.Policy.Kind))}</b>, {result.Points.Count:N0} settings</p>");
        html.Append(Inv, $"<p>Best: {string.Join(", ", keys.Select((k, i) => $"<b>{E(k)} = {best.Values[i].ToString("0.##", Inv)}</b>"))} with profit {Usd(best.Totals.ProfitUsd)} (always on {Usd(best.AlwaysOnProfitUsd)}, oracle {Usd(best.OracleProfitUsd)}, capture ratio {(best.CaptureRatio is { } c ? c.ToString("P1", Inv) : "n/a")}).</p>");
        var plateau = result.Plateau();
        html.Append(Inv, $"<p>Plateau: {plateau.Points.Count:N0} setting(s) within {plateau.CaptureRatioPoints.ToString("0.##", Inv)} percentage points of capture ratio ({Usd(plateau.ToleranceUsd)}) of the best: {string.Join(", ", keys.Select((k, i) => plateau.Range(i) is var (lo, hi) && lo == hi ? $"{E(k)} = {lo.ToString("0.##", Inv)}" : $"{E(k)} {lo.ToString("0.##", Inv)} to {hi.ToString("0.##", Inv)}"))}. Settings on the plateau differ by less than that; the single best is not more precise than it.</p>");
        if (result.Coupling is { } coupling)
            html.Append(Inv, $"<p>The resume strike moved with the curtail strike by the rule <b>{E(coupling.Rule)}</b> (--couple).</p>");
        if (keys.Length == 1)
        {
            var xs = result.Points.Select(p => p.Values[0]).ToArray();
            var ys = result.Points.Select(p => p.Totals.ProfitUsd).ToArray();
            var refsVary = result.Points.Select(p => p.AlwaysOnProfitUsd).Distinct().Count() > 1;
            html.Append(SvgSweepCharts.ProfitCurve(keys[0], xs, ys, refsVary ? double.NaN : best.AlwaysOnProfitUsd, refsVary ? double.NaN : best.OracleProfitUsd, best.Values[0]));
        }
        else
        {
            var xs = result.Points.Select(p => p.Values[0]).Distinct().ToArray();
            var ys = result.Points.Select(p => p.Values[1]).Distinct().ToArray();
            var profit = result.Points.ToDictionary(p => (p.Values[0], p.Values[1]), p => p.Totals.ProfitUsd);
            html.Append(SvgSweepCharts.HeatMap(keys[0], keys[1], xs, ys, (i, j) => profit[(xs[i], ys[j])],
                (Array.IndexOf(xs, best.Values[0]), Array.IndexOf(ys, best.Values[1]))));
        }
        html.Append("<h2>All settings</h2><table><tr>");
        foreach (var k in keys) html.Append(Inv, $"<th>{E(k)}</th>");
        html.Append("<th>profit</th><th>capture ratio</th><th>energy MWh</th><th>curtailed MWh</th><th>uptime</th><th>transitions</th></tr>");
        foreach (var p in result.Points)
        {
            html.Append("<tr>");
            foreach (var v in p.Values) html.Append(Inv, $"<td>{v.ToString("0.##", Inv)}</td>");
            html.Append(Inv, $"<td>{Usd(p.Totals.ProfitUsd)}</td><td>{(p.CaptureRatio is { } cr ? cr.ToString("P1", Inv) : "n/a")}</td><td>{p.Totals.EnergyMwh:N0}</td><td>{p.Totals.CurtailedMwh:N0}</td><td>{p.Totals.UptimeFraction.ToString("P1", Inv)}</td><td>{p.Totals.Transitions:N0}</td></tr>");
        }
        html.Append("</table>");
        html.Append(SiteTable(site));
        return End(html);
    }

    private static string FourCpTable(FourCpSummary f)
    {
        var t = new StringBuilder();
        t.Append(f.Rule == PeakRule.FourCp.Name ? "<h2>4CP</h2>" : $"<h2>Peak rule {E(PeakRule.Parse(f.Rule).Describe())}</h2>");
        t.Append(Inv, $"<p>Watch: curtail hours with peak probability ≥ {f.ProbabilityThreshold.ToString("0.###", Inv)}, at most {f.MonthlyBudgetHours.ToString("0.#", Inv)} h a month; {f.CurtailedHours.ToString("0.##", Inv)} h used. ");
        t.Append(Inv, $"Site demand at the peaks {f.SiteFourCpMw.ToString("F2", Inv)} MW of {f.FullSiteMw.ToString("F2", Inv)} MW, {f.Hits}/{f.PeakCount} peaks hit; transmission charge avoided <b>{Usd(f.AvoidedChargeUsd)}</b> a year at ${f.RateUsdPerKwYear.ToString("0.##", Inv)}/kW-year.</p>");
        t.Append("<table><tr><th>month</th><th>peak hour (CPT)</th><th>ERCOT load MW</th><th>site load MW</th><th>hit</th></tr>");
        foreach (var p in f.Peaks)
            t.Append(Inv, $"<tr><td>{p.Month}</td><td>{E(p.PeakHourStartCpt)}</td><td>{p.SystemLoadMw:N0}</td><td>{p.SiteLoadMw:F2}</td><td>{(p.Hit ? "yes" : "no")}</td></tr>");
        return t.Append("</table>").ToString();
    }

    private static string TotalsTable(SimulationResult r)
    {
        var sb = new StringBuilder("<table><tr><th>policy</th><th>hash revenue</th><th>energy cost</th><th>profit</th><th>energy MWh</th><th>curtailed MWh</th><th>uptime</th><th>transitions</th></tr>");
        foreach (var t in new[] { r.Policy, r.AlwaysOn, r.Oracle })
            sb.Append(Inv, $"<tr><td>{E(t.Policy)}</td><td>{Usd(t.HashRevenueUsd)}</td><td>{Usd(t.EnergyCostUsd)}</td><td>{Usd(t.ProfitUsd)}</td><td>{t.EnergyMwh:N0}</td><td>{t.CurtailedMwh:N0}</td><td>{t.UptimeFraction.ToString("P1", Inv)}</td><td>{t.Transitions:N0}</td></tr>");
        return sb.Append("</table>").ToString();
    }

    private static string SiteTable(SiteDefinition site)
    {
        var sb = new StringBuilder("<h2>Site</h2><table><tr><th>group</th><th>model</th><th>count</th><th>TH/s each</th><th>W each</th><th>J/TH</th><th>min power</th><th>MW</th></tr>");
        foreach (var g in site.Fleet)
            sb.Append(Inv, $"<tr><td>{E(g.Name)}</td><td>{E(g.Model)}</td><td>{g.Count:N0}</td><td>{g.HashrateTh:0.#}</td><td>{g.PowerW:N0}</td><td>{g.EfficiencyJPerTh:0.0}</td><td>{g.MinPowerFraction:P0}</td><td>{g.FullPowerMw:0.00}</td></tr>");
        sb.Append("</table>");
        var p = site.Policy;
        var c = site.Constraints;
        sb.Append(Inv, $"<p class=\"sub\">Energy: {site.Energy.Contract.ToString().ToLowerInvariant()} contract{(site.Energy.FixedPriceUsdPerMwh is { } f ? $" at ${f}/MWh" : "")}, adder ${site.Energy.AdderUsdPerMwh}/MWh. Pool fee {site.Economics.PoolFee:P1}. ");
        sb.Append(Inv, $"Policy: curtail above {p.CurtailAboveUsdPerMwh?.ToString(Inv) ?? "-"}, resume below {p.EffectiveResumeBelow?.ToString(Inv) ?? "-"}, confirm {p.ConfirmIntervals}, hard cap {p.HardCapUsdPerMwh?.ToString(Inv) ?? "-"}, breakeven margin {p.BreakevenMargin}. ");
        sb.Append(Inv, $"Constraints: sleep {c.SleepSeconds} s, wake {c.WakeMinutes} min, min off {c.MinOffMinutes} min, min on {c.MinOnMinutes} min.</p>");
        return sb.ToString();
    }

    private static double[] Cumulative(IReadOnlyList<IntervalRecord> records)
    {
        var result = new double[records.Count];
        var sum = 0.0;
        for (var i = 0; i < records.Count; i++) result[i] = sum += records[i].ProfitUsd;
        return result;
    }

    private static StringBuilder Begin(string title) =>
        new StringBuilder($"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{E(title)}</title>").Append(Style).Append("</head><body>");

    private static string End(StringBuilder html) =>
        html.Append("<p class=\"sub\">Generated by Curtail. Money model: docs/economics.md. Prices: ERCOT (docs/data-sources.md).</p></body></html>").ToString();

    private static string Usd(double v) => (v < 0 ? "-$" : "$") + Math.Abs(v).ToString("N0", Inv);

    private static string E(string s) => SvgTimeChart.Escape(s);
}
