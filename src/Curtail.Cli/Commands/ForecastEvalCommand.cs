using System.CommandLine;
using System.Text.Json;
using Curtail.Core;
using Curtail.Core.Policies;
using Curtail.Core.Time;
using Curtail.Forecasting.FourCp;
using Curtail.Forecasting.Policies;
using Curtail.Simulation.Backtest;
using Curtail.Simulation.Setup;
using Spectre.Console;

namespace Curtail.Cli.Commands;

/// <summary>
/// `curtail forecast-eval`: backtests the `forecast` policy next to the site's own policy on the same site and
/// prices, with the optional `4cp` setting, and reports capture ratios and the 4CP peaks hit.
/// </summary>
public sealed class ForecastEvalCommand : ICliCommand
{
    public Command Build()
    {
        var model = new Option<string>("--model") { Description = "Model file from `curtail train`, trained on data before --from.", Required = true };
        var site = new Option<string?>("--site") { Description = "Site file (YAML). Default: the shipped default site." };
        var from = new Option<string?>("--from") { Description = "First CPT date simulated (YYYY-MM-DD).", DefaultValueFactory = _ => "2023-01-01" };
        var to = new Option<string?>("--to") { Description = "CPT date the simulation stops at, exclusive.", DefaultValueFactory = _ => "2024-01-01" };
        var data = ForecastOptions.Data();
        var fourCp = new Option<bool>("--4cp") { Description = "Add the 4cp setting: curtail likely June–September system-peak hours within a monthly budget." };
        var threshold = new Option<double>("--4cp-threshold") { Description = "Peak-hour probability at which to curtail.", DefaultValueFactory = _ => new FourCpSettings().ProbabilityThreshold };
        var budget = new Option<double>("--4cp-budget-hours") { Description = "4CP curtailment hours per month, at most.", DefaultValueFactory = _ => new FourCpSettings().MonthlyBudgetHours };
        var rate = new Option<double>("--4cp-rate") { Description = "Transmission charge, $/kW-year, for the avoided-charge figure.", DefaultValueFactory = _ => FourCpReport.DefaultRateUsdPerKwYear };
        var risk = new Option<double>("--risk-weight") { Description = "Extra weight on P90 − P50 in the planned price (0 = risk-neutral)." };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of tables." };
        var command = new Command("forecast-eval", "Backtest the forecast policy (and the 4cp setting) against the site's policy on the same prices.");
        foreach (var o in new Option[] { model, site, from, to, data, fourCp, threshold, budget, rate, risk, json }) command.Options.Add(o);
        command.SetAction(p =>
        {
            var output = p.InvocationConfiguration.Output;
            var forecaster = ForecastOptions.LoadModel(p.GetValue(model)!);
            var loaded = SiteFiles.Load(p.GetValue(site));
            var siteDef = loaded.Site;
            var fromDate = ForecastOptions.Date(p.GetValue(from), "--from");
            var toDate = ForecastOptions.Date(p.GetValue(to), "--to");
            var start = CentralPrevailingTime.StartOfDayUtc(fromDate);
            var end = CentralPrevailingTime.StartOfDayUtc(toDate);
            if (start >= end) throw new InvalidInputException("--from/--to", null, "--from must be before --to");
            if (forecaster.Provenance.TrainTo > start)
                throw new InvalidInputException("--model", null,
                    $"the model was trained on data up to {forecaster.Provenance.TrainTo:yyyy-MM-dd}; simulate from that date on, or train on data before {fromDate:yyyy-MM-dd}");
            if (forecaster.Provenance.SettlementPoint != siteDef.SettlementPoint)
                throw new InvalidInputException("--model", null, $"the model forecasts {forecaster.Provenance.SettlementPoint} but the site settles at {siteDef.SettlementPoint}");

            var history = ForecastOptions.LoadHistory(p.GetValue(data), siteDef.SettlementPoint);
            var prices = history.RealTime;
            var fromIndex = prices.FirstStartingAtOrAfter(start.UtcTicks);
            var toIndex = prices.FirstStartingAtOrAfter(end.UtcTicks);
            if (toIndex <= fromIndex) throw new InvalidInputException("--from/--to", null, $"no {siteDef.SettlementPoint} prices in that window");
            var hashprice = SiteFiles.LoadHashprice(loaded);
            var inputs = new BacktestInputs(siteDef, prices, hashprice, fromIndex, toIndex);
            var reference = SimulationRunner.Run(inputs);
            var options = new ForecastPolicyOptions { RiskWeight = p.GetValue(risk) };
            var forecastTotals = Backtester.Run(inputs, new ForecastPolicy(forecaster, () => history, siteDef, options));
            var rows = new List<(string Policy, BacktestTotals Totals, FourCpReport? FourCp)>
            {
                (reference.Policy.Policy, reference.Policy, null),
                ("forecast", forecastTotals, null),
            };

            if (p.GetValue(fourCp))
            {
                if (history.SystemLoad is not { } load) throw new InvalidInputException("--4cp", null, "needs ERCOT native load history in the data folder");
                var settings = new FourCpSettings { ProbabilityThreshold = p.GetValue(threshold), MonthlyBudgetHours = p.GetValue(budget), RateUsdPerKwYear = p.GetValue(rate) };
                try { settings.Validate(); }
                catch (ArgumentOutOfRangeException ex) { throw new InvalidInputException("--4cp", null, ex.Message); }
                var firstLoadYear = CentralPrevailingTime.LocalDate(load.Start).Year;
                var peakModel = FourCpPeakModel.Fit(load, firstLoadYear, fromDate.Year - 1);
                var years = Enumerable.Range(fromDate.Year, toDate.AddDays(-1).Year - fromDate.Year + 1);
                var peaks = years.SelectMany(y => FourCpPeakModel.ActualPeaks(load, y))
                    .Where(x => x.PeakHourStart >= start && x.PeakHourStart < end).ToList();
                foreach (var (name, inner) in new (string, ICurtailmentPolicy)[]
                {
                    ("always-on", new AlwaysOnPolicy()),
                    (reference.Policy.Policy, PolicyFactory.Create(inputs, siteDef.Policy.Kind)),
                    ("forecast", new ForecastPolicy(forecaster, () => history, siteDef, options)),
                })
                {
                    var policy = new FourCpPolicy(inner, peakModel, () => load, settings);
                    var records = new List<IntervalRecord>(inputs.IntervalCount);
                    var totals = Backtester.Run(inputs, policy, records);
                    var report = FourCpReport.Compute(peaks, records.Select(r => r.StartTicks).ToArray(), records.Select(r => r.SitePowerMw).ToArray(),
                        siteDef.FullPowerMw, settings.RateUsdPerKwYear, policy.UsedHours.Values.Sum());
                    rows.Add(($"{name}+4cp", totals, report));
                }
                // Without the 4cp setting, for the avoided charge to be read against.
                foreach (var i in new[] { 0, 1 })
                {
                    var plain = i == 0 ? PolicyFactory.Create(inputs, siteDef.Policy.Kind) : new ForecastPolicy(forecaster, () => history, siteDef, options);
                    var records = new List<IntervalRecord>(inputs.IntervalCount);
                    Backtester.Run(inputs, plain, records);
                    rows[i] = (rows[i].Policy, rows[i].Totals, FourCpReport.Compute(peaks, records.Select(r => r.StartTicks).ToArray(),
                        records.Select(r => r.SitePowerMw).ToArray(), siteDef.FullPowerMw, settings.RateUsdPerKwYear, 0));
                }
            }

            double? Capture(BacktestTotals t) => SimulationResult.CaptureRatioOf(t.ProfitUsd, reference.AlwaysOn.ProfitUsd, reference.Oracle.ProfitUsd);
            if (p.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    site = siteDef.Name, settlementPoint = siteDef.SettlementPoint, from = fromDate, to = toDate, model = forecaster.Provenance.Name,
                    alwaysOnProfitUsd = reference.AlwaysOn.ProfitUsd, oracleProfitUsd = reference.Oracle.ProfitUsd,
                    policies = rows.Select(r => new
                    {
                        policy = r.Policy, profitUsd = r.Totals.ProfitUsd, captureRatio = Capture(r.Totals), transitions = r.Totals.Transitions,
                        curtailedMwh = r.Totals.CurtailedMwh,
                        fourCp = r.FourCp is { } f ? new
                        {
                            hits = f.Hits, peaks = f.Peaks.Count, curtailedHours = f.CurtailedHours, siteFourCpMw = f.SiteFourCpMw, avoidedChargeUsd = f.AvoidedChargeUsd,
                            peakLoads = f.Peaks.Select(x => new { month = x.Month, peakHourStart = x.PeakHourStartUtc, systemMw = x.SystemLoadMw, siteMw = x.SiteLoadMw, hit = x.Hit }),
                        } : null,
                    }),
                }));
                return CurtailApp.ExitOk;
            }
            var console = Terminal.On(output);
            console.MarkupLine($"[bold]{Markup.Escape(siteDef.Name)}[/]  {siteDef.SettlementPoint}  {fromDate:yyyy-MM-dd} to {toDate:yyyy-MM-dd} (CPT, exclusive); model {Markup.Escape(forecaster.Provenance.Name)} trained to {forecaster.Provenance.TrainTo:yyyy-MM-dd}");
            console.MarkupLine($"always-on profit {Terminal.Usd(reference.AlwaysOn.ProfitUsd)}, oracle {Terminal.Usd(reference.Oracle.ProfitUsd)}");
            var table = new Table().AddColumns("policy", "profit", "capture", "transitions", "curtailed MWh", "4CP hits", "4CP hours", "site 4CP MW", "4CP charge avoided");
            foreach (var (policy, totals, f) in rows)
                table.AddRow(policy, Terminal.Usd(totals.ProfitUsd), Capture(totals) is { } c ? ForecastOptions.F(c, "P1") : "n/a",
                    totals.Transitions.ToString(System.Globalization.CultureInfo.InvariantCulture), ForecastOptions.F(totals.CurtailedMwh, "N0"),
                    f is null ? "" : $"{f.Hits}/{f.Peaks.Count}", f is null ? "" : ForecastOptions.F(f.CurtailedHours, "F1"),
                    f is null ? "" : ForecastOptions.F(f.SiteFourCpMw), f is null ? "" : Terminal.Usd(f.AvoidedChargeUsd));
            console.Write(table);
            foreach (var (policy, _, f) in rows)
                if (f is not null)
                    console.WriteLine($"{policy}: " + string.Join("; ", f.Peaks.Select(x =>
                        $"{CentralPrevailingTime.ToLocal(x.PeakHourStartUtc):MM-dd HH:mm} CPT system {x.SystemLoadMw:N0} MW, site {x.SiteLoadMw:F2} MW{(x.Hit ? " (hit)" : "")}")));
            if (rows.Any(r => r.FourCp is not null))
                console.MarkupLine($"4CP: avoided charge = (full site MW − mean site MW at the 4 peaks) × 1000 × ${p.GetValue(rate):F0}/kW-year; peaks from hourly native load; a hit is ≤{FourCpReport.HitLoadShare:P0} of full load through the peak hour.");
            return CurtailApp.ExitOk;
        });
        return command;
    }
}
