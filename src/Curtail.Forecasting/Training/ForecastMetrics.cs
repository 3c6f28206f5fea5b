
namespace Curtail.Forecasting.Training;

/// <summary>Accuracy of a forecaster on held-out data, averaged over every (decision time, horizon) pair.</summary>
public sealed record ForecastMetrics(
    string Forecaster, int Count, double Mae, double PinballP10, double PinballP50, double PinballP90, double Brier,
    double SpikeRate)
{
    /// <summary>Mean pinball loss over P10, P50 and P90.</summary>
    public double Pinball => (PinballP10 + PinballP50 + PinballP90) / 3;

    public static ForecastMetrics Compute(string forecaster, IReadOnlyList<IntervalForecast> forecasts, IReadOnlyList<double> actuals, double strike)
    {
        if (forecasts.Count != actuals.Count) throw new ArgumentException("forecasts and actuals differ in count");
        if (forecasts.Count == 0) throw new ArgumentException("nothing to score");
        double mae = 0, p10 = 0, p50 = 0, p90 = 0, brier = 0, spikes = 0;
        for (var i = 0; i < forecasts.Count; i++)
        {
            var f = forecasts[i];
            var y = actuals[i];
            mae += Math.Abs(y - f.P50);
            p10 += Quantiles.Pinball(y, f.P10, 0.1);
            p50 += Quantiles.Pinball(y, f.P50, 0.5);
            p90 += Quantiles.Pinball(y, f.P90, 0.9);
            var spike = y > strike ? 1.0 : 0.0;
            spikes += spike;
            brier += (f.SpikeProbability - spike) * (f.SpikeProbability - spike);
        }
        var n = (double)forecasts.Count;
        return new ForecastMetrics(forecaster, forecasts.Count, mae / n, p10 / n, p50 / n, p90 / n, brier / n, spikes / n);
    }

    /// <summary>
    /// Scores a forecaster on decision times every <paramref name="strideIntervals"/> in [from, to), all horizons
    /// up to <paramref name="horizon"/> whose target lies in the period.
    /// </summary>
    public static ForecastMetrics Evaluate(IPriceForecaster forecaster, MarketHistory history, DateTimeOffset from,
        DateTimeOffset to, int horizon, int strideIntervals)
    {
        var decisions = new List<DateTimeOffset>();
        for (var t = MarketHistory.FloorToInterval(from); t < to; t += MarketHistory.Interval * strideIntervals)
            decisions.Add(t);
        var perDecision = new (List<IntervalForecast> F, List<double> Y)[decisions.Count];
        Parallel.For(0, decisions.Count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
        {
            var t = decisions[i];
            var settled = history.SettledCount(t);
            var fs = new List<IntervalForecast>(horizon);
            var ys = new List<double>(horizon);
            if (settled > 0)
            {
                var forecast = forecaster.Forecast(history, t, horizon);
                for (var h = 1; h <= horizon; h++)
                {
                    var target = settled + h - 1;
                    if (target >= history.RealTime.Count || history.RealTime.StartTicks[target] >= to.UtcTicks) break;
                    if (history.RealTime.StartTicks[target] != forecast.Intervals[h - 1].StartUtc.UtcTicks) break;
                    fs.Add(forecast.Intervals[h - 1]);
                    ys.Add(history.RealTime.Prices[target]);
                }
            }
            perDecision[i] = (fs, ys);
        });
        var allF = perDecision.SelectMany(p => p.F).ToList();
        var allY = perDecision.SelectMany(p => p.Y).ToList();
        return Compute(forecaster.Name, allF, allY, forecaster.StrikePrice);
    }
}
