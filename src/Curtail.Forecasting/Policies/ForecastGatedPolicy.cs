using Curtail.Core.Decisions;
using Curtail.Core.Economics;
using Curtail.Core.Policies;
using Curtail.Core.Sites;
using Curtail.Forecasting.Models;

namespace Curtail.Forecasting.Policies;

/// <summary>
/// A reactive rule on each group's breakeven, gated by the forecast's probability that the interval being decided
/// settles above that breakeven. The reactive rule loses by curtailing on one-interval false alarms, resuming into
/// the next spike, staying off below breakeven after a spike and curtailing late (market-2026.md §3); each gate
/// targets one of those: a fired trigger is vetoed when the probability is low, a resume is held while it is high, a
/// curtailed group resumes early when it is low, a running group curtails before the trigger when it is high.
/// With every gate off it is the plain breakeven-offset reactive rule (and needs no forecaster).
/// On the SCED clock, by <see cref="ForecastGateOptions.ScedMode"/>: counting runs, the trigger counts SCED
/// runs (<see cref="ForecastGateOptions.ScedConfirmRuns"/>) and, being newer than the forecast made at the interval's
/// start, is not vetoed or held; only the pre-curtail and early resume gates act within the interval. On SCED windows
/// (the default) the whole 15-minute rule runs on the 15 minutes ending at each run (<see cref="SlidingWindows"/>), with the model's
/// forecast of the next 15 minutes made from them (<see cref="IWindowForecaster"/>), so every gate acts; counting runs
/// with the window forecast, the runs trigger is gated by that fresh forecast.
/// </summary>
public sealed class ForecastGatedPolicy : ICurtailmentPolicy
{
    private readonly IPriceForecaster? _forecaster;
    private readonly Func<MarketHistory>? _history;
    private readonly IntervalEconomics _economics;
    private readonly ForecastGateOptions _options;
    private readonly DateTimeOffset? _trainedThrough;
    private static readonly long SettlementTicks = MarketHistory.Interval.Ticks;

    public ForecastGatedPolicy(IPriceForecaster? forecaster, Func<MarketHistory>? history, SiteDefinition site, ForecastGateOptions options)
    {
        options.Validate();
        if (options.UsesForecast && (forecaster is null || history is null))
            throw new ArgumentException("the forecast gates need a forecaster and a market history", nameof(forecaster));
        if (options.UsesForecast && options.ScedMode != ScedDecisionMode.Runs && forecaster is not IWindowForecaster)
            throw new ArgumentException($"SCED windows need a forecaster of 15-minute windows; {forecaster!.Name} is not one", nameof(forecaster));
        _forecaster = forecaster;
        _history = history;
        _economics = new IntervalEconomics(site);
        _options = options;
        _trainedThrough = TrainedThrough(forecaster);
    }

    public string Name => "forecast-gated";

    /// <summary>The end of the model's training data, for a forecaster that is (or wraps) a trained model.</summary>
    public static DateTimeOffset? TrainedThrough(IPriceForecaster? forecaster) => forecaster switch
    {
        GbrtPriceForecaster g => g.Provenance.TrainTo,
        MemoForecaster m => TrainedThrough(m.Inner),
        RtdAdjustedForecaster r => TrainedThrough(r.Inner),
        _ => null,
    };

    /// <summary>
    /// Per group, P(price of the interval decided &gt; breakeven) behind the last decision (null with the gates off or
    /// stale data); the policy's own array, overwritten by the next decision.
    /// </summary>
    public IReadOnlyList<double>? LastExceedance { get; private set; }

    /// <summary>The price at which running group <paramref name="group"/> at full power earns nothing.</summary>
    public double BreakevenPrice(int group, double hashprice) => _economics.BreakevenPrice(group, hashprice);

    private long _plannedStart = long.MinValue;
    private int _plannedSettled = -1;
    private long _plannedRtdRun = long.MinValue;
    private IntervalForecast? _interval;
    private readonly double[] _windows = new double[SlidingWindowPolicy.Windows];
    private long _windowAt = long.MinValue;
    private int _windowScedRuns = -1;

