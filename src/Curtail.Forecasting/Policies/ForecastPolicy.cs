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
        if (_options.ExcessWeight <= -1) throw new ArgumentOutOfRangeException(nameof(options), _options.ExcessWeight, "the excess weight must be above -1");
        if (_options.ScedConfirmRuns < 0) throw new ArgumentOutOfRangeException(nameof(options), _options.ScedConfirmRuns, "the SCED confirm runs must be 0 or more");
        _trainedThrough = ForecastGatedPolicy.TrainedThrough(forecaster);
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
        _ => QuantileDistribution.Of(f).Mean,
    } + _options.RiskWeight * Math.Max(0, f.P90 - f.P50);

    /// <summary>
    /// Per group, for the interval decided by the last call: the group's breakeven, the probability that the next
    /// interval's price exceeds it and the expected excess above it, from the quantile distribution (null after a
    /// stale-data fallback).
    /// </summary>
    public IReadOnlyList<GroupOutlook>? LastOutlook { get; private set; }

    /// <summary>The price at which running group <paramref name="group"/> at full power earns nothing.</summary>
    public double BreakevenPrice(int group, double hashprice) => _economics.BreakevenPrice(group, hashprice);

    // The plan of the current 15-minute interval, reused by the SCED runs inside it (the forecast reads settled
    // 15-minute prices only, so it changes within the interval only when a new one is published: live, an interval's
    // SPP can arrive after its first SCED run, and then the interval is planned again).
    private long _plannedStart = long.MinValue;
    private int _plannedSettled = -1;
    private long _plannedRtdRun = long.MinValue;
    private double _plannedHashprice = double.NaN;
    private double[][] _paths = [];
    private double[] _firstFractions = [];
    private long _step;

    public void Decide(in DecisionInputs inputs, ReadOnlySpan<GroupState> groups, Span<GroupIntent> intents)
    {
        var start = new DateTimeOffset(inputs.IntervalStartTicks, TimeSpan.Zero);
        if (_trainedThrough is { } trained && start < trained)
            throw new InvalidOperationException(
                $"the forecast model was trained on data up to {trained:u} and cannot decide {start:u}: train it on data before the simulated period");
        var hashpriceNow = inputs.HashpriceUsdPerThDay;
        var planStart = inputs.DecidesOnSced ? start.UtcTicks - start.UtcTicks % SettlementTicks : start.UtcTicks;
        var history = _history();
        var settled = history.SettledCount(start);
        // Live, a new RTD run within the interval (RtdAdjustedForecaster) is new information too: plan again.
        var rtdRun = RtdAdjustment.Usable(history.Rtd, start)?.RunUtc.UtcTicks ?? long.MinValue;
        if (planStart != _plannedStart || hashpriceNow != _plannedHashprice || settled != _plannedSettled || rtdRun != _plannedRtdRun || !inputs.DecidesOnSced)
        {
            PlanInterval(inputs, start, planStart, history, settled, groups.Length);
            _plannedRtdRun = rtdRun;
        }
        var hours = _step / (double)TimeSpan.TicksPerHour;
        var sced = inputs.DecidesOnSced ? inputs.ScedPrices : ReadOnlySpan<double>.Empty;
        var confirm = _options.ScedConfirmRuns;
        var confirmed = confirm > 0 && sced.Length >= confirm;
        for (var g = 0; g < groups.Length; g++)
        {
            var path = _paths[g];
            var breakeven = BreakevenPrice(g, hashpriceNow);
            var wantsRun = _firstFractions[g] > 0;
            var aboveBreakeven = path[0] > breakeven;
            if (confirmed)
            {
                // SCED confirm layer: the forecast decided the interval from 15-minute prices; within it, the last
                // `confirm` SCED runs all on one side of the group's breakeven override it. Stopping needs only the
                // runs; running (or waking) also needs the margin over the wake-up and minimum on time to be
                // positive with the interval's price replaced by the latest SCED LMP.
                var allAbove = true;
                var allBelow = true;
                for (var k = 1; k <= confirm; k++)
                {
                    allAbove &= sced[^k] > breakeven;
                    allBelow &= sced[^k] < breakeven;
                }
                if (wantsRun && allAbove)
                {
                    intents[g] = GroupIntent.Curtail(DecisionReason.ForecastScedCurtail);
                    continue;
                }
                if (!wantsRun && allBelow)
                {
                    var withSced = (double[])path.Clone();
                    withSced[0] = sced[^1];
                    if (MarginRepays(g, withSced, hours, hashpriceNow, waking: !groups[g].IsRunning))
                    {
                        intents[g] = GroupIntent.Run(DecisionReason.ForecastScedRun);
                        continue;
                    }
                }
            }
            if (!groups[g].IsRunning && wantsRun && !MarginRepays(g, path, hours, hashpriceNow, waking: true))
            {
                intents[g] = GroupIntent.Curtail(DecisionReason.ForecastWakeNotRepaid);
                continue;
            }
            intents[g] = wantsRun
                ? GroupIntent.Run(aboveBreakeven ? DecisionReason.ForecastRideThrough : DecisionReason.ForecastRun, _firstFractions[g])
                : GroupIntent.Curtail(aboveBreakeven ? DecisionReason.ForecastCurtail : DecisionReason.ForecastPreCurtail);
        }
    }

    private static readonly long SettlementTicks = TimeSpan.FromMinutes(15).Ticks;

    private void PlanInterval(in DecisionInputs inputs, DateTimeOffset start, long planStart, MarketHistory history, int settled, int groupCount)
    {
        var n = _options.Horizon;
        var starts = new long[n];
        var ends = new long[n];
        var fresh = settled > 0 && start.UtcTicks - history.RealTime.EndTicks[settled - 1] <= _options.MaxStaleness.Ticks;
        IsRunningOnStaleData = !fresh;
        var hashprice = inputs.HashpriceUsdPerThDay;
        var breakevens = new double[groupCount];
        for (var g = 0; g < groupCount; g++) breakevens[g] = BreakevenPrice(g, hashprice);
        var paths = new double[groupCount][];
        for (var g = 0; g < groupCount; g++) paths[g] = new double[n];
        if (fresh)
        {
            var forecast = _forecaster.Forecast(history, start, n);
            LastForecast = forecast;
            var outlook = new GroupOutlook[groupCount];
            for (var i = 0; i < n; i++)
            {
                var f = forecast.Intervals[i];
                starts[i] = f.StartUtc.UtcTicks;
                ends[i] = f.EndUtc.UtcTicks;
                var d = QuantileDistribution.Of(f);
                var legacy = _options.Expectation == PriceExpectation.Mean ? f.Mean : d.Mean;
                var risk = _options.RiskWeight * Math.Max(0, f.P90 - f.P50);
                for (var g = 0; g < groupCount; g++)
                {
                    var excess = d.ExpectedExcess(breakevens[g]);
                    paths[g][i] = legacy + risk + _options.ExcessWeight * excess;
                    if (i == 0) outlook[g] = new GroupOutlook(breakevens[g], d.Exceedance(breakevens[g]), excess, paths[g][0]);
                }
            }
            LastOutlook = outlook;
        }
        else
        {
            // The market history has stopped (feed outage): features would describe an old market, so plan on the
            // last settled price the engine has, as the threshold rule would, until the feed is back.
            LastForecast = null;
            LastOutlook = null;
            var step = inputs.IntervalEndTicks - inputs.IntervalStartTicks;
            if (inputs.DecidesOnSced) step = SettlementTicks;
            var last = inputs.LastSettledPrice ?? (settled > 0 ? history.RealTime.Prices[settled - 1] : 0);
            var first = inputs.DecidesOnSced ? start.UtcTicks - start.UtcTicks % SettlementTicks : inputs.IntervalStartTicks;
            for (var i = 0; i < n; i++)
            {
                starts[i] = first + i * step;
                ends[i] = starts[i] + step;
                for (var g = 0; g < groupCount; g++) paths[g][i] = last;
            }
        }
        var hashpriceSeries = HashpriceSeries.Constant(hashprice);
        var fractions = new double[groupCount];
        var shared = _options.ExcessWeight == 0 || !fresh;
        var sharedPlan = shared ? OraclePlanner.Plan(_economics, _site.Constraints, starts, ends, paths[0], hashpriceSeries) : null;
        for (var g = 0; g < groupCount; g++)
        {
            // Each group plans on its own certainty-equivalent path (its expected excess above its own breakeven
            // weighs in); groups are independent in the planner, so group g's row of a plan on its path is its plan.
            var plan = sharedPlan ?? OraclePlanner.Plan(_economics, _site.Constraints, starts, ends, paths[g], hashpriceSeries);
            fractions[g] = plan.PowerFractions[g][0];
        }
        _paths = paths;
        _firstFractions = fractions;
        _step = ends[0] - starts[0];
        _plannedStart = planStart;
        _plannedSettled = settled;
        _plannedHashprice = hashprice;
    }

    /// <summary>
    /// Whether running through the wake-up (when <paramref name="waking"/>) and the minimum on time earns more than it
    /// costs, in expectation over <paramref name="expected"/>.
    /// </summary>
    private bool MarginRepays(int group, double[] expected, double hours, double hashprice, bool waking)
    {
        var c = _site.Constraints;
        var wakeHours = waking ? c.WakeMinutes / 60 : 0;
        var window = Math.Clamp((int)Math.Ceiling((wakeHours * 60 + c.MinOnMinutes) / 60 / hours), 1, expected.Length);
        var revenuePerHour = _economics.RevenuePerHourAtFull(group, hashprice);
        double value = 0;
        var wakeLeft = wakeHours;
        for (var i = 0; i < window; i++)
        {
            var wakeNow = Math.Min(wakeLeft, hours);
            wakeLeft -= wakeNow;
            var cost = _economics.CostPerHourAtFull(group, expected[i]);
            value += (hours - wakeNow) * (revenuePerHour - cost) - wakeNow * cost;
        }
        return value > 0;
    }
}

