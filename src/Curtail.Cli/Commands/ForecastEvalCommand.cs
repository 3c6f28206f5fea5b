using System.CommandLine;
using System.Text.Json;
using Curtail.Core;
using Curtail.Core.Policies;
using Curtail.Core.Sites;
using Curtail.Core.Time;
using Curtail.Forecasting.Evaluation;
using Curtail.Forecasting.FourCp;
using Curtail.Forecasting.Policies;
using Curtail.Simulation.Backtest;
using Curtail.Simulation.Setup;
using Spectre.Console;

namespace Curtail.Cli.Commands;

/// <summary>
/// `curtail forecast-eval`: backtests the `forecast` policy on a year its model never saw, next to the best reactive
/// rule chosen on the model's training years, the fixed 62/55 rule and the site's own policy, on the same site and
/// prices; reports capture ratios and a month-block bootstrap interval of the forecast policy's gain; with the
/// optional `4cp` setting, the 4CP peaks hit.
/// </summary>
public sealed class ForecastEvalCommand : ICliCommand
{
    public Command Build()
    {
        var model = new Option<string>("--model") { Description = "Model file from `curtail train`, trained on data before --from.", Required = true };
        var site = new Option<string?>("--site") { Description = "Site file (YAML). Default: the shipped default site." };
        var from = new Option<string?>("--from") { Description = "First CPT date simulated (YYYY-MM-DD). Default: the day the model's training data ends." };
        var to = new Option<string?>("--to") { Description = "CPT date the simulation stops at, exclusive. Default: one year after --from, clipped to the data." };
        var tuneFrom = new Option<string?>("--tune-from") { Description = "First CPT date the reactive rule is tuned on. Default: the model's training start." };
        var tuneTo = new Option<string?>("--tune-to") { Description = "CPT date the reactive rule's tuning stops at, exclusive; at most --from. Default: the model's training end." };
        var cadence = new Option<string>("--cadence") { Description = "Decision cadence: 15m (settled 15-minute prices) or sced (5-minute SCED LMPs).", DefaultValueFactory = _ => "15m" };
        var resamples = new Option<int>("--resamples") { Description = "Month-block bootstrap resamples for the gain's 90 % interval.", DefaultValueFactory = _ => 10_000 };
        var data = ForecastOptions.Data();
        var fourCp = new Option<bool>("--4cp") { Description = "Add the 4cp setting: curtail likely June–September system-peak hours within a monthly budget." };
        var threshold = new Option<double>("--4cp-threshold") { Description = "Peak-hour probability at which to curtail.", DefaultValueFactory = _ => new FourCpSettings().ProbabilityThreshold };
        var budget = new Option<double>("--4cp-budget-hours") { Description = "4CP curtailment hours per month, at most.", DefaultValueFactory = _ => new FourCpSettings().MonthlyBudgetHours };
        var rate = new Option<double>("--4cp-rate") { Description = "Transmission charge, $/kW-year, for the avoided-charge figure.", DefaultValueFactory = _ => FourCpReport.DefaultRateUsdPerKwYear };
        var risk = new Option<double>("--risk-weight") { Description = "Extra weight on P90 − P50 in the planned price (0 = risk-neutral)." };
        var excess = new Option<double>("--excess-weight") { Description = "Extra weight on each group's expected excess above its breakeven in the planned price (0 = the distribution's mean; above −1).", DefaultValueFactory = _ => ForecastPolicyOptions.DefaultExcessWeight };
        var scedConfirm = new Option<int>("--sced-confirm") { Description = "SCED runs on one side of a group's breakeven that override the forecast within the interval (0 = off; SCED cadence only).", DefaultValueFactory = _ => new ForecastPolicyOptions().ScedConfirmRuns };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of tables." };
        var command = new Command("forecast-eval", "Backtest the forecast policy (and the 4cp setting) against the site's policy on the same prices.");
        foreach (var o in new Option[] { model, site, from, to, tuneFrom, tuneTo, cadence, resamples, data, fourCp, threshold, budget, rate, risk, excess, scedConfirm, json }) command.Options.Add(o);
        command.SetAction(p =>
        {
            var output = p.InvocationConfiguration.Output;
            var forecaster = ForecastOptions.LoadModel(p.GetValue(model)!);
            var loaded = SiteFiles.Load(p.GetValue(site));
            var siteDef = loaded.Site;
            var provenance = forecaster.Provenance;
            if (p.GetValue(cadence) is not ("15m" or "sced"))
                throw new InvalidInputException("--cadence", null, $"'{p.GetValue(cadence)}' is not a cadence; use 15m or sced");
            if (p.GetValue(resamples) < 100) throw new InvalidInputException("--resamples", null, "must be at least 100");
            var fromDate = p.GetValue(from) is { } f0 ? ForecastOptions.Date(f0, "--from") : LocalDate(provenance.TrainTo);
            var toDate = p.GetValue(to) is { } t0 ? ForecastOptions.Date(t0, "--to") : fromDate.AddYears(1);
            var start = CentralPrevailingTime.StartOfDayUtc(fromDate);
            var end = CentralPrevailingTime.StartOfDayUtc(toDate);
            if (start >= end) throw new InvalidInputException("--from/--to", null, "--from must be before --to");
            var tuneFromDate = p.GetValue(tuneFrom) is { } tf ? ForecastOptions.Date(tf, "--tune-from") : LocalDate(provenance.TrainFrom);
            var tuneToDate = p.GetValue(tuneTo) is { } tt ? ForecastOptions.Date(tt, "--tune-to") : LocalDate(provenance.TrainTo);
            var tuneStart = CentralPrevailingTime.StartOfDayUtc(tuneFromDate);
            var tuneEnd = CentralPrevailingTime.StartOfDayUtc(tuneToDate);
            if (tuneStart >= tuneEnd) throw new InvalidInputException("--tune-from/--tune-to", null, "--tune-from must be before --tune-to");
            if (tuneEnd > start)
                throw new InvalidInputException("--tune-to", null, $"the reactive rule would be tuned on data up to {tuneToDate:yyyy-MM-dd}, after the scored window starts ({fromDate:yyyy-MM-dd}); tune on earlier years");
            if (forecaster.Provenance.TrainTo > start)
                throw new InvalidInputException("--model", null,
                    $"the model was trained on data up to {forecaster.Provenance.TrainTo:yyyy-MM-dd}; simulate from that date on, or train on data before {fromDate:yyyy-MM-dd}");
            if (forecaster.Provenance.SettlementPoint != siteDef.SettlementPoint)
                throw new InvalidInputException("--model", null, $"the model forecasts {forecaster.Provenance.SettlementPoint} but the site settles at {siteDef.SettlementPoint}");

            var history = ForecastOptions.LoadHistory(p.GetValue(data), siteDef.SettlementPoint);
            var prices = history.RealTime;
            if (p.GetValue(to) is null && end > prices.End)
            {
                end = prices.End;
                toDate = LocalDate(end);
            }
            var fromIndex = prices.FirstStartingAtOrAfter(start.UtcTicks);
            var toIndex = prices.FirstStartingAtOrAfter(end.UtcTicks);
            if (toIndex <= fromIndex) throw new InvalidInputException("--from/--to", null, $"no {siteDef.SettlementPoint} prices in that window");
            var hashprice = SiteFiles.LoadHashprice(loaded);
            var inputs = new BacktestInputs(siteDef, prices, hashprice, fromIndex, toIndex);
            if (p.GetValue(cadence) == "sced")
            {
                // Decisions every SCED run (5 minutes) on the SCED LMPs, settlement at the 15-minute SPP (ScedCadence).
                // The reactive rule is still tuned at 15 minutes on the training years: SCED history starts in 2024.
                if (history.Sced is not { Count: > 0 } sced || sced.Start > start.AddHours(1) || sced.End < end.AddHours(-1))
                    throw new InvalidInputException("--cadence", null,
                        $"--cadence sced needs {siteDef.SettlementPoint} SCED LMPs over the whole window {fromDate:yyyy-MM-dd}..{toDate:yyyy-MM-dd}" +
                        (history.Sced is { Count: > 0 } s0 ? $"; the data has {s0.Start:yyyy-MM-dd}..{s0.End:yyyy-MM-dd}" : "; the data has none"));
                inputs = inputs.OnSced(sced, "SCED LMPs");
            }
            var tuneFromIndex = prices.FirstStartingAtOrAfter(tuneStart.UtcTicks);
            var tuneToIndex = prices.FirstStartingAtOrAfter(tuneEnd.UtcTicks);
            if (tuneToIndex <= tuneFromIndex) throw new InvalidInputException("--tune-from/--tune-to", null, $"no {siteDef.SettlementPoint} prices in the tuning window");
            var tuned = ReactiveBaselines.Tune(new BacktestInputs(siteDef, prices, hashprice, tuneFromIndex, tuneToIndex));

            var reference = SimulationRunner.Run(inputs, keepIntervals: true);
            if (p.GetValue(excess) <= -1) throw new InvalidInputException("--excess-weight", null, "must be above -1");
            if (p.GetValue(scedConfirm) < 0) throw new InvalidInputException("--sced-confirm", null, "must be 0 or more");
            var options = new ForecastPolicyOptions { RiskWeight = p.GetValue(risk), ExcessWeight = p.GetValue(excess), ScedConfirmRuns = p.GetValue(scedConfirm) };
            List<IntervalRecord> Records() => new(inputs.IntervalCount);
            var (forecastRecords, tunedRecords, fixedRecords, breakevenRecords) = (Records(), Records(), Records(), Records());
            BacktestTotals? forecastTotals = null, tunedTotals = null, fixedTotals = null, breakevenTotals = null;
            Parallel.Invoke(
                () => forecastTotals = Backtester.Run(inputs, new ForecastPolicy(forecaster, () => history, siteDef, options), forecastRecords),
                () =>
                {
                    tunedTotals = Backtester.Run(inputs, tuned.Rule.Policy(), tunedRecords);
                    fixedTotals = Backtester.Run(inputs, ReactiveRule.Fixed6255.Policy(), fixedRecords);
                    breakevenTotals = Backtester.Run(inputs, PolicyFactory.Create(inputs, PolicyKind.Breakeven), breakevenRecords);
                });
            var rows = new List<(string Policy, BacktestTotals Totals, FourCpReport? FourCp)>
            {
                (reference.Policy.Policy, reference.Policy, null),
                ("forecast", forecastTotals!, null),
                ($"{tuned.Rule.Name} (tuned)", tunedTotals!, null),
                (ReactiveRule.Fixed6255.Name, fixedTotals!, null),
                ("breakeven (reactive, per group)", breakevenTotals!, null),
            };
            var monthly = (
                Forecast: ReactiveBaselines.MonthlyProfit(forecastRecords), Tuned: ReactiveBaselines.MonthlyProfit(tunedRecords),
                Fixed: ReactiveBaselines.MonthlyProfit(fixedRecords), Breakeven: ReactiveBaselines.MonthlyProfit(breakevenRecords),
                AlwaysOn: ReactiveBaselines.MonthlyProfit(reference.AlwaysOnIntervals!),
                Oracle: ReactiveBaselines.MonthlyProfit(reference.OracleIntervals!));
            var n = p.GetValue(resamples);
            var gains = new (string Comparison, GainInterval Interval)[]
            {
                ("forecast − tuned reactive", GainBootstrap.Interval(ReactiveBaselines.Blocks(monthly.Forecast, monthly.Tuned, monthly.AlwaysOn, monthly.Oracle), resamples: n)),
                ("forecast − 62/55", GainBootstrap.Interval(ReactiveBaselines.Blocks(monthly.Forecast, monthly.Fixed, monthly.AlwaysOn, monthly.Oracle), resamples: n)),
                ("forecast − breakeven", GainBootstrap.Interval(ReactiveBaselines.Blocks(monthly.Forecast, monthly.Breakeven, monthly.AlwaysOn, monthly.Oracle), resamples: n)),
                ("tuned reactive − 62/55", GainBootstrap.Interval(ReactiveBaselines.Blocks(monthly.Tuned, monthly.Fixed, monthly.AlwaysOn, monthly.Oracle), resamples: n)),
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
                    modelTrainedFrom = provenance.TrainFrom, modelTrainedTo = provenance.TrainTo, cadence = p.GetValue(cadence),
                    alwaysOnProfitUsd = reference.AlwaysOn.ProfitUsd, oracleProfitUsd = reference.Oracle.ProfitUsd,
                    tunedReactive = new
                    {
                        curtailAboveUsdPerMwh = tuned.Rule.CurtailAbove, resumeBelowUsdPerMwh = tuned.Rule.ResumeBelow, confirmIntervals = tuned.Rule.Confirm,
                        tunedFrom = tuneFromDate, tunedTo = tuneToDate, rulesTried = tuned.Tried, tuningProfitUsd = tuned.ProfitUsd,
                    },
                    gains = gains.Select(g => new { comparison = g.Comparison, gain = g.Interval.Gain, low = g.Interval.Low, high = g.Interval.High, confidence = g.Interval.Confidence, months = g.Interval.Blocks, resamples = g.Interval.Resamples }),
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
            console.WriteLine($"reactive rule tuned on {tuneFromDate:yyyy-MM-dd} to {tuneToDate:yyyy-MM-dd} (best total profit of {tuned.Tried} rules: curtail ${tuned.Rule.CurtailAbove:0}, resume ${tuned.Rule.ResumeBelow:0}, confirm {tuned.Rule.Confirm}); cadence {p.GetValue(cadence)}");
            foreach (var (comparison, g) in gains)
                console.WriteLine($"{comparison}: {g.Gain * 100:+0.00;-0.00} capture points, {g.Confidence:P0} month-block bootstrap interval [{g.Low * 100:+0.00;-0.00}, {g.High * 100:+0.00;-0.00}] ({g.Blocks} months, {g.Resamples:N0} resamples)");
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

    private static DateOnly LocalDate(DateTimeOffset utc) => CentralPrevailingTime.LocalDate(utc);
}