    // Per decision only the prices change: the breakevens follow the day's hashprice and each group's probability
    // follows the interval's forecast, so both are kept until those change (a year on the SCED clock decides 105k
    // times on 35k forecasts and 366 hashprices).
    private double _breakevenHashprice = double.NaN;
    private double[] _breakevens = [];
    private double[] _exceedance = [];
    private IntervalForecast? _exceedanceOf;

    public void Decide(in DecisionInputs inputs, ReadOnlySpan<GroupState> groups, Span<GroupIntent> intents)
    {
        var start = new DateTimeOffset(inputs.IntervalStartTicks, TimeSpan.Zero);
        if (_trainedThrough is { } trained && start < trained)
            throw new InvalidOperationException(
                $"the forecast model was trained on data up to {trained:u} and cannot decide {start:u}: train it on data before the simulated period");
        // SCED windows: the 15-minute rule on the 15 minutes ending at this run, its forecast made from those windows.
        // Runs with the window forecast: the trigger counts SCED runs, the forecast is made from those windows and gates it.
        var windows = inputs.DecidesOnSced && _options.ScedMode == ScedDecisionMode.Windows;
        var windowForecast = inputs.DecidesOnSced && _options.ScedMode != ScedDecisionMode.Runs;
        var forecast = !_options.UsesForecast ? null : windowForecast ? WindowForecastOf(start) : ForecastOf(start);
        var breakevensChanged = false;
        if (_breakevens.Length != groups.Length || !inputs.HashpriceUsdPerThDay.Equals(_breakevenHashprice))
        {
            if (_breakevens.Length != groups.Length) (_breakevens, _exceedance) = (new double[groups.Length], new double[groups.Length]);
            for (var g = 0; g < groups.Length; g++) _breakevens[g] = BreakevenPrice(g, inputs.HashpriceUsdPerThDay);
            _breakevenHashprice = inputs.HashpriceUsdPerThDay;
            breakevensChanged = true;
        }
        if (forecast is { } f && (breakevensChanged || _exceedanceOf is not { } last || !f.Equals(last)))
        {
            var distribution = QuantileDistribution.Of(f);
            for (var g = 0; g < groups.Length; g++) _exceedance[g] = distribution.Exceedance(_breakevens[g]);
            _exceedanceOf = f;
        }
        var sced = inputs.DecidesOnSced && !windows;
        var prices = inputs.DecisionPrices;
        if (windows)
        {
            var n = SlidingWindows.Fill(inputs.IntervalStartTicks, inputs.LastSettledEndTicks, inputs.SettledPrices, inputs.ScedPrices, _windows);
            prices = _windows.AsSpan(_windows.Length - n);
        }
        var confirm = sced ? _options.ScedConfirmRuns : _options.Confirm;
        // A forecast made at the interval's start is older than a SCED trigger and does not veto or hold it; one made at
        // this run from the windows ending here is as fresh as the trigger and does.
        var gates = !sced || windowForecast;
        for (var g = 0; g < groups.Length; g++)
            intents[g] = Gate(prices, groups[g].IsRunning, _breakevens[g], confirm, forecast is null ? double.NaN : _exceedance[g], sced, gates);
        LastExceedance = forecast is null ? null : _exceedance;
    }

    private GroupIntent Gate(ReadOnlySpan<double> prices, bool running, double breakeven, int confirm, double q, bool sced, bool gates)
    {
        if (prices.IsEmpty)
            return running ? GroupIntent.Run(DecisionReason.NoSettledPrice) : GroupIntent.Curtail(DecisionReason.NoSettledPrice);
        var o = _options;
        var known = !double.IsNaN(q);
        if (running)
        {
            var fired = prices.Length >= confirm;
            if (fired)
                foreach (var p in prices[^confirm..])
                    fired &= p > breakeven + o.CurtailMarginUsdPerMwh;
            if (fired)
                return known && gates && q < o.VetoBelow ? GroupIntent.Run(DecisionReason.ForecastVeto) : GroupIntent.Curtail(DecisionReason.AboveStrike);
            return known && q >= o.PreCurtailAbove ? GroupIntent.Curtail(DecisionReason.ForecastPreCurtail) : GroupIntent.Run(DecisionReason.BelowStrike);
        }
        // On SCED one run below the resume strike is not enough either: the same number of runs as to curtail.
        var resume = prices.Length >= confirm || !sced;
        var runs = sced ? Math.Min(confirm, prices.Length) : 1;
        foreach (var p in prices[^runs..])
            resume &= p < breakeven - o.ResumeMarginUsdPerMwh;
        if (resume)
            return known && gates && q >= o.HoldAbove ? GroupIntent.Curtail(DecisionReason.ForecastHold) : GroupIntent.Run(DecisionReason.BelowResumeStrike);
        return known && q < o.EarlyResumeBelow ? GroupIntent.Run(DecisionReason.ForecastEarlyResume) : GroupIntent.Curtail(DecisionReason.HysteresisHold);
    }

