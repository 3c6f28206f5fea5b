using System.CommandLine;
using Curtail.Core;
using Curtail.Core.Time;
using Curtail.Forecasting.Models;
using Curtail.Forecasting.Policies;
using Curtail.Simulation.Backtest;
using Curtail.Simulation.Setup;

namespace Curtail.Cli.Commands;

/// <summary>
/// `curtail forecast-tune`: the nested, forward-chaining validation of the gated forecast rule. Each model is a fold:
/// trained on years A, its trigger is chosen on A and it is scored on the year after A with the market history cut at
/// that year's end; the gate setting of highest total profit over the folds wins. Give it models that stop before
/// the held-out year (hb_west_2021 and hb_west_2021_2022 for a 2024 hold-out), never the held-out year itself.
/// </summary>
public sealed class ForecastTuneCommand : ICliCommand
{
    public Command Build()
    {
        var models = new Option<string[]>("--model") { Description = "Models, one per fold, each scored on the year after its training data (e.g. models/hb_west_2021_2022).", Required = true, AllowMultipleArgumentsPerToken = true };
        var site = new Option<string?>("--site") { Description = "Site file (YAML). Default: the shipped default site." };
        var before = new Option<string?>("--before") { Description = "CPT date no fold may reach (the held-out year's start, YYYY-MM-DD); refused when a validation year would." };
        var days = new Option<int>("--validation-days") { Description = "Length of each fold's validation window from the end of its model's training data (days).", DefaultValueFactory = _ => 365 };
        var top = new Option<int>("--top") { Description = "Settings to list, best first.", DefaultValueFactory = _ => 10 };
        var data = ForecastOptions.Data();
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text." };
        var command = new Command("forecast-tune", "Choose the gated forecast rule's gate thresholds on validation years after each model's training data (forward chaining).");
        foreach (var o in new Option[] { models, site, before, days, top, data, json }) command.Options.Add(o);
        command.SetAction(p =>
        {
            var output = p.InvocationConfiguration.Output;
            var step = Terminal.Steps(output, p.GetValue(json));
            var loaded = SiteFiles.Load(p.GetValue(site));
            var siteDef = loaded.Site;
            if (p.GetValue(top) < 1) throw new InvalidInputException("--top", null, "must be at least 1");
            if (p.GetValue(days) < 1) throw new InvalidInputException("--validation-days", null, "must be at least 1");
            var limit = p.GetValue(before) is { } b0 ? CentralPrevailingTime.StartOfDayUtc(ForecastOptions.Date(b0, "--before")) : (DateTimeOffset?)null;
            var history = ForecastOptions.LoadHistory(p.GetValue(data), siteDef.SettlementPoint);
            var prices = history.RealTime;
            var hashprice = SiteFiles.LoadHashprice(loaded);
            var folds = new List<Fold>();
            foreach (var path in p.GetValue(models)!)
            {
                var model = ForecastOptions.LoadModel(path);
                var provenance = model.Provenance;
                if (provenance.SettlementPoint != siteDef.SettlementPoint)
                    throw new InvalidInputException("--model", null, $"{path} forecasts {provenance.SettlementPoint} but the site settles at {siteDef.SettlementPoint}");
                var fromDate = CentralPrevailingTime.LocalDate(provenance.TrainTo);
                var toDate = p.GetValue(days) == 365 ? fromDate.AddYears(1) : fromDate.AddDays(p.GetValue(days));
                var start = CentralPrevailingTime.StartOfDayUtc(fromDate);
                var end = CentralPrevailingTime.StartOfDayUtc(toDate);
                if (limit is { } l && end > l)
                    throw new InvalidInputException("--model", null, $"{path} would be validated on {fromDate:yyyy-MM-dd}..{toDate:yyyy-MM-dd}, past --before {CentralPrevailingTime.LocalDate(l):yyyy-MM-dd}");
                var fromIndex = prices.FirstStartingAtOrAfter(start.UtcTicks);
                var toIndex = prices.FirstStartingAtOrAfter(end.UtcTicks);
                if (toIndex <= fromIndex || prices.EndTicks[toIndex - 1] < end.UtcTicks - TimeSpan.TicksPerDay)
                    throw new InvalidInputException("--data", null, $"the data does not cover {fromDate:yyyy-MM-dd}..{toDate:yyyy-MM-dd} for {path}");
                step($"{path}: tuning the trigger on its training years, the gates on {fromDate:yyyy-MM-dd}..{toDate:yyyy-MM-dd}…");
                var trigger = ForecastGateTuning.TuneTrigger(new BacktestInputs(siteDef, prices, hashprice,
                    prices.FirstStartingAtOrAfter(provenance.TrainFrom.UtcTicks), prices.FirstStartingAtOrAfter(provenance.TrainTo.UtcTicks)));
                var validation = new BacktestInputs(siteDef, prices, hashprice, fromIndex, toIndex);
                var reference = SimulationRunner.Run(validation);
                var (results, latest) = ForecastGateTuning.TuneGates(validation, history, model, trigger.Trigger);
                folds.Add(new Fold(provenance, fromDate, toDate, trigger.Trigger, trigger.Tried, reference.AlwaysOn.ProfitUsd, reference.Oracle.ProfitUsd, latest,
                    results.ToDictionary(r => ForecastGateTuning.GateKey(r.Options, trigger.Trigger), r => r.ProfitUsd)));
            }
            var keys = folds[0].Profits.Keys.Where(k => folds.All(f => f.Profits.ContainsKey(k))).ToList();
            var ranked = keys.OrderByDescending(k => folds.Sum(f => f.Profits[k])).ToList();
            var off = (0.0, 0.0, ForecastGateOptions.Off, ForecastGateOptions.Off, 0.0);
            object Row((double Shift, double Veto, double Pre, double Hold, double Early) k) => new
            {
                shift = k.Shift, vetoBelow = k.Veto, preCurtailAbove = k.Pre, holdAbove = k.Hold, earlyResumeBelow = k.Early,
                profitUsd = folds.Sum(f => f.Profits[k]), captureByFold = folds.Select(f => f.Capture(f.Profits[k])),
            };
            if (p.GetValue(json))
            {
                output.WriteLine(JsonOutput.Serialize(new
                {
                    site = siteDef.Name, settingsTried = ranked.Count,
                    folds = folds.Select(f => new
                    {
                        model = f.Model.Name, trainedFrom = f.Model.TrainFrom, trainedTo = f.Model.TrainTo, validationFrom = f.From, validationTo = f.To,
                        latestForecastAt = f.LatestForecast, alwaysOnProfitUsd = f.AlwaysOn, oracleProfitUsd = f.Oracle,
                        trigger = new { curtailMargin = f.Trigger.CurtailMarginUsdPerMwh, resumeMargin = f.Trigger.ResumeMarginUsdPerMwh, confirm = f.Trigger.Confirm, rulesTried = f.Tried },
                        gatesOffCapture = f.Capture(f.Profits[off]),
                    }),
                    best = ranked.Take(p.GetValue(top)).Select(Row),
                }));
                return CurtailApp.ExitOk;
            }
            output.WriteLine($"{siteDef.Name}: {folds.Count} fold(s), {ranked.Count} gate settings");
            foreach (var f in folds)
                output.WriteLine($"  {f.Model.Name} (trained {f.Model.TrainFrom:yyyy-MM-dd}..{f.Model.TrainTo:yyyy-MM-dd}) on {f.From:yyyy-MM-dd}..{f.To:yyyy-MM-dd}, history cut there (last forecast {f.LatestForecast:u}); " +
                    $"trigger chosen on its training years ({f.Tried} rules): breakeven {f.Trigger.CurtailMarginUsdPerMwh:+0;-0;0}/−{f.Trigger.ResumeMarginUsdPerMwh:0} c{f.Trigger.Confirm}; gates off {f.Capture(f.Profits[off]):P2}");
            foreach (var k in ranked.Take(p.GetValue(top)))
                output.WriteLine($"  shift {k.Shift:+0;-0;0} veto<{k.Veto:0.##} pre>={Show(k.Pre)} hold>={Show(k.Hold)} early<{k.Early:0.##}: " +
                    string.Join(", ", folds.Select(f => $"{f.To.Year - 1} {f.Capture(f.Profits[k]):P2}")) + $", total {Terminal.Usd(folds.Sum(f => f.Profits[k]))}");
            return CurtailApp.ExitOk;
        });
        return command;
    }

    private sealed record Fold(ModelProvenance Model, DateOnly From, DateOnly To, ForecastGateOptions Trigger, int Tried, double AlwaysOn, double Oracle,
        DateTimeOffset LatestForecast, Dictionary<(double Shift, double Veto, double Pre, double Hold, double Early), double> Profits)
    {
        public double? Capture(double profit) => SimulationResult.CaptureRatioOf(profit, AlwaysOn, Oracle);
    }

    private static string Show(double threshold) => threshold > 1 ? "off" : threshold.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
}
