namespace Curtail.Forecasting.Models;

/// <summary>
/// Remembers the forecasts of another forecaster by (decision time, intervals), for one market history: a tuning
/// sweep runs the same year under many decision settings, and the forecasts do not depend on them.
/// </summary>
public sealed class MemoForecaster(IPriceForecaster inner) : IPriceForecaster, IWindowForecaster
{
    private readonly Dictionary<(long, int), PriceForecast> _seen = [];
    private MarketHistory? _history;

    public IPriceForecaster Inner { get; } = inner;
    public string Name => Inner.Name;
    public double StrikePrice => Inner.StrikePrice;

    /// <summary>The latest decision time asked for (to show a tuning run never looked past its window).</summary>
    public DateTimeOffset? LatestDecisionTime { get; private set; }

    public PriceForecast Forecast(MarketHistory history, DateTimeOffset decisionTime, int intervals)
    {
        if (intervals < 1) throw new ArgumentOutOfRangeException(nameof(intervals));
        return Forecast(history, decisionTime, intervals, () => Inner.Forecast(history, decisionTime, intervals));
    }

    /// <summary>The inner forecaster's window forecast (<see cref="IWindowForecaster"/>), remembered by decision time.</summary>
    public IntervalForecast ForecastWindow(MarketHistory history, DateTimeOffset decisionTime)
    {
        if (Inner is not IWindowForecaster windows) throw new InvalidOperationException($"{Inner.Name} does not forecast SCED windows");
        // Intervals 0 marks a window forecast: Forecast refuses fewer than 1 interval, so the keys never meet.
        return Forecast(history, decisionTime, 0, () => new PriceForecast(decisionTime, [windows.ForecastWindow(history, decisionTime)])).Intervals[0];
    }

    private PriceForecast Forecast(MarketHistory history, DateTimeOffset decisionTime, int key, Func<PriceForecast> make)
    {
        if (_history is null) _history = history;
        else if (!ReferenceEquals(_history, history))
            throw new InvalidOperationException("a memo forecaster serves one market history");
        if (LatestDecisionTime is not { } t || decisionTime > t) LatestDecisionTime = decisionTime;
        lock (_seen)
        {
            if (_seen.TryGetValue((decisionTime.UtcTicks, key), out var known)) return known;
        }
        var forecast = make();
        lock (_seen) _seen[(decisionTime.UtcTicks, key)] = forecast;
        return forecast;
    }
}
