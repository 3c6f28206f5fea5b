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
        var peakRule = new Option<string[]>("--peak-rule")
        {
            Description = "Peak rule to avoid and be billed by instead of the site's four_cp.rule: 4cp, or multi-peak:N:month|season[:months] " +
                "(e.g. multi-peak:12:season:6,7,8,9). Give it more than once to compare the rules: each is backtested and billed under every one.",
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command("simulate", "Backtest a curtailment policy on historical ERCOT prices (default: the shipped site over 2023 HB_WEST).");
        options.AddTo(command);
        command.Options.Add(policy);
        command.Options.Add(peakRule);
        command.SetAction(p =>
        {
            var rules = (p.GetValue(peakRule) ?? []).Select(text =>
            {
                try
                {
                    return PeakRule.Parse(text);
                }
                catch (ArgumentException ex)
                {
                    throw new InvalidInputException("--peak-rule", null, ex.Message);
                }
            }).ToList();
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
            if (rules.Count > 1)
            {
                var runs = PeakRuleComparison.Run(prepared.Inputs, rules, kind);
                if (p.GetValue(options.Json)) output.WriteLine(JsonOutput.Serialize(runs));
                else PrintComparison(Terminal.On(output), site, prepared, runs);
                return CurtailApp.ExitOk;
            }
            if (rules.Count == 1)
            {
                site = site with { FourCp = (site.FourCp ?? FourCpSiteSettings.Default) with { Enabled = true, Rule = rules[0] } };
                prepared = prepared with { Inputs = prepared.Inputs.WithSite(site) };
            }
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
        if (r.Policy.Energy is not null)
        {
            // Energy by source (docs/economics.md "Energy sources"): the energy cost column is import + fuel − export.
            var inv = CultureInfo.InvariantCulture;
            var energy = new Table().AddColumns("policy", "genset MWh", "import MWh", "export MWh", "grid import", "export revenue", "fuel");
            foreach (var t in new[] { r.Policy, r.AlwaysOn, r.Oracle })
                if (t.Energy is { } e)
                    energy.AddRow(t.Policy, e.GensetMwh.ToString("N0", inv), e.ImportMwh.ToString("N0", inv), e.ExportMwh.ToString("N0", inv),
                        Terminal.Usd(e.GridImportCostUsd), Terminal.Usd(e.ExportRevenueUsd), Terminal.Usd(e.FuelCostUsd));
            foreach (var i in Enumerable.Range(1, 6)) energy.Columns[i].RightAligned();
            console.MarkupLine($"energy sources: {Markup.Escape(r.Policy.Energy.Topology)} (energy cost = grid import + fuel − export revenue)");
            console.Write(energy);
        }
        console.MarkupLine($"capture ratio: [bold]{(s.CaptureRatio is { } c ? c.ToString("P1", CultureInfo.InvariantCulture) : "n/a (the oracle gains nothing over always-on)")}[/]  (profit − always-on) / (oracle − always-on)");
        if (s.DrCreditsUsd is { } dr)
            console.MarkupLine($"DR credits: [bold]{Terminal.Usd(dr)}[/] over {(s.Intervals * 0.25).ToString("N0", CultureInfo.InvariantCulture)} h enrolled ("
                               + Markup.Escape(string.Join(", ", site.DemandResponse.Select(p => $"{p.Program} {p.CapacityMw.ToString("0.##", CultureInfo.InvariantCulture)} MW × ${p.CreditUsdPerMwHour.ToString("0.##", CultureInfo.InvariantCulture)}/MW-h")))
                               + "), not in profit");
        if (s.FourCp is { } f)
        {
            var inv = CultureInfo.InvariantCulture;
            var label = f.Rule == PeakRule.FourCp.Name ? "4CP" : "peak";
            if (f.Rule != PeakRule.FourCp.Name) console.MarkupLine($"peak rule: {Markup.Escape(PeakRule.Parse(f.Rule).Describe())}");
            console.MarkupLine($"{label}: {f.Hits}/{f.PeakCount} peaks hit, {f.CurtailedHours.ToString("0.##", inv)} h curtailed for {label} (threshold {f.ProbabilityThreshold.ToString("0.###", inv)}, budget {f.MonthlyBudgetHours.ToString("0.#", inv)} h/month)");
            foreach (var p in f.Peaks)
                console.WriteLine($"  {label} {p.PeakHourStartCpt} CPT: ERCOT {p.SystemLoadMw.ToString("N0", inv)} MW, site {p.SiteLoadMw.ToString("F2", inv)} MW{(p.Hit ? " (hit)" : "")}");
            console.MarkupLine($"{label} charge avoided: [bold]{Terminal.Usd(f.AvoidedChargeUsd)}[/] a year = ({f.FullSiteMw.ToString("F2", inv)} − {f.SiteFourCpMw.ToString("F2", inv)} MW) × 1000 × ${f.RateUsdPerKwYear.ToString("0.##", inv)}/kW-year");
        }
    }

    /// <summary>One row per rule watched for; per rule billed by, the site's demand at its peaks and the charge.</summary>
    private static void PrintComparison(IAnsiConsole console, SiteDefinition site, PreparedBacktest prepared, IReadOnlyList<PeakRuleRun> runs)
    {
        var inv = CultureInfo.InvariantCulture;
        var rate = (site.FourCp ?? FourCpSiteSettings.Default).RateUsdPerKwYear;
        console.MarkupLine($"[bold]{Markup.Escape(site.Name)}[/]  {site.SettlementPoint}  {prepared.FromCpt:yyyy-MM-dd} to {prepared.ToCptExclusive:yyyy-MM-dd} (CPT, exclusive): peak rules compared at ${rate.ToString("0.##", inv)}/kW-year, full load {site.FullPowerMw.ToString("F2", inv)} MW");
        foreach (var r in runs) console.MarkupLine($"  {Markup.Escape(r.Rule)}: {Markup.Escape(r.Description)}");
        // One narrow table of the backtests, then each billing rule's figures as lines: a table with a column per billing
        // rule wraps every cell at 80 columns.
        var table = new Table().AddColumns("watching for", "h curtailed", "energy profit", "vs no watch");
        foreach (var r in runs)
            table.AddRow(Markup.Escape(r.Rule), r.CurtailedHours.ToString("0.##", inv), Terminal.Usd(r.ProfitUsd), Terminal.Usd(r.EnergyProfitDeltaUsd));
        console.Write(table);
        foreach (var r in runs)
        {
            console.MarkupLine($"watching for [bold]{Markup.Escape(r.Rule)}[/], billed by:");
            foreach (var c in r.Charges)
                console.WriteLine($"  {c.BilledBy}: {c.SiteDemandMw.ToString("F2", inv)} MW at {c.Peaks} peaks ({c.Hits} hit), charge {Terminal.Usd(c.ChargeUsd)}, avoided {Terminal.Usd(c.AvoidedUsd)}");
        }
        console.MarkupLine("Charge = site MW at the rule's peaks × 1000 × rate; avoided = against running at full load through them. Energy profit is the backtest's, watch included.");
    }
}
