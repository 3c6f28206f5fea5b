using System.CommandLine;
using System.Globalization;
using Curtail.Core;
using Curtail.Core.Sites;
using Curtail.Simulation.Backtest;
using Curtail.Simulation.Reports;
using Curtail.Simulation.Setup;
using Spectre.Console;

namespace Curtail.Cli.Commands;

/// <summary>`curtail simulate`: backtest a site's policy against historical prices, next to always-on and the oracle.</summary>
public sealed class SimulateCommand : ICliCommand
{
    public Command Build()
    {
        var options = new BacktestOptions();
        var policy = new Option<string?>("--policy") { Description = $"Policy to run instead of the site's: {string.Join(", ", SiteFileParser.PolicyKindNames)}." };
        var command = new Command("simulate", "Backtest a curtailment policy on historical ERCOT prices (default: the shipped site over 2023 HB_WEST).");
        options.AddTo(command);
        command.Options.Add(policy);
        command.SetAction(p =>
        {
            var output = p.InvocationConfiguration.Output;
            var kindText = p.GetValue(policy);
            PolicyKind? kind = kindText is null ? null
                : SiteFileParser.ParsePolicyKind(kindText) ?? throw new InvalidInputException("--policy", null, $"unknown policy '{kindText}' (expected one of: {string.Join(", ", SiteFileParser.PolicyKindNames)})");
            // A long window (years, or the SCED clock) takes a while: on a terminal a status line says what is running.
            var live = !p.GetValue(options.Json) && Terminal.ShowsProgress(output);
            T Step<T>(string what, Func<T> work)
            {
                if (!live) return work();
                var value = default(T)!;
                AnsiConsole.Status().Start(what, _ => value = work());
                return value;
            }
            var prepared = Step("reading prices and the site…", () => BacktestSetup.Prepare(options.Request(p)));
            var site = prepared.Site.Site;
            if (kind == PolicyKind.Threshold && site.Policy.CurtailAboveUsdPerMwh is null)
                throw new InvalidInputException(prepared.Site.Source, null, "--policy threshold needs policy.curtail_above_usd_per_mwh in the site file");
            var outDir = p.GetValue(options.Out);
            var result = Step($"backtesting {prepared.Inputs.DecisionCount:N0} decisions ({prepared.FromCpt:yyyy-MM-dd} to {prepared.ToCptExclusive:yyyy-MM-dd}): policy, always-on and oracle…",
                () => SimulationRunner.Run(prepared.Inputs, kind, keepIntervals: outDir is not null));
            var summary = SimulationSummary.From(site, prepared.FromCpt, prepared.ToCptExclusive, result);

            if (p.GetValue(options.Json)) output.WriteLine(JsonOutput.Serialize(summary));
            else PrintTable(Terminal.On(output), site, summary, result, prepared.SkippedRows);

            if (outDir is not null)
            {
                Directory.CreateDirectory(outDir);
                using (var csv = new StreamWriter(Path.Combine(outDir, "intervals.csv")))
                    IntervalCsvWriter.Write(csv, site, result);
                File.WriteAllText(Path.Combine(outDir, "report.html"), HtmlReport.Simulation(site, summary, result));
                File.WriteAllText(Path.Combine(outDir, "summary.json"), JsonOutput.Serialize(summary));
                (p.GetValue(options.Json) ? p.InvocationConfiguration.Error : output)
                    .WriteLine($"wrote {Path.Combine(outDir, "report.html")}, intervals.csv and summary.json");
            }
            return CurtailApp.ExitOk;
        });
        return command;
    }

    private static void PrintTable(IAnsiConsole console, SiteDefinition site, SimulationSummary s, SimulationResult r, int skipped)
    {
        console.MarkupLine($"[bold]{Markup.Escape(s.Site)}[/]  {s.SettlementPoint}  {s.FromCpt:yyyy-MM-dd} to {s.ToCptExclusive:yyyy-MM-dd} (CPT, exclusive)  {s.Intervals:N0} intervals");
        if (s.DecisionCadenceMinutes == 5)
            console.MarkupLine($"decisions every 5 minutes on SCED LMPs ({s.Decisions:N0} decisions, {s.ScedMissingRuns:N0} sub-intervals without a SCED run carried the last LMP forward); energy settled at the 15-minute SPP");
        if (skipped > 0) console.MarkupLine($"[yellow]skipped {skipped} bad price rows (--skip-bad-rows)[/]");
        // No borders and two spaces between columns, as the sweep's table: whole titles and figures at 80 columns.
        var table = new Table().Border(TableBorder.None);
        foreach (var title in new[] { "policy", "revenue", "cost", "profit", "MWh", "curt MWh", "uptime", "switches" })
            table.AddColumn(new TableColumn(title).PadLeft(0).PadRight(2));
        foreach (var t in new[] { r.Policy, r.AlwaysOn, r.Oracle })
            table.AddRow(t.Policy, Terminal.UsdCompact(t.HashRevenueUsd), Terminal.UsdCompact(t.EnergyCostUsd), Terminal.UsdCompact(t.ProfitUsd),
                t.EnergyMwh.ToString("N0", CultureInfo.InvariantCulture), t.CurtailedMwh.ToString("N0", CultureInfo.InvariantCulture),
                t.UptimeFraction.ToString("P1", CultureInfo.InvariantCulture), t.Transitions.ToString("N0", CultureInfo.InvariantCulture));
        foreach (var i in Enumerable.Range(1, 7)) table.Columns[i].RightAligned();
        console.Write(table);
        console.MarkupLine($"capture ratio: [bold]{(s.CaptureRatio is { } c ? c.ToString("P1", CultureInfo.InvariantCulture) : "n/a (the oracle gains nothing over always-on)")}[/]  (profit − always-on) / (oracle − always-on)");
        if (s.DrCreditsUsd is { } dr)
            console.MarkupLine($"DR credits: [bold]{Terminal.Usd(dr)}[/] over {(s.Intervals * 0.25).ToString("N0", CultureInfo.InvariantCulture)} h enrolled ("
                               + Markup.Escape(string.Join(", ", site.DemandResponse.Select(p => $"{p.Program} {p.CapacityMw.ToString("0.##", CultureInfo.InvariantCulture)} MW × ${p.CreditUsdPerMwHour.ToString("0.##", CultureInfo.InvariantCulture)}/MW-h")))
                               + "), not in profit");
        if (s.FourCp is { } f)
        {
            var inv = CultureInfo.InvariantCulture;
            console.MarkupLine($"4CP: {f.Hits}/{f.PeakCount} peaks hit, {f.CurtailedHours.ToString("0.##", inv)} h curtailed for 4CP (threshold {f.ProbabilityThreshold.ToString("0.###", inv)}, budget {f.MonthlyBudgetHours.ToString("0.#", inv)} h/month)");
            foreach (var p in f.Peaks)
                console.WriteLine($"  4CP {p.PeakHourStartCpt} CPT: ERCOT {p.SystemLoadMw.ToString("N0", inv)} MW, site {p.SiteLoadMw.ToString("F2", inv)} MW{(p.Hit ? " (hit)" : "")}");
            console.MarkupLine($"4CP charge avoided: [bold]{Terminal.Usd(f.AvoidedChargeUsd)}[/] a year = ({f.FullSiteMw.ToString("F2", inv)} − {f.SiteFourCpMw.ToString("F2", inv)} MW) × 1000 × ${f.RateUsdPerKwYear.ToString("0.##", inv)}/kW-year");
        }
    }
}
