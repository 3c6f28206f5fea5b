using Curtail.Core.Decisions;
using Curtail.Forecasting.Features;
using Curtail.Forecasting.LightGbm;

namespace Curtail.Forecasting.Models;

/// <summary>What a trained model was trained on, kept in the model file and its card.</summary>
public sealed record ModelProvenance(
    string Name, string SettlementPoint, DateTimeOffset TrainFrom, DateTimeOffset TrainTo, int Seed, int TrainingRows,
    IReadOnlyList<string> InputsUsed);

/// <summary>
/// The trained forecaster: five LightGBM gradient-boosted tree models on <see cref="PriceFeatures"/>: three with
/// LightGBM's quantile objective (P10, P50, P90), one least-squares model for the mean, and one binary model for the
/// probability that the price exceeds the strike.
/// </summary>
public sealed class GbrtPriceForecaster : IPriceForecaster, IWindowForecaster
{
    public LightGbmBooster P10 { get; }
    public LightGbmBooster P50 { get; }
    public LightGbmBooster P90 { get; }
    public LightGbmBooster Mean { get; }
    public LightGbmBooster Spike { get; }
    public double StrikePrice { get; }
    public int Horizon { get; }
    public ModelProvenance Provenance { get; }
    public string Name => "lightgbm";

    public GbrtPriceForecaster(LightGbmBooster p10, LightGbmBooster p50, LightGbmBooster p90,
        LightGbmBooster mean, LightGbmBooster spike, double strikePrice, int horizon, ModelProvenance provenance)
    {
        foreach (var m in new[] { p10, p50, p90, mean, spike })
            if (m.FeatureCount != PriceFeatures.Count)
                throw new ArgumentException($"model has {m.FeatureCount} features, this build uses {PriceFeatures.Count}");
        if (horizon < 1) throw new ArgumentOutOfRangeException(nameof(horizon));
        P10 = p10;
        P50 = p50;
        P90 = p90;
        Mean = mean;
        Spike = spike;
        StrikePrice = strikePrice;
        Horizon = horizon;
        Provenance = provenance;
    }

    public IEnumerable<LightGbmBooster> Models => [P10, P50, P90, Mean, Spike];

    public PriceForecast Forecast(MarketHistory history, DateTimeOffset decisionTime, int intervals)
    {
        if (intervals < 1) throw new ArgumentOutOfRangeException(nameof(intervals));
        var t = MarketHistory.FloorToInterval(decisionTime);
        var settled = history.SettledCount(t);
        var columns = PriceFeatures.Count;
        var x = new double[intervals * columns];
        for (var h = 1; h <= intervals; h++)
            // Beyond the trained horizon the last trained horizon's relationship is reused.
            PriceFeatures.Fill(history, t, settled, Math.Min(h, Horizon), x.AsSpan((h - 1) * columns, columns));
        var outputs = PredictRows(x, intervals);
        var result = new IntervalForecast[intervals];
        for (var h = 0; h < intervals; h++)
            result[h] = Assemble(outputs, h, t + MarketHistory.Interval * h);
        return new PriceForecast(t, result);
    }

    /// <summary>Windows the features read: the last week's same window, and one more.</summary>
    private const int WindowsRead = 7 * PriceFeatures.DayIntervals + 1;

    /// <summary>A SCED LMP older than this does not stand for the running interval: the window is not formed.</summary>
    private static readonly TimeSpan MaxScedAge = TimeSpan.FromMinutes(30);

    /// <summary>
    /// The horizon-1 forecast of the 15 minutes from the decision (floored to 5 minutes) on the grid shifted to it: the
    /// model reads the 15-minute windows ending there (<see cref="SlidingWindows"/>), each 5-minute part after the last
    /// settled interval made of its SCED LMP (the last run in the part, carried forward over a part without one) and the
    /// rest of settled prices. On a settlement boundary with the previous interval settled, or without a SCED LMP in the
    /// last 30 minutes, it is the forecast of the interval holding the decision.
    /// </summary>
    public IntervalForecast ForecastWindow(MarketHistory history, DateTimeOffset decisionTime)
    {
        var t = new DateTimeOffset(SlidingWindows.FloorToPart(decisionTime.UtcTicks), TimeSpan.Zero);
        var settled = history.SettledCount(t);
        if (settled == 0) return Forecast(history, t, 1).Intervals[0];
        var lastEnd = history.RealTime.EndTicks[settled - 1];
        var unsettled = (int)((t.UtcTicks - lastEnd) / PartTicks);
        Span<double> parts = stackalloc double[SlidingWindows.MaxUnsettledParts];
        if (unsettled == 0 || unsettled > SlidingWindows.MaxUnsettledParts || !ScedParts(history.Sced, t, parts[..unsettled]))
            return Forecast(history, t, 1).Intervals[0];
        var windows = new double[Math.Min(settled + unsettled / SlidingWindows.PartsPerInterval, WindowsRead)];
        var n = SlidingWindows.Fill(t.UtcTicks, lastEnd, history.RealTime.Prices[..settled], parts[..unsettled], windows);
        Span<double> row = stackalloc double[PriceFeatures.Count];
        PriceFeatures.FillOnWindows(history, windows.AsSpan(windows.Length - n), t, 1, row);
        return Predict(row, t);
    }

    private static readonly long PartTicks = TimeSpan.FromMinutes(5).Ticks;

    /// <summary>The SCED LMP of each 5-minute part of the <c>parts.Length</c> parts before <paramref name="t"/>, oldest first.</summary>
    private static bool ScedParts(Core.Prices.PriceSeries? sced, DateTimeOffset t, Span<double> parts)
    {
        if (sced is null || sced.Count == 0) return false;
        var from = t.UtcTicks - parts.Length * PartTicks;
        // The run in force when the first part starts, then each part's last run.
        var r = sced.FirstStartingAtOrAfter(from);
        if (r == 0 && sced.StartTicks[0] >= t.UtcTicks) return false;
        var carried = r > 0 ? sced.Prices[r - 1] : sced.Prices[r];
        var lastRun = r > 0 ? sced.StartTicks[r - 1] : long.MinValue;
        for (var j = 0; j < parts.Length; j++)
        {
            var end = from + (j + 1) * PartTicks;
            while (r < sced.Count && sced.StartTicks[r] < end)
            {
                carried = sced.Prices[r];
                lastRun = sced.StartTicks[r];
                r++;
            }
            parts[j] = carried;
        }
        return t.UtcTicks - lastRun <= MaxScedAge.Ticks;
    }

    /// <summary>Predicts one feature row; quantiles are sorted so they never cross.</summary>
    public IntervalForecast Predict(ReadOnlySpan<double> row, DateTimeOffset start) =>
        Assemble(PredictRows(row, 1), 0, start);

    /// <summary>The five models' outputs for <paramref name="rows"/> row-major feature rows, model by model.</summary>
    private double[][] PredictRows(ReadOnlySpan<double> x, int rows)
    {
        var outputs = new double[5][];
        var i = 0;
        foreach (var m in Models)
        {
            outputs[i] = new double[rows];
            m.Predict(x, rows, outputs[i]);
            i++;
        }
        return outputs;
    }

    private static IntervalForecast Assemble(double[][] o, int r, DateTimeOffset start)
    {
        Span<double> q = [o[0][r], o[1][r], o[2][r]];
        q.Sort();
        return new IntervalForecast(start, start + MarketHistory.Interval, q[0], q[1], q[2], o[3][r], Math.Clamp(o[4][r], 0, 1));
    }
}