    // One forecast per 15-minute interval (and again when a new settled price arrives within it, as live): the
    // forecast reads settled prices only, so the SCED runs inside an interval share it. Live, a new RTD run (or one
    // going stale) within the interval changes it too (RtdAdjustedForecaster); backtests have no RTD.
    private IntervalForecast? ForecastOf(DateTimeOffset start)
    {
        var history = _history!();
        var settled = history.SettledCount(start);
        var planStart = start.UtcTicks - start.UtcTicks % SettlementTicks;
        var rtdRun = RtdAdjustment.Usable(history.Rtd, start)?.RunUtc.UtcTicks ?? long.MinValue;
        if (planStart == _plannedStart && settled == _plannedSettled && rtdRun == _plannedRtdRun) return _interval;
        _windowAt = long.MinValue;
        _plannedStart = planStart;
        _plannedSettled = settled;
        _plannedRtdRun = rtdRun;
        var fresh = settled > 0 && start.UtcTicks - history.RealTime.EndTicks[settled - 1] <= _options.MaxStaleness.Ticks;
        // A stopped feed: the features would describe an old market, so the gates stand aside and the trigger decides.
        // Asked at the interval's start: the same prices are settled then as at any SCED run inside it (and a backtest's
        // memo serves the interval's runs from one forecast). With a usable RTD run, at the decision itself: the run was
        // posted within the interval and its age counts from now. The model floors the time, so its part is the same.
        var at = rtdRun == long.MinValue ? new DateTimeOffset(planStart, TimeSpan.Zero) : start;
        _interval = fresh ? _forecaster!.Forecast(history, at, 1).Intervals[0] : null;
        return _interval;
    }

    // SCED windows: one forecast per 5-minute part (the window moves with it), again when a settled price, a SCED run or
    // an RTD run arrives within it, as live.
    private IntervalForecast? WindowForecastOf(DateTimeOffset start)
    {
        var history = _history!();
        var at = SlidingWindows.FloorToPart(start.UtcTicks);
        var settled = history.SettledCount(start);
        var scedRuns = history.Sced?.Count ?? 0;
        var rtdRun = RtdAdjustment.Usable(history.Rtd, start)?.RunUtc.UtcTicks ?? long.MinValue;
        if (at == _windowAt && settled == _plannedSettled && scedRuns == _windowScedRuns && rtdRun == _plannedRtdRun) return _interval;
        (_windowAt, _plannedSettled, _windowScedRuns, _plannedRtdRun) = (at, settled, scedRuns, rtdRun);
        _plannedStart = long.MinValue;
        var fresh = settled > 0 && start.UtcTicks - history.RealTime.EndTicks[settled - 1] <= _options.MaxStaleness.Ticks;
        // Asked at the 5-minute boundary (a backtest's memo then serves every policy from one forecast per part); with a
        // usable RTD run, at the decision itself, since the run's age counts from now. The model floors the time.
        var when = rtdRun == long.MinValue ? new DateTimeOffset(at, TimeSpan.Zero) : start;
        _interval = fresh ? ((IWindowForecaster)_forecaster!).ForecastWindow(history, when) : null;
        return _interval;
    }
}

