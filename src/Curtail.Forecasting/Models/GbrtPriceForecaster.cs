using Curtail.Forecasting.Features;
using Curtail.Forecasting.Learning;

namespace Curtail.Forecasting.Models;

/// <summary>What a trained model was trained on, kept in the model file and its card.</summary>
public sealed record ModelProvenance(
    string Name, string SettlementPoint, DateTimeOffset TrainFrom, DateTimeOffset TrainTo, int Seed, int TrainingRows,
    IReadOnlyList<string> InputsUsed);

/// <summary>
/// The gradient-boosted forecaster: three quantile ensembles (P10, P50, P90), a least-squares ensemble for the mean, and a logistic ensemble for the
/// probability that the price exceeds the strike, all on <see cref="PriceFeatures"/>.
/// </summary>
public sealed class GbrtPriceForecaster : IPriceForecaster
{
    public GradientBoostedModel P10 { get; }
    public GradientBoostedModel P50 { get; }
    public GradientBoostedModel P90 { get; }
    public GradientBoostedModel Mean { get; }
    public GradientBoostedModel Spike { get; }
    public double StrikePrice { get; }
    public int Horizon { get; }
    public ModelProvenance Provenance { get; }
    public string Name => "gbrt";

    public GbrtPriceForecaster(GradientBoostedModel p10, GradientBoostedModel p50, GradientBoostedModel p90,
        GradientBoostedModel mean, GradientBoostedModel spike, double strikePrice, int horizon, ModelProvenance provenance)
    {
        foreach (var m in new[] { p10, p50, p90, mean, spike })
            if (m.FeatureCount != PriceFeatures.Count)
                throw new ArgumentException($"model has {m.FeatureCount} features, this build uses {PriceFeatures.Count}");
        P10 = p10;
        P50 = p50;
        P90 = p90;
        Mean = mean;
        Spike = spike;
        StrikePrice = strikePrice;
        Horizon = horizon;
        Provenance = provenance;
    }

    public PriceForecast Forecast(MarketHistory history, DateTimeOffset decisionTime, int intervals)
    {
        if (intervals < 1) throw new ArgumentOutOfRangeException(nameof(intervals));
        var t = MarketHistory.FloorToInterval(decisionTime);
        var settled = history.SettledCount(t);
        var row = new double[PriceFeatures.Count];
        var result = new IntervalForecast[intervals];
        for (var h = 1; h <= intervals; h++)
        {
            // Beyond the trained horizon the last trained horizon's relationship is reused.
            PriceFeatures.Fill(history, t, settled, Math.Min(h, Horizon), row);
            var start = t + MarketHistory.Interval * (h - 1);
            result[h - 1] = Predict(row, start);
        }
        return new PriceForecast(t, result);
    }

    /// <summary>Predicts one feature row; quantiles are sorted so they never cross.</summary>
    public IntervalForecast Predict(ReadOnlySpan<double> row, DateTimeOffset start)
    {
        Span<double> q = [P10.Predict(row), P50.Predict(row), P90.Predict(row)];
        q.Sort();
        return new IntervalForecast(start, start + MarketHistory.Interval, q[0], q[1], q[2], Mean.Predict(row), Spike.Predict(row));
    }
}
