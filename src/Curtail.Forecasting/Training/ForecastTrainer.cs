using System.Diagnostics;
using Curtail.Forecasting.Baselines;
using Curtail.Forecasting.LightGbm;
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

/// <summary>Trains the five LightGBM models of a <see cref="GbrtPriceForecaster"/> and scores it against the baselines.</summary>
public static class ForecastTrainer
{
    public static TrainingResult Train(MarketHistory history, TrainingPlan plan, TextWriter? log = null)
    {
        if (plan.TrainTo <= plan.TrainFrom) throw new ArgumentException("training period is empty");
        if (plan.HoldoutFrom is { } hf && hf < plan.TrainTo)
            throw new ArgumentException($"held-out period starts ({hf:u}) before training ends ({plan.TrainTo:u})");
        // Training takes a minute or more: each step says so as it starts and ends, so a terminal never sits silent.
        log?.WriteLine($"building features {plan.TrainFrom:yyyy-MM-dd}..{plan.TrainTo:yyyy-MM-dd} ...");
        var data = ForecastDataset.Build(history, plan.TrainFrom, plan.TrainTo, plan.Horizon, plan.TrainStrideIntervals,
            plan.HorizonsPerDecision, plan.Gbrt.Seed);
        log?.WriteLine($"training rows: {data.Rows:N0}, features: {data.X.Columns}");

        plan.Gbrt.Validate();
        var clock = Stopwatch.StartNew();
        var models = TrainModels(data.X, data.Y, plan.StrikePrice, plan.Gbrt, log);
        clock.Stop();
        log?.WriteLine($"trained 5 LightGBM models in {clock.Elapsed.TotalSeconds:F1} s");

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
                log?.WriteLine($"evaluating {f.Name} on {from:yyyy-MM-dd}..{to:yyyy-MM-dd} ...");
                var m = ForecastMetrics.Evaluate(f, history, from, to, plan.Horizon, plan.EvaluationStrideIntervals);
                log?.WriteLine($"{m.Forecaster,-15} MAE {m.Mae,8:F2}  pinball {m.Pinball,8:F2}  Brier {m.Brier:F4}");
                metrics.Add(m);
            }
        }
        return new TrainingResult(model, plan, data.Rows, clock.Elapsed, metrics, FeatureUse(model));
    }

    /// <summary>
    /// Trains P10, P50, P90 (LightGBM's quantile objective), the mean (least squares) and the spike probability
    /// (binary at <paramref name="strike"/>) on one binned dataset, one model after another, each on
    /// <see cref="GbrtOptions.Threads"/> threads.
    /// </summary>
    public static LightGbmBooster[] TrainModels(FeatureMatrix x, double[] y, double strike, GbrtOptions o, TextWriter? log = null)
    {
        using var dataset = new LightGbmDataset(x.Values, x.Columns, o.DatasetParameters());
        var labels = y.Select(v => (float)v).ToArray();
        var spikes = y.Select(v => v > strike ? 1f : 0f).ToArray();
        var jobs = new (string Objective, float[] Labels)[]
        {
            ("quantile alpha=0.1", labels), ("quantile alpha=0.5", labels), ("quantile alpha=0.9", labels),
            ("regression", labels), ("binary", spikes),
        };
        var names = new[] { "P10", "P50", "P90", "mean", "spike probability" };
        return jobs.Select((j, i) =>
        {
            var clock = Stopwatch.StartNew();
            log?.WriteLine($"training model {i + 1}/{jobs.Length} ({names[i]}, {o.Trees} trees) ...");
            var booster = LightGbmBooster.Train(dataset, j.Labels, o.BoosterParameters(j.Objective), o.Trees);
            log?.WriteLine($"  model {i + 1}/{jobs.Length} done in {clock.Elapsed.TotalSeconds:F1} s");
            return booster;
        }).ToArray();
    }

    private static IReadOnlyList<(string, int)> FeatureUse(GbrtPriceForecaster model)
    {
        var counts = new int[Features.PriceFeatures.Count];
        foreach (var m in model.Models)
        {
            var c = m.SplitCounts();
            for (var i = 0; i < counts.Length; i++) counts[i] += c[i];
        }
        return Features.PriceFeatures.Names.Select((n, i) => (n, counts[i])).OrderByDescending(x => x.Item2).ToList();
    }
}