/// <summary>Settings of <see cref="ForecastGatedPolicy"/>; probabilities are P(price of the interval decided &gt; the group's breakeven).</summary>
public sealed record ForecastGateOptions
{
    /// <summary>The trigger curtails when the last <see cref="Confirm"/> prices are above breakeven plus this.</summary>
    public double CurtailMarginUsdPerMwh { get; init; }

    /// <summary>The trigger resumes when the last price is below breakeven minus this.</summary>
    public double ResumeMarginUsdPerMwh { get; init; }

    /// <summary>Settled intervals above the curtail strike the trigger needs (15-minute clock).</summary>
    public int Confirm { get; init; } = 1;

    /// <summary>SCED runs the trigger needs on the SCED clock, to curtail and to resume (fixed a priori: no SCED history before 2024).</summary>
    public int ScedConfirmRuns { get; init; } = 2;

    /// <summary>
    /// How the rule reads SCED LMPs on the SCED clock: the 15-minute rule with every gate on the 15 minutes ending at each
    /// run (<see cref="ScedDecisionMode.Windows"/>, the default, as the site file's), or counting runs
    /// (<see cref="ScedConfirmRuns"/>, no veto or hold).
    /// </summary>
    public ScedDecisionMode ScedMode { get; init; } = ScedDecisionMode.Windows;

    /// <summary>A fired trigger is vetoed when the probability is below this (0: never).</summary>
    public double VetoBelow { get; init; }

    /// <summary>A running group curtails before the trigger when the probability is at least this (above 1: never).</summary>
    public double PreCurtailAbove { get; init; } = Off;

    /// <summary>A resume is held while the probability is at least this (above 1: never).</summary>
    public double HoldAbove { get; init; } = Off;

    /// <summary>A curtailed group resumes before the resume trigger when the probability is below this (0: never).</summary>
    public double EarlyResumeBelow { get; init; }

    /// <summary>Older market history than this turns the gates off until the feed is back.</summary>
    public TimeSpan MaxStaleness { get; init; } = ForecastPolicy.DefaultMaxStaleness;

    /// <summary>A gate threshold that never opens.</summary>
    public const double Off = 2;

    public bool UsesForecast => VetoBelow > 0 || PreCurtailAbove <= 1 || HoldAbove <= 1 || EarlyResumeBelow > 0;

    public void Validate()
    {
        if (Confirm < 1) throw new ArgumentOutOfRangeException(nameof(Confirm), Confirm, "the trigger needs at least 1 interval");
        if (ScedConfirmRuns < 1) throw new ArgumentOutOfRangeException(nameof(ScedConfirmRuns), ScedConfirmRuns, "the SCED trigger needs at least 1 run");
        if (ResumeMarginUsdPerMwh < -CurtailMarginUsdPerMwh)
            throw new ArgumentOutOfRangeException(nameof(ResumeMarginUsdPerMwh), ResumeMarginUsdPerMwh, "the resume strike must not be above the curtail strike");
        foreach (var (name, v) in new[] { (nameof(VetoBelow), VetoBelow), (nameof(PreCurtailAbove), PreCurtailAbove), (nameof(HoldAbove), HoldAbove), (nameof(EarlyResumeBelow), EarlyResumeBelow) })
            if (!(v is >= 0 and <= 1) && v != Off) throw new ArgumentOutOfRangeException(name, v, "a probability threshold is between 0 and 1 (or 2 for never)");
        if (PreCurtailAbove <= VetoBelow && PreCurtailAbove <= 1)
            throw new ArgumentOutOfRangeException(nameof(PreCurtailAbove), PreCurtailAbove, "the pre-curtail threshold must be above the veto threshold");
    }

    /// <summary>
    /// The gate thresholds chosen on the training years only (docs/forecasting.md, "Validation of the gates"):
    /// forward chaining with `curtail forecast-tune`, model trained 2021 scored on 2022 and model trained 2021-2022
    /// scored on 2023, each fold's trigger chosen on its model's training years; the setting of highest total profit
    /// over both folds. The trigger's margins are chosen again on the scored model's own training years.
    /// </summary>
    public static ForecastGateOptions Validated => new()
    {
        VetoBelow = 0.4, PreCurtailAbove = Off, HoldAbove = Off, EarlyResumeBelow = 0.05,
    };
}
