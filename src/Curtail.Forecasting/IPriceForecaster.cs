namespace Curtail.Forecasting;

/// <summary>
/// Forecasts the settlement prices of the intervals starting at a decision time, from what is known then.
/// </summary>
public interface IPriceForecaster
{
    string Name { get; }

    /// <summary>Price above which an interval counts as a spike for <see cref="IntervalForecast.SpikeProbability"/>.</summary>
    double StrikePrice { get; }

    /// <summary>
    /// Forecasts the <paramref name="intervals"/> intervals starting at <paramref name="decisionTime"/> (floored to the
    /// interval grid). Only prices settled before the decision time are used.
    /// </summary>
    PriceForecast Forecast(MarketHistory history, DateTimeOffset decisionTime, int intervals);
}

/// <summary>A forecast issued at <see cref="IssuedAt"/> for consecutive intervals.</summary>
public sealed record PriceForecast(DateTimeOffset IssuedAt, IReadOnlyList<IntervalForecast> Intervals);

/// <summary>
/// Quantiles and expected value of the settlement price of one interval, and the probability it exceeds the strike.
/// The mean matters for decisions (the expected cost of running is linear in price) and is pulled up by rare
/// spikes that the quantiles do not see.
/// </summary>
public readonly record struct IntervalForecast(
    DateTimeOffset StartUtc, DateTimeOffset EndUtc, double P10, double P50, double P90, double Mean, double SpikeProbability);
