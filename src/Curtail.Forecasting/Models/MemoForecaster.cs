namespace Curtail.Forecasting.Models;

/// <summary>
/// Remembers the forecasts of another forecaster by (decision time, intervals), for one market history: a tuning
/// sweep runs the same year under many decision settings, and the forecasts do not depend on them.
/// </summary>
public sealed class MemoForecaster(IPriceForecaster inner) : IPriceForecaster
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
        if (_history is null) _history = history;
        else if (!ReferenceEquals(_history, history))
            throw new InvalidOperationException("a memo forecaster serves one market history");
        if (LatestDecisionTime is not { } t || decisionTime > t) LatestDecisionTime = decisionTime;
        lock (_seen)
        {
            if (_seen.TryGetValue((decisionTime.UtcTicks, intervals), out var known)) return known;
        }
        var forecast = Inner.Forecast(history, decisionTime, intervals);
        lock (_seen) _seen[(decisionTime.UtcTicks, intervals)] = forecast;
        return forecast;
    }
}
