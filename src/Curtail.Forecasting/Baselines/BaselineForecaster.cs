using Curtail.Forecasting.Training;

namespace Curtail.Forecasting.Baselines;

/// <summary>
/// A point rule (persistence, seasonal naive) turned into quantiles by the residual quantiles it showed on a
/// calibration period, per horizon, and into a spike probability by how often the price exceeded the strike when
/// the rule said it would or would not.
/// </summary>
public abstract class BaselineForecaster : IPriceForecaster
{
    private double[] _p10Offset = [];
    private double[] _meanOffset = [];
    private double[] _p90Offset = [];
    private double _spikeGivenPointAbove;
    private double _spikeGivenPointBelow;

    protected BaselineForecaster(double strikePrice) => StrikePrice = strikePrice;

    public abstract string Name { get; }
    public double StrikePrice { get; }
    public bool IsCalibrated => _meanOffset.Length > 0;

    /// <summary>The rule's point forecast for target interval index <paramref name="target"/> given <paramref name="settled"/> settled intervals.</summary>
    protected abstract double Point(ReadOnlySpan<double> prices, int settled, int target);

    /// <summary>Learns residual quantiles and spike rates on decision times in [from, to).</summary>
    public void Calibrate(MarketHistory history, DateTimeOffset from, DateTimeOffset to, int horizon, int strideIntervals = 4)
    {
        var residuals = Enumerable.Range(0, horizon).Select(_ => new List<double>()).ToArray();
        int above = 0, aboveSpikes = 0, below = 0, belowSpikes = 0;
        var prices = history.RealTime.Prices;
        for (var t = MarketHistory.FloorToInterval(from); t < to; t += MarketHistory.Interval * strideIntervals)
        {
            var settled = history.SettledCount(t);
            if (settled < 7 * 96 || settled + horizon > history.RealTime.Count) continue;
            for (var h = 1; h <= horizon; h++)
            {
                var target = settled + h - 1;
                var point = Point(prices, settled, target);
                if (double.IsNaN(point)) continue;
                var actual = prices[target];
                residuals[h - 1].Add(actual - point);
                if (point > StrikePrice) { above++; if (actual > StrikePrice) aboveSpikes++; }
                else { below++; if (actual > StrikePrice) belowSpikes++; }
            }
        }
        if (residuals[0].Count == 0) throw new ArgumentException($"no calibration data for {Name} between {from:u} and {to:u}");
        _p10Offset = residuals.Select(r => Quantiles.Quantile(r.ToArray(), 0.1)).ToArray();
        _meanOffset = residuals.Select(r => r.Average()).ToArray();
        _p90Offset = residuals.Select(r => Quantiles.Quantile(r.ToArray(), 0.9)).ToArray();
        _spikeGivenPointAbove = above == 0 ? 1 : (double)aboveSpikes / above;
        _spikeGivenPointBelow = below == 0 ? 0 : (double)belowSpikes / below;
    }

    public PriceForecast Forecast(MarketHistory history, DateTimeOffset decisionTime, int intervals)
    {
        var t = MarketHistory.FloorToInterval(decisionTime);
        var settled = history.SettledCount(t);
        var prices = history.RealTime.Prices;
        var result = new IntervalForecast[intervals];
        for (var h = 1; h <= intervals; h++)
        {
            var start = t + MarketHistory.Interval * (h - 1);
            var point = Point(prices, settled, settled + h - 1);
            if (double.IsNaN(point)) point = settled > 0 ? prices[settled - 1] : 0;
            var i = Math.Min(h, _meanOffset.Length) - 1;
            // The rule's point is its P50, as the baselines are defined; P10/P90 add the calibrated residual quantiles.
            var (p10, p90) = i >= 0 ? (point + _p10Offset[i], point + _p90Offset[i]) : (point, point);
            var mean = i >= 0 ? point + _meanOffset[i] : point;
            var spike = i >= 0 ? (point > StrikePrice ? _spikeGivenPointAbove : _spikeGivenPointBelow) : (point > StrikePrice ? 1 : 0);
            result[h - 1] = new IntervalForecast(start, start + MarketHistory.Interval, Math.Min(p10, point), point, Math.Max(p90, point), mean, spike);
        }
        return new PriceForecast(t, result);
    }
}

/// <summary>Every coming interval settles at the last settled price.</summary>
public sealed class PersistenceForecaster(double strikePrice) : BaselineForecaster(strikePrice)
{
    public override string Name => "persistence";

    protected override double Point(ReadOnlySpan<double> prices, int settled, int target) =>
        settled > 0 ? prices[settled - 1] : double.NaN;
}

/// <summary>Every coming interval settles at the price of the same interval one day earlier.</summary>
public sealed class SeasonalNaiveForecaster(double strikePrice) : BaselineForecaster(strikePrice)
{
    public override string Name => "seasonal-naive";

    protected override double Point(ReadOnlySpan<double> prices, int settled, int target)
    {
        var i = target - 96;
        return i >= 0 && i < settled ? prices[i] : double.NaN;
    }
}
