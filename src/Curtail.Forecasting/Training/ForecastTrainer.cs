using System.Diagnostics;
using Curtail.Forecasting.Baselines;
using Curtail.Forecasting.Learning;
using Curtail.Forecasting.Models;

namespace Curtail.Forecasting.Training;

/// <summary>What to train on and how.</summary>
public sealed record TrainingPlan
{
    public required string Name { get; init; }
    public required DateTimeOffset TrainFrom { get; init; }
    public required DateTimeOffset TrainTo { get; init; }
    /// <summary>Held-out period scored against the baselines; null skips scoring.</summary>
    public DateTimeOffset? HoldoutFrom { get; init; }
    public DateTimeOffset? HoldoutTo { get; init; }
    public double StrikePrice { get; init; } = 100;
    public int Horizon { get; init; } = 24;
    public int TrainStrideIntervals { get; init; } = 2;
    public int HorizonsPerDecision { get; init; } = 4;
    public int EvaluationStrideIntervals { get; init; } = 4;
    public GbrtOptions Gbrt { get; init; } = new();
}

public sealed record TrainingResult(
    GbrtPriceForecaster Model, TrainingPlan Plan, int TrainingRows, TimeSpan TrainingTime,
    IReadOnlyList<ForecastMetrics> HoldoutMetrics, IReadOnlyList<(string Feature, int Splits)> FeatureUse);

/// <summary>Trains the four ensembles of a <see cref="GbrtPriceForecaster"/> and scores it against the baselines.</summary>
public static class ForecastTrainer
{
    public static TrainingResult Train(MarketHistory history, TrainingPlan plan, TextWriter? log = null)
    {
        if (plan.TrainTo <= plan.TrainFrom) throw new ArgumentException("training period is empty");
        if (plan.HoldoutFrom is { } hf && hf < plan.TrainTo)
            throw new ArgumentException($"held-out period starts ({hf:u}) before training ends ({plan.TrainTo:u})");
        var data = ForecastDataset.Build(history, plan.TrainFrom, plan.TrainTo, plan.Horizon, plan.TrainStrideIntervals,
            plan.HorizonsPerDecision, plan.Gbrt.Seed);
        log?.WriteLine($"training rows: {data.Rows:N0}, features: {data.X.Columns}");

        var clock = Stopwatch.StartNew();
        var binner = FeatureBinner.Fit(data.X, plan.Gbrt.MaxBins);
        var bins = binner.BinAll(data.X);
        var spikeTargets = data.Y.Select(y => y > plan.StrikePrice ? 1.0 : 0.0).ToArray();
        var jobs = new (Loss Loss, double[] Y)[]
        {
            (new QuantileLoss(0.1), data.Y), (new QuantileLoss(0.5), data.Y), (new QuantileLoss(0.9), data.Y),
            (new SquaredLoss(), data.Y),
            (new LogisticLoss(), spikeTargets),
        };
        var models = new GradientBoostedModel[jobs.Length];
        var trainer = new GradientBoostingTrainer(plan.Gbrt);
        Parallel.For(0, jobs.Length, new ParallelOptions { MaxDegreeOfParallelism = 2 },
            i => models[i] = trainer.Fit(data.X, binner, bins, jobs[i].Y, jobs[i].Loss));
        clock.Stop();
        log?.WriteLine($"trained 5 ensembles in {clock.Elapsed.TotalSeconds:F1} s");

        var inputs = new List<string> { "rtm_spp" };
        if (history.DayAhead is not null) inputs.Add("dam_spp");
        if (history.SystemLoad is not null) inputs.Add("system_load");
        if (history.Hashprice is not null) inputs.Add("hashprice");
        if (history.Sced is not null && history.Sced.Count > 0 && history.Sced.Start < plan.TrainTo && history.Sced.End > plan.TrainFrom)
            inputs.Add("sced_lmp");
        var provenance = new ModelProvenance(plan.Name, history.SettlementPoint, plan.TrainFrom, plan.TrainTo, plan.Gbrt.Seed, data.Rows, inputs);
        var model = new GbrtPriceForecaster(models[0], models[1], models[2], models[3], models[4], plan.StrikePrice, plan.Horizon, provenance);

        var metrics = new List<ForecastMetrics>();
        if (plan.HoldoutFrom is { } from && plan.HoldoutTo is { } to)
        {
            var persistence = new PersistenceForecaster(plan.StrikePrice);
            var seasonal = new SeasonalNaiveForecaster(plan.StrikePrice);
            persistence.Calibrate(history, plan.TrainFrom, plan.TrainTo, plan.Horizon);
            seasonal.Calibrate(history, plan.TrainFrom, plan.TrainTo, plan.Horizon);
            foreach (IPriceForecaster f in new IPriceForecaster[] { model, persistence, seasonal })
            {
                var m = ForecastMetrics.Evaluate(f, history, from, to, plan.Horizon, plan.EvaluationStrideIntervals);
                log?.WriteLine($"{m.Forecaster,-15} MAE {m.Mae,8:F2}  pinball {m.Pinball,8:F2}  Brier {m.Brier:F4}");
                metrics.Add(m);
            }
        }
        return new TrainingResult(model, plan, data.Rows, clock.Elapsed, metrics, FeatureUse(model));
    }

    private static IReadOnlyList<(string, int)> FeatureUse(GbrtPriceForecaster model)
    {
        var counts = new int[Features.PriceFeatures.Count];
        foreach (var m in new[] { model.P10, model.P50, model.P90, model.Mean, model.Spike })
            foreach (var t in m.Trees)
                foreach (var f in t.Feature)
                    if (f >= 0) counts[f]++;
        return Features.PriceFeatures.Names.Select((n, i) => (n, counts[i])).OrderByDescending(x => x.Item2).ToList();
    }
}
