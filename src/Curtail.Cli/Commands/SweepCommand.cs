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
    public Command Build()
    {
        var options = new BacktestOptions();
        var param = new Option<string[]>("--param")
        {
            Description = $"KEY=FROM:TO:STEP, once or twice. Keys: {string.Join(", ", SweepParameter.Keys.Keys)}.",
            Required = true,
        };
        var command = new Command("sweep", "Run the site's policy over a grid of one or two parameters and find the best setting.");
        options.AddTo(command);
        command.Options.Add(param);
        command.SetAction(p =>
        {
            var output = p.InvocationConfiguration.Output;
            var parameters = p.GetValue(param)!.Select(SweepParameter.Parse).ToList();
            var prepared = BacktestSetup.Prepare(options.Request(p));
            var json = p.GetValue(options.Json);
            SweepResult result;
            var total = parameters.Aggregate(1, (n, q) => n * q.Values().Length);
            if (!json && Terminal.IsInteractive(output) && total > 1)
            {
                result = null!;
                AnsiConsole.Progress().Start(ctx =>
                {
                    var task = ctx.AddTask($"sweeping {total} settings", maxValue: total);
                    result = SweepRunner.Run(prepared.Inputs, parameters, new Progress<int>(done => task.Value = done));
                    task.Value = total;
                });
            }
            else result = SweepRunner.Run(prepared.Inputs, parameters);

            if (json) output.WriteLine(JsonOutput.Serialize(ToJson(result, prepared)));
            else PrintTable(Terminal.On(output), prepared, result);

            if (p.GetValue(options.Out) is { } outDir)
            {
                Directory.CreateDirectory(outDir);
                File.WriteAllText(Path.Combine(outDir, "sweep.html"), HtmlReport.Sweep(prepared.Site.Site, result, prepared.FromCpt, prepared.ToCptExclusive));
                File.WriteAllText(Path.Combine(outDir, "sweep.json"), JsonOutput.Serialize(ToJson(result, prepared)));
                (json ? p.InvocationConfiguration.Error : output).WriteLine($"wrote {Path.Combine(outDir, "sweep.html")} and sweep.json");
            }
            return CurtailApp.ExitOk;
        });
        return command;
    }

    private static object ToJson(SweepResult r, PreparedBacktest prepared)
    {
        Dictionary<string, object?> Row(SweepPoint p)
        {
            var row = new Dictionary<string, object?>();
            for (var k = 0; k < r.Parameters.Count; k++) row[r.Parameters[k].Key] = p.Values[k];
            row["profit_usd"] = p.Totals.ProfitUsd;
            row["capture_ratio"] = p.CaptureRatio;
            row["always_on_profit_usd"] = p.AlwaysOnProfitUsd;
            row["oracle_profit_usd"] = p.OracleProfitUsd;
            row["hash_revenue_usd"] = p.Totals.HashRevenueUsd;
            row["energy_cost_usd"] = p.Totals.EnergyCostUsd;
            row["energy_mwh"] = p.Totals.EnergyMwh;
            row["curtailed_mwh"] = p.Totals.CurtailedMwh;
            row["uptime_fraction"] = p.Totals.UptimeFraction;
            row["transitions"] = p.Totals.Transitions;
            row["intervals"] = p.Totals.Intervals;
            return row;
        }
        return new Dictionary<string, object?>
        {
            ["decision_cadence_minutes"] = prepared.DecisionCadenceMinutes,
            ["sced_missing_runs"] = prepared.Inputs.Sced?.MissingRuns,
            ["results"] = r.Points.Select(Row).ToList(),
            ["best"] = Row(r.Best),
        };
    }

    private static void PrintTable(IAnsiConsole console, PreparedBacktest prepared, SweepResult r)
    {
        var inv = CultureInfo.InvariantCulture;
        var site = prepared.Site.Site;
        console.MarkupLine($"[bold]{Markup.Escape(site.Name)}[/]  {site.SettlementPoint}  {prepared.FromCpt:yyyy-MM-dd} to {prepared.ToCptExclusive:yyyy-MM-dd}  decisions every {prepared.DecisionCadenceMinutes} min  policy {SiteFileParser.PolicyKindName(site.Policy.Kind)}  {r.Points.Count} settings");
        var table = new Table();
        foreach (var q in r.Parameters) table.AddColumn(q.Key);
        table.AddColumns("profit", "capture ratio", "curtailed MWh", "uptime", "transitions");
        var best = r.Best;
        foreach (var pt in r.Points)
        {
            var mark = ReferenceEquals(pt, best);
            var cells = pt.Values.Select(v => v.ToString("0.##", inv))
                .Concat([Terminal.Usd(pt.Totals.ProfitUsd), pt.CaptureRatio?.ToString("P1", inv) ?? "n/a", pt.Totals.CurtailedMwh.ToString("N0", inv),
                         pt.Totals.UptimeFraction.ToString("P1", inv), pt.Totals.Transitions.ToString("N0", inv)])
                .Select(c => mark ? $"[bold green]{Markup.Escape(c)}[/]" : Markup.Escape(c));
            table.AddRow(cells.ToArray());
        }
        console.Write(table);
        console.MarkupLine($"best: [bold]{string.Join(", ", r.Parameters.Select((q, k) => $"{q.Key}={best.Values[k].ToString("0.##", inv)}"))}[/] profit {Terminal.Usd(best.Totals.ProfitUsd)}, capture ratio {best.CaptureRatio?.ToString("P1", inv) ?? "n/a"}");
    }
}
