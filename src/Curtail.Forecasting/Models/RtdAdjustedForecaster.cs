using Curtail.Core.Prices;

namespace Curtail.Forecasting.Models;

/// <summary>
/// A forecaster that moves another's forecast toward ERCOT's RTD indicative LMPs (NP6-970-CD) where the latest RTD run
/// covers a forecast interval. RTD has no history (ERCOT's public API keeps only recent runs and none is shipped), so
/// it cannot be a trained feature: it is applied live, after the model, by <see cref="RtdAdjustment"/>. With no RTD
/// run in the history, or a stale one, the forecast is the inner forecaster's, unchanged (every backtest).
/// </summary>
public sealed class RtdAdjustedForecaster(IPriceForecaster inner) : IPriceForecaster, IWindowForecaster
{
    public IPriceForecaster Inner { get; } = inner;
    public string Name => Inner.Name;
    public double StrikePrice => Inner.StrikePrice;

    /// <summary>
    /// The inner forecast, with each interval the RTD run covers moved toward the run's prices. The run's age is judged
    /// at <paramref name="decisionTime"/> itself (not floored): ask at the decision's own time for RTD to count.
    /// </summary>
    public PriceForecast Forecast(MarketHistory history, DateTimeOffset decisionTime, int intervals)
    {
        var forecast = Inner.Forecast(history, decisionTime, intervals);
        if (RtdAdjustment.Usable(history.Rtd, decisionTime) is not { } rtd) return forecast;
        var adjusted = new IntervalForecast[forecast.Intervals.Count];
        for (var i = 0; i < adjusted.Length; i++) adjusted[i] = RtdAdjustment.Apply(forecast.Intervals[i], rtd.Prices, StrikePrice);
        return forecast with { Intervals = adjusted };
    }

    /// <summary>The inner window forecast (<see cref="IWindowForecaster"/>), moved toward a usable RTD run over the window it covers.</summary>
    public IntervalForecast ForecastWindow(MarketHistory history, DateTimeOffset decisionTime)
    {
        if (Inner is not IWindowForecaster windows) throw new InvalidOperationException($"{Inner.Name} does not forecast SCED windows");
        var forecast = windows.ForecastWindow(history, decisionTime);
        return RtdAdjustment.Usable(history.Rtd, decisionTime) is { } rtd ? RtdAdjustment.Apply(forecast, rtd.Prices, StrikePrice) : forecast;
    }
}

/// <summary>
/// How an RTD look-ahead changes a 15-minute forecast. An interval's settlement price is (near enough) the time-weighted
/// mean of the SCED LMPs inside it, so if a share <c>c</c> of the interval is covered by RTD intervals whose
/// time-weighted mean price is <c>r</c>, the price is <c>c·r + (1 − c)·X</c> with <c>X</c> the price of the rest, which
/// the model's distribution stands for. That map is increasing, so each quantile moves exactly:
/// <c>Pk' = c·r + (1 − c)·Pk</c>, and so does the mean. An interval RTD does not reach (<c>c = 0</c>) is untouched; one it
/// covers wholly becomes RTD's price. The spike probability, a model output with no quantile behind it, becomes
/// <c>(1 − c)·p + c·[r &gt; strike]</c>: the covered share votes with RTD's price. RTD's own error is not modelled
/// (no RTD history to measure it on): the indication is taken at its word for the time it covers.
/// </summary>
public static class RtdAdjustment
{
    /// <summary>
    /// A run older than this is ignored: RTD runs every 5 minutes, so a run two cycles old means the RTD poll has
    /// stopped, and its prices describe a market that has moved on.
    /// </summary>
    public static readonly TimeSpan MaxRunAge = TimeSpan.FromMinutes(10);

    /// <summary>The run when it can be used at <paramref name="decisionTime"/>: known by then (not after it) and at most <see cref="MaxRunAge"/> old.</summary>
    public static RtdLookAhead? Usable(RtdLookAhead? rtd, DateTimeOffset decisionTime) =>
        rtd is { Prices.Count: > 0 } && rtd.RunUtc <= decisionTime && rtd.AgeAt(decisionTime) <= MaxRunAge ? rtd : null;

    /// <summary>The share of [start, end) the RTD intervals cover, and their time-weighted mean price there (NaN when none).</summary>
    public static (double Share, double Price) Coverage(PriceSeries rtd, DateTimeOffset start, DateTimeOffset end)
    {
        long covered = 0;
        double weighted = 0;
        for (var k = 0; k < rtd.Count; k++)
        {
            var overlap = Math.Min(rtd.EndTicks[k], end.UtcTicks) - Math.Max(rtd.StartTicks[k], start.UtcTicks);
            if (overlap <= 0) continue;
            covered += overlap;
            weighted += overlap * rtd.Prices[k];
        }
        return covered == 0 ? (0, double.NaN) : (Math.Min(1, covered / (double)(end - start).Ticks), weighted / covered);
    }

    /// <summary>One interval's forecast moved toward RTD by the share of it RTD covers (the class summary has the rule).</summary>
    public static IntervalForecast Apply(in IntervalForecast f, PriceSeries rtd, double strike)
    {
        var (c, r) = Coverage(rtd, f.StartUtc, f.EndUtc);
        if (c == 0) return f;
        double Toward(double x) => c * r + (1 - c) * x;
        return f with
        {
            P10 = Toward(f.P10),
            P50 = Toward(f.P50),
            P90 = Toward(f.P90),
            Mean = Toward(f.Mean),
            SpikeProbability = (1 - c) * f.SpikeProbability + c * (r > strike ? 1 : 0),
        };
    }
}
