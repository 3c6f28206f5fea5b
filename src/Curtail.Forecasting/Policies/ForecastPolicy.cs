using Curtail.Core.Decisions;
using Curtail.Core.Economics;
using Curtail.Core.Policies;
using Curtail.Core.Sites;
using Curtail.Forecasting.Models;

namespace Curtail.Forecasting.Policies;

/// <summary>
/// Curtails when the expected cost of running over the coming intervals exceeds the hash revenue. Each cycle it
/// forecasts the next intervals, turns each into an expected price, and plans the groups over that path with the
/// same exact planner the oracle uses (so wake time and minimum on/off times are counted): a group curtails now
/// when the best plan starts curtailed, which happens ahead of a likely spike and not for one too short to pay for
/// the wake-up. A curtailed group wakes only when the coming intervals' expected margin repays the wake-up.
/// </summary>
public sealed class ForecastPolicy : ICurtailmentPolicy
{
    private readonly IPriceForecaster _forecaster;
    private readonly Func<MarketHistory> _history;
    private readonly SiteDefinition _site;
    private readonly IntervalEconomics _economics;
    private readonly ForecastPolicyOptions _options;
    private readonly DateTimeOffset? _trainedThrough;

    public ForecastPolicy(IPriceForecaster forecaster, Func<MarketHistory> history, SiteDefinition site, ForecastPolicyOptions? options = null)
    {
        _forecaster = forecaster;
        _history = history;
        _site = site;
        _economics = new IntervalEconomics(site);
        _options = options ?? new ForecastPolicyOptions();
        _trainedThrough = forecaster is GbrtPriceForecaster g ? g.Provenance.TrainTo : null;
    }

    public string Name => "forecast";

    /// <summary>How old the newest settled price may be before the policy stops trusting the history.</summary>
    public static readonly TimeSpan DefaultMaxStaleness = TimeSpan.FromHours(1);

    /// <summary>True when the last decision fell back to the last settled price because the history had stopped.</summary>
    public bool IsRunningOnStaleData { get; private set; }

    /// <summary>The forecast behind the last decision, for logs and reports (null after a stale-data fallback).</summary>
    public PriceForecast? LastForecast { get; private set; }

    /// <summary>The price the policy plans with for a forecast interval.</summary>
    public double ExpectedPrice(in IntervalForecast f) => _options.Expectation switch
    {
        PriceExpectation.Mean => f.Mean,
        _ => 0.3 * f.P10 + 0.4 * f.P50 + 0.3 * f.P90,
    } + _options.RiskWeight * Math.Max(0, f.P90 - f.P50);

    public void Decide(in DecisionInputs inputs, ReadOnlySpan<GroupState> groups, Span<GroupIntent> intents)
    {
        var start = new DateTimeOffset(inputs.IntervalStartTicks, TimeSpan.Zero);
        if (_trainedThrough is { } trained && start < trained)
            throw new InvalidOperationException(
                $"the forecast model was trained on data up to {trained:u} and cannot decide {start:u}: train it on data before the simulated period");
        var history = _history();
        var n = _options.Horizon;
        var starts = new long[n];
        var ends = new long[n];
        var expected = new double[n];
        var settled = history.SettledCount(start);
        var fresh = settled > 0 && start.UtcTicks - history.RealTime.EndTicks[settled - 1] <= _options.MaxStaleness.Ticks;
        IsRunningOnStaleData = !fresh;
        if (fresh)
        {
            var forecast = _forecaster.Forecast(history, start, n);
            LastForecast = forecast;
            for (var i = 0; i < n; i++)
            {
                var f = forecast.Intervals[i];
                starts[i] = f.StartUtc.UtcTicks;
                ends[i] = f.EndUtc.UtcTicks;
                expected[i] = ExpectedPrice(f);
            }
        }
        else
        {
            // The market history has stopped (feed outage): features would describe an old market, so plan on the
            // last settled price the engine has, as the threshold rule would, until the feed is back.
            LastForecast = null;
            var step = inputs.IntervalEndTicks - inputs.IntervalStartTicks;
            var last = inputs.LastSettledPrice ?? (settled > 0 ? history.RealTime.Prices[settled - 1] : 0);
            for (var i = 0; i < n; i++)
            {
                starts[i] = inputs.IntervalStartTicks + i * step;
                ends[i] = starts[i] + step;
                expected[i] = last;
            }
        }
        var hashprice = HashpriceSeries.Constant(inputs.HashpriceUsdPerThDay);
        var plan = OraclePlanner.Plan(_economics, _site.Constraints, starts, ends, expected, hashprice);
        var hours = (ends[0] - starts[0]) / (double)TimeSpan.TicksPerHour;
        for (var g = 0; g < groups.Length; g++)
        {
            var fraction = plan.PowerFractions[g][0];
            var aboveBreakeven = _economics.CostPerHourAtFull(g, expected[0]) > _economics.RevenuePerHourAtFull(g, inputs.HashpriceUsdPerThDay);
            if (!groups[g].IsRunning && fraction > 0 && !WakeRepays(g, expected, hours, inputs.HashpriceUsdPerThDay))
            {
                intents[g] = GroupIntent.Curtail(DecisionReason.ForecastWakeNotRepaid);
                continue;
            }
            intents[g] = fraction > 0
                ? GroupIntent.Run(aboveBreakeven ? DecisionReason.ForecastRideThrough : DecisionReason.ForecastRun, fraction)
                : GroupIntent.Curtail(aboveBreakeven ? DecisionReason.ForecastCurtail : DecisionReason.ForecastPreCurtail);
        }
    }

    /// <summary>Whether running through the wake-up and the minimum on time earns more than it costs, in expectation.</summary>
    private bool WakeRepays(int group, double[] expected, double hours, double hashprice)
    {
        var c = _site.Constraints;
        var wakeHours = c.WakeMinutes / 60;
        var window = Math.Clamp((int)Math.Ceiling((c.WakeMinutes + c.MinOnMinutes) / 60 / hours), 1, expected.Length);
        var revenuePerHour = _economics.RevenuePerHourAtFull(group, hashprice);
        double value = 0;
        var wakeLeft = wakeHours;
        for (var i = 0; i < window; i++)
        {
            var waking = Math.Min(wakeLeft, hours);
            wakeLeft -= waking;
            var cost = _economics.CostPerHourAtFull(group, expected[i]);
            value += (hours - waking) * (revenuePerHour - cost) - waking * cost;
        }
        return value > 0;
    }
}

/// <summary>Settings of <see cref="ForecastPolicy"/>.</summary>
public sealed record ForecastPolicyOptions
{
    /// <summary>Intervals forecast and planned over each cycle.</summary>
    public int Horizon { get; init; } = 24;

    /// <summary>Extra weight on the upper spread (P90 − P50): 0 is risk-neutral, higher curtails earlier.</summary>
    public double RiskWeight { get; init; }

    public PriceExpectation Expectation { get; init; } = PriceExpectation.Quantiles;

    /// <summary>Older market history than this makes the policy fall back to the last settled price.</summary>
    public TimeSpan MaxStaleness { get; init; } = ForecastPolicy.DefaultMaxStaleness;
}

/// <summary>How a forecast interval becomes the single price the planner uses.</summary>
public enum PriceExpectation
{
    /// <summary>0.3·P10 + 0.4·P50 + 0.3·P90 (Swanson's rule): robust to the heavy tail.</summary>
    Quantiles,

    /// <summary>The least-squares mean ensemble: unbiased in principle, but pulled around by rare spikes in training.</summary>
    Mean,
}
