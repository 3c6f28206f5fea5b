namespace Curtail.Forecasting;

/// <summary>
/// A forecaster that can also forecast the 15 minutes starting at a decision between settlement boundaries, on the SCED
/// clock, from the 15-minute windows ending there (<see cref="Core.Decisions.SlidingWindows"/>): the running interval's
/// SCED LMPs are then its freshest price. At a settlement boundary it is the ordinary horizon-1 forecast.
/// </summary>
public interface IWindowForecaster
{
    /// <summary>
    /// The forecast of [t, t + 15 min), <c>t</c> the decision time floored to 5 minutes, from what is known at
    /// <paramref name="decisionTime"/>: settled prices and the SCED LMPs of the running interval.
    /// </summary>
    IntervalForecast ForecastWindow(MarketHistory history, DateTimeOffset decisionTime);
}
