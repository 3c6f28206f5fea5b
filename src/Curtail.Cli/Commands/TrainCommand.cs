using System.CommandLine;
using System.Diagnostics;
using Curtail.Core;
using Curtail.Core.Time;
using Curtail.Forecasting;
using Curtail.Forecasting.Models;
using Curtail.Forecasting.Training;

namespace Curtail.Cli.Commands;

/// <summary>`curtail train`: fits the price forecaster on a period and scores it on the period after.</summary>
public sealed class TrainCommand : ICliCommand
{
    public Command Build()
    {
        var from = new Option<string?>("--from") { Description = "First CPT date of the training data (YYYY-MM-DD).", Required = true };
        var to = new Option<string?>("--to") { Description = "CPT date the training data stops at, exclusive (YYYY-MM-DD).", Required = true };
        var holdoutTo = new Option<string?>("--holdout-to") { Description = "End (exclusive) of the held-out period scored against the baselines; it starts at --to. Default: one year after --to, clipped to the data." };
        var outPath = new Option<string>("--out") { Description = $"Model path without extension (e.g. models/hb_west); writes NAME{ModelFile.Extension} and NAME.card.md.", Required = true };
        var point = ForecastOptions.Point();
        var data = ForecastOptions.Data();
        var strike = new Option<double>("--strike") { Description = "Spike strike in $/MWh for the spike probability.", DefaultValueFactory = _ => 100 };
        var trees = new Option<int>("--trees") { Description = "Boosting rounds (trees) per model.", DefaultValueFactory = _ => 120 };
        var leaves = new Option<int>("--leaves") { Description = "Leaves per tree at most.", DefaultValueFactory = _ => new GbrtOptions().Leaves };
        var depth = new Option<int>("--depth") { Description = "Tree depth at most.", DefaultValueFactory = _ => new GbrtOptions().MaxDepth };
        var rate = new Option<double>("--learning-rate") { Description = "Shrinkage per round.", DefaultValueFactory = _ => new GbrtOptions().LearningRate };
        var threads = new Option<int>("--threads") { Description = "LightGBM threads.", DefaultValueFactory = _ => new GbrtOptions().Threads };
        var seed = new Option<int>("--seed") { Description = "Seed for row sampling (training is deterministic for a seed).", DefaultValueFactory = _ => 42 };
        var export = new Option<string?>("--export-csv") { Description = "Also write the training and held-out feature rows to this CSV (for tools/xgboost_compare.py)." };
        var command = new Command("train", "Train the LightGBM price forecaster (P10/P50/P90, mean, spike probability) and write its model card.");
        foreach (var o in new Option[] { from, to, holdoutTo, outPath, point, data, strike, trees, leaves, depth, rate, threads, seed, export }) command.Options.Add(o);
        command.SetAction(p =>
        {
            var output = p.InvocationConfiguration.Output;
            var fromDate = ForecastOptions.Date(p.GetValue(from), "--from");
            var toDate = ForecastOptions.Date(p.GetValue(to), "--to");
            if (fromDate >= toDate) throw new InvalidInputException("--from/--to", null, $"--from {fromDate:yyyy-MM-dd} is not before --to {toDate:yyyy-MM-dd}");
            if (p.GetValue(trees) < 1) throw new InvalidInputException("--trees", null, "must be at least 1");
            try { new GbrtOptions { Leaves = p.GetValue(leaves), MaxDepth = p.GetValue(depth), LearningRate = p.GetValue(rate), Threads = p.GetValue(threads) }.Validate(); }
            catch (ArgumentOutOfRangeException ex) { throw new InvalidInputException("--leaves/--depth/--learning-rate/--threads", null, ex.Message); }
            var history = ForecastOptions.LoadHistory(p.GetValue(data), p.GetValue(point)!);
            var trainFrom = CentralPrevailingTime.StartOfDayUtc(fromDate);
            var trainTo = CentralPrevailingTime.StartOfDayUtc(toDate);
            if (trainTo <= history.RealTime.Start || trainFrom >= history.RealTime.End)
                throw new InvalidInputException("--from/--to", null, $"no {history.SettlementPoint} prices in that period (data covers {history.RealTime.Start:yyyy-MM-dd}..{history.RealTime.End:yyyy-MM-dd} UTC)");
            var holdoutEnd = p.GetValue(holdoutTo) is { } h
                ? CentralPrevailingTime.StartOfDayUtc(ForecastOptions.Date(h, "--holdout-to"))
                : CentralPrevailingTime.StartOfDayUtc(toDate.AddYears(1));
            if (holdoutEnd > history.RealTime.End) holdoutEnd = history.RealTime.End;
            var plan = new TrainingPlan
            {
                Name = Path.GetFileName(p.GetValue(outPath)!),
                TrainFrom = trainFrom,
                TrainTo = trainTo,
                HoldoutFrom = holdoutEnd > trainTo ? trainTo : null,
                HoldoutTo = holdoutEnd > trainTo ? holdoutEnd : null,
                StrikePrice = p.GetValue(strike),
                Gbrt = new GbrtOptions
                {
                    Trees = p.GetValue(trees), Leaves = p.GetValue(leaves), MaxDepth = p.GetValue(depth), LearningRate = p.GetValue(rate),
                    Threads = p.GetValue(threads), Seed = p.GetValue(seed),
                },
            };
            var clock = Stopwatch.StartNew();
            var result = ForecastTrainer.Train(history, plan, output);
            var basePath = p.GetValue(outPath)!;
            var modelPath = basePath + ModelFile.Extension;
            ModelFile.Save(result.Model, modelPath);
            File.WriteAllText(basePath + ".card.md", ModelCard.Render(result));
            output.WriteLine($"wrote {modelPath} and {basePath}.card.md ({clock.Elapsed.TotalSeconds:F1} s in all)");

            if (p.GetValue(export) is { } csvPath)
            {
                using var writer = new StreamWriter(csvPath);
                var train = ForecastDataset.Build(history, plan.TrainFrom, plan.TrainTo, plan.Horizon, plan.TrainStrideIntervals, plan.HorizonsPerDecision, plan.Gbrt.Seed);
                train.AppendCsv(writer, "train", header: true);
                if (plan.HoldoutFrom is { } hf && plan.HoldoutTo is { } ht)
                    ForecastDataset.Build(history, hf, ht, plan.Horizon, plan.EvaluationStrideIntervals, plan.Horizon, plan.Gbrt.Seed)
                        .AppendCsv(writer, "test", header: false);
                output.WriteLine($"wrote feature rows to {csvPath}");
            }
            return CurtailApp.ExitOk;
        });
        return command;
    }
}
