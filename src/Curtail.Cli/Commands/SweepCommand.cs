using System.CommandLine;
using System.Globalization;
using Curtail.Core.Sites;
using Curtail.Simulation.Reports;
using Curtail.Simulation.Setup;
using Curtail.Simulation.Sweep;
using Spectre.Console;

namespace Curtail.Cli.Commands;

/// <summary>`curtail sweep`: one or two site parameters over a grid, same prices, in parallel.</summary>
public sealed class SweepCommand : ICliCommand
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public Command Build()
    {
        var options = new BacktestOptions();
        var param = new Option<string[]>("--param")
        {
            Description = $"KEY=FROM:TO:STEP, once or twice. Keys: {string.Join(", ", SweepParameter.Keys.Keys)}.",
            Required = true,
        };
        var couple = new Option<string?>(SweepCoupling.Option)
        {
            Description = "Move the resume strike with the swept curtail strike: resume=curtail-OFFSET keeps a band of OFFSET $/MWh. " +
                          "Without it the resume strike stays at the site's value, and settings where it would be above the curtail strike are refused.",
        };
        var plateau = new Option<double>("--plateau")
        {
            Description = "Report every setting within this many percentage points of capture ratio of the best one.",
            DefaultValueFactory = _ => SweepResult.DefaultPlateauCapturePoints,
        };
        var command = new Command("sweep", "Run the site's policy over a grid of one or two parameters and find the best setting and its plateau.");
        options.AddTo(command);
        command.Options.Add(param);
        command.Options.Add(couple);
        command.Options.Add(plateau);
        command.SetAction(p =>
        {
            var output = p.InvocationConfiguration.Output;
            var parameters = p.GetValue(param)!.Select(SweepParameter.Parse).ToList();
            var coupling = p.GetValue(couple) is { } rule ? SweepCoupling.Parse(rule, parameters) : null;
            var tolerance = p.GetValue(plateau);
            if (tolerance is < 0 or > 100 || double.IsNaN(tolerance))
                throw new Core.InvalidInputException("--plateau", null, $"must be between 0 and 100 percentage points, got {tolerance.ToString(Inv)}");
            var prepared = BacktestSetup.Prepare(options.Request(p));
            var json = p.GetValue(options.Json);
            SweepResult result;
            var total = parameters.Aggregate(1, (n, q) => n * q.Values().Length);
            if (!json && Terminal.ShowsProgress(output) && total > 1)
            {
                result = null!;
                AnsiConsole.Progress().Start(ctx =>
                {
                    var task = ctx.AddTask($"sweeping {total} settings", maxValue: total);
                    result = SweepRunner.Run(prepared.Inputs, parameters, new Progress<int>(done => task.Value = done), coupling);
                    task.Value = total;
                });
            }
            else result = SweepRunner.Run(prepared.Inputs, parameters, coupling: coupling);

            if (json) output.WriteLine(JsonOutput.Serialize(ToJson(result, prepared, tolerance)));
            else PrintTable(Terminal.On(output), prepared, result, tolerance);

            if (p.GetValue(options.Out) is { } outDir)
            {
                Directory.CreateDirectory(outDir);
                File.WriteAllText(Path.Combine(outDir, "sweep.html"), HtmlReport.Sweep(prepared.Site.Site, result, prepared.FromCpt, prepared.ToCptExclusive));
                File.WriteAllText(Path.Combine(outDir, "sweep.json"), JsonOutput.Serialize(ToJson(result, prepared, tolerance)));
                (json ? p.InvocationConfiguration.Error : output).WriteLine($"wrote {Path.Combine(outDir, "sweep.html")} and sweep.json");
            }
            return CurtailApp.ExitOk;
        });
        return command;
    }

    private static object ToJson(SweepResult r, PreparedBacktest prepared, double tolerance)
    {
        Dictionary<string, object?> Row(SweepPoint p)
        {
            var row = new Dictionary<string, object?>();
            for (var k = 0; k < r.Parameters.Count; k++) row[r.Parameters[k].Key] = p.Values[k];
            if (r.CoupledResume(p) is { } resume) row[SweepCoupling.ResumeKey] = resume;
            row["profit_usd"] = Math.Round(p.Totals.ProfitUsd, 2);
            row["capture_ratio"] = p.CaptureRatio is { } c ? Math.Round(c, 5) : null;
            row["always_on_profit_usd"] = Math.Round(p.AlwaysOnProfitUsd, 2);
            row["oracle_profit_usd"] = Math.Round(p.OracleProfitUsd, 2);
            row["hash_revenue_usd"] = Math.Round(p.Totals.HashRevenueUsd, 2);
            row["energy_cost_usd"] = Math.Round(p.Totals.EnergyCostUsd, 2);
            row["energy_mwh"] = Math.Round(p.Totals.EnergyMwh, 3);
            row["curtailed_mwh"] = Math.Round(p.Totals.CurtailedMwh, 3);
            row["uptime_fraction"] = Math.Round(p.Totals.UptimeFraction, 5);
            row["transitions"] = p.Totals.Transitions;
            row["intervals"] = p.Totals.Intervals;
            return row;
        }
        var plateau = r.Plateau(tolerance);
        return new Dictionary<string, object?>
        {
            ["decision_cadence_minutes"] = prepared.DecisionCadenceMinutes,
            ["sced_missing_runs"] = prepared.Inputs.Sced?.MissingRuns,
            ["coupling"] = r.Coupling?.Rule,
            ["results"] = r.Points.Select(Row).ToList(),
            ["best"] = Row(r.Best),
            ["plateau"] = new Dictionary<string, object?>
            {
                ["tolerance_capture_ratio_points"] = plateau.CaptureRatioPoints,
                ["tolerance_usd"] = Math.Round(plateau.ToleranceUsd, 2),
                ["ranges"] = r.Parameters.Select((q, k) => new { key = q.Key, low = plateau.Range(k).Low, high = plateau.Range(k).High }).ToList(),
                ["settings"] = plateau.Points.Select(Row).ToList(),
            },
        };
    }

    /// <summary>Short column titles, so that two swept keys and the results fit an 80-column terminal; a legend names the keys.</summary>
    private static string Short(string key) => key switch
    {
        "policy.curtail_above_usd_per_mwh" => "curtail",
        "policy.resume_below_usd_per_mwh" => "resume",
        "policy.confirm_intervals" => "confirm",
        "policy.hard_cap_usd_per_mwh" => "cap",
        "policy.breakeven_margin" => "margin",
        "policy.risk_weight" => "risk",
        "policy.horizon_intervals" => "horizon",
        "four_cp.probability_threshold" => "4CP p",
        "four_cp.monthly_budget_hours" => "4CP h",
        "energy.adder_usd_per_mwh" => "adder",
        "energy.fixed_price_usd_per_mwh" => "fixed",
        "economics.pool_fee" => "pool fee",
        "constraints.sleep_seconds" => "sleep s",
        "constraints.wake_minutes" => "wake min",
        "constraints.min_off_minutes" => "min off",
        "constraints.min_on_minutes" => "min on",
        _ => key,
    };

    private static string V(double v) => v.ToString("0.##", Inv);

    private static string Percent(double? fraction) => fraction is { } f ? (f * 100).ToString("0.0", Inv) + "%" : "n/a";

    private static void PrintTable(IAnsiConsole console, PreparedBacktest prepared, SweepResult r, double tolerance)
    {
        var site = prepared.Site.Site;
        console.MarkupLine($"[bold]{Markup.Escape(site.Name)}[/]  {site.SettlementPoint}  {prepared.FromCpt:yyyy-MM-dd} to {prepared.ToCptExclusive:yyyy-MM-dd}");
        console.WriteLine($"decisions every {prepared.DecisionCadenceMinutes} min, policy {SiteFileParser.PolicyKindName(site.Policy.Kind)}, {r.Points.Count} settings");
        var keys = r.Parameters.Select(q => q.Key).ToList();
        if (r.Coupling is not null) keys.Add(SweepCoupling.ResumeKey);
        foreach (var key in keys)
            console.WriteLine($"  {Short(key),-9} {key}{(key == SweepCoupling.ResumeKey && r.Coupling is { } c ? $" (coupled: {c.Rule})" : "")}");
        var plateau = r.Plateau(tolerance);
        var best = r.Best;
        // No borders and two spaces between columns: two swept keys, a coupled one and the results fit 80 columns.
        var table = new Table().Border(TableBorder.None);
        foreach (var key in keys) table.AddColumn(new TableColumn(Short(key)).RightAligned().PadLeft(0).PadRight(2));
        foreach (var title in new[] { "profit", "capture", "curt MWh", "uptime", "switches" }) table.AddColumn(new TableColumn(title).RightAligned().PadLeft(0).PadRight(2));
        table.AddColumn(new TableColumn("").PadLeft(0).PadRight(0));
        foreach (var pt in r.Points)
        {
            var mark = ReferenceEquals(pt, best) ? "best" : plateau.Contains(pt) ? "~" : "";
            var values = pt.Values.Select(V).ToList();
            if (r.CoupledResume(pt) is { } resume) values.Add(V(resume));
            var cells = values
                .Concat([Terminal.Usd(pt.Totals.ProfitUsd), Percent(pt.CaptureRatio), pt.Totals.CurtailedMwh.ToString("N0", Inv),
                         Percent(pt.Totals.UptimeFraction), pt.Totals.Transitions.ToString("N0", Inv), mark])
                .Select(c => mark == "best" ? $"[bold green]{Markup.Escape(c)}[/]" : Markup.Escape(c));
            table.AddRow(cells.ToArray());
        }
        console.Write(table);
        console.MarkupLine($"best: [bold]{Markup.Escape(string.Join(", ", r.Parameters.Select((q, k) => $"{Short(q.Key).TrimEnd(' ', '$')} {V(best.Values[k])}")))}[/]");
        console.WriteLine($"  profit {Terminal.Usd(best.Totals.ProfitUsd)}, capture ratio {Percent(best.CaptureRatio)}");
        var ranges = string.Join(", ", r.Parameters.Select((q, k) => plateau.Range(k) is var (lo, hi) && lo == hi ? $"{Short(q.Key).TrimEnd(' ', '$')} {V(lo)}" : $"{Short(q.Key).TrimEnd(' ', '$')} {V(lo)}-{V(hi)}"));
        console.WriteLine($"plateau (~): {plateau.Points.Count} setting(s) within {V(tolerance)} pp of capture ({Terminal.Usd(plateau.ToleranceUsd)}):");
        console.WriteLine($"  {ranges}");
        if (plateau.Points.Count > 1)
            console.WriteLine("  these differ by less than the tolerance: pick within the plateau, not the single best");
    }
}