/// <summary>What the forecast says about one group's next interval.</summary>
/// <param name="BreakevenUsdPerMwh">Price at which the group earns nothing at full power.</param>
/// <param name="ExceedanceProbability">P(next price &gt; breakeven) from the P10/P50/P90 distribution.</param>
/// <param name="ExpectedExcessUsdPerMwh">E[(next price − breakeven)⁺].</param>
/// <param name="PlannedPriceUsdPerMwh">The certainty-equivalent price the group plans the interval with.</param>
public readonly record struct GroupOutlook(double BreakevenUsdPerMwh, double ExceedanceProbability, double ExpectedExcessUsdPerMwh, double PlannedPriceUsdPerMwh);

/// <summary>Settings of <see cref="ForecastPolicy"/>.</summary>
public sealed record ForecastPolicyOptions
{
    /// <summary>Intervals forecast and planned over each cycle.</summary>
    public int Horizon { get; init; } = 24;

    /// <summary>Extra weight on the upper spread (P90 − P50): 0 is risk-neutral, higher curtails earlier.</summary>
    public double RiskWeight { get; init; }

    public PriceExpectation Expectation { get; init; } = PriceExpectation.Quantiles;

    /// <summary>
    /// Extra weight on each group's expected excess above its own breakeven, E[(price − breakeven)⁺], in the price
    /// the group plans with: 0 plans on the distribution's mean (risk-neutral); k counts an expected dollar above
    /// breakeven as 1 + k dollars; must be above −1 (at −1 no price would ever stop a group). The default, −0.5, was
    /// chosen on the training years only (model trained 2021-2022, validated on 2023, both shipped sites; of
    /// −0.75 … +4 it was best or tied on both): the interpolated upper tail overstates how much of it the group would
    /// pay, so discounting it curtails less often and later.
    /// </summary>
    public double ExcessWeight { get; init; } = DefaultExcessWeight;

    /// <summary>The validated <see cref="ExcessWeight"/>.</summary>
    public const double DefaultExcessWeight = -0.5;

    /// <summary>
    /// On the SCED clock: this many consecutive SCED LMPs on one side of a group's breakeven override the forecast's
    /// decision for the interval (0 turns the layer off). Ignored at the 15-minute cadence.
    /// </summary>
    public int ScedConfirmRuns { get; init; } = 2;

    /// <summary>Older market history than this makes the policy fall back to the last settled price.</summary>
    public TimeSpan MaxStaleness { get; init; } = ForecastPolicy.DefaultMaxStaleness;
}

/// <summary>How a forecast interval becomes the single price the planner uses.</summary>
public enum PriceExpectation
{
    /// <summary>
    /// The mean of the P10/P50/P90 distribution (<see cref="QuantileDistribution"/>): 0.3·P10 + 0.4·P50 + 0.3·P90
    /// (Swanson's rule) plus a skew term; robust to the heavy tail.
    /// </summary>
    Quantiles,

    /// <summary>The least-squares mean ensemble: unbiased in principle, but pulled around by rare spikes in training.</summary>
    Mean,
}
