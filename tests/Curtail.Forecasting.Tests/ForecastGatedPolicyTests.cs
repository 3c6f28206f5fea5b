using Curtail.Core.Decisions;
using Curtail.Core.Fleet;
using Curtail.Core.Sites;
using Curtail.Forecasting.Models;
using Curtail.Forecasting.Policies;

namespace Curtail.Forecasting.Tests;

/// <summary>The gated forecast rule: a breakeven-offset reactive trigger whose decisions the forecast's exceedance probability vetoes, holds or brings forward.</summary>
public class ForecastGatedPolicyTests
{
    /// <summary>Forecasts one (P10, P50, P90) for every interval; counts its calls.</summary>
    private sealed class FixedForecaster(double p10, double p50, double p90) : IPriceForecaster
    {
        public int Calls { get; private set; }
        public string Name => "fixed";
        public double StrikePrice => 100;

        public PriceForecast Forecast(MarketHistory history, DateTimeOffset decisionTime, int intervals)
        {
            Calls++;
            var s = MarketHistory.FloorToInterval(decisionTime);
            return new PriceForecast(decisionTime, Enumerable.Range(0, intervals)
                .Select(i => new IntervalForecast(s + MarketHistory.Interval * i, s + MarketHistory.Interval * (i + 1), p10, p50, p90, p50, 0)).ToList());
        }
    }

    private static readonly SiteDefinition Site = new("t", "HB_WEST",
        new EnergySettings(0, EnergyContract.Index, null),
        new EconomicsSettings(new HashpriceSource(0.045, null), 0),
        [new FleetGroup("s19", "100 TH/s at 3050 W", 3000, 100, 3050, 1)],
        new PolicySettings(PolicyKind.Threshold, 62, 55, 1, null, 1),
        new OperatingConstraints(5, 5, 15, 15));

    private static readonly MarketHistory History = new(Synthetic.Prices(3, 1));
    private static readonly DateTimeOffset IntervalStart = Synthetic.Start.AddDays(2);
    private static readonly GroupState[] Running = [GroupState.RunningLongSince];
    private static readonly GroupState[] Curtailed = [new(GroupMode.Curtailed, GroupState.LongAgoTicks, 0)];

    private static ForecastGatedPolicy Policy(IPriceForecaster? forecaster, ForecastGateOptions options) =>
        new(forecaster, forecaster is null ? null : () => History, Site, options);

    private static GroupIntent Decide(ForecastGatedPolicy policy, GroupState[] states, double[] settled, double[]? sced = null, int run = 0)
    {
        var intents = new GroupIntent[1];
        var step = sced is null ? MarketHistory.Interval : TimeSpan.FromMinutes(5);
        var start = IntervalStart + step * run;
        policy.Decide(new DecisionInputs
        {
            IntervalStartTicks = start.UtcTicks,
            IntervalEndTicks = (start + step).UtcTicks,
            SettledPrices = settled,
            HashpriceUsdPerThDay = 0.045,
            DecidesOnSced = sced is not null,
            ScedPrices = sced ?? [],
        }, states, intents);
        return intents[0];
    }

    // These tests are of the rule counting SCED runs; SCED windows (the default) are ScedWindowTests'.
    private static readonly ForecastGateOptions Trigger = new() { CurtailMarginUsdPerMwh = 4, ResumeMarginUsdPerMwh = 4, ScedMode = ScedDecisionMode.Runs };

    [Fact]
    public void The_breakeven_is_the_hash_revenue_per_MWh_and_with_the_gates_off_it_is_the_reactive_rule_without_a_forecaster()
    {
        var policy = Policy(null, Trigger);
        // 100 TH/s × $0.045/TH/day / 24 h over 3.05 kW.
        var breakeven = 100 * 0.045 / 24 / 0.00305;
        Assert.Equal(breakeven, policy.BreakevenPrice(0, 0.045), 6);
        Assert.Equal(DecisionReason.BelowStrike, Decide(policy, Running, [30, breakeven + 3.9]).Reason);
        Assert.Equal(DecisionReason.AboveStrike, Decide(policy, Running, [30, breakeven + 4.1]).Reason);
        Assert.Equal(DecisionReason.HysteresisHold, Decide(policy, Curtailed, [200, breakeven - 3.9]).Reason);
        Assert.Equal(DecisionReason.BelowResumeStrike, Decide(policy, Curtailed, [200, breakeven - 4.1]).Reason);
        Assert.Null(policy.LastExceedance);
        Assert.Throws<ArgumentException>(() => Policy(null, Trigger with { VetoBelow = 0.3 }));
    }

    [Fact]
    public void A_one_interval_spike_the_forecast_gives_a_low_probability_is_vetoed_and_a_likely_one_is_not()
    {
        var gated = Trigger with { VetoBelow = 0.4 };
        var calm = new FixedForecaster(20, 30, 45);
        var veto = Decide(Policy(calm, gated), Running, [30, 150]);
        Assert.True(veto.WantsRunning);
        Assert.Equal(DecisionReason.ForecastVeto, veto.Reason);

        var stormy = new FixedForecaster(50, 120, 400);
        var curtail = Decide(Policy(stormy, gated), Running, [30, 150]);
        Assert.False(curtail.WantsRunning);
        Assert.Equal(DecisionReason.AboveStrike, curtail.Reason);
    }

    [Fact]
    public void A_resume_is_held_while_the_forecast_stays_high_and_a_group_resumes_early_when_it_is_low()
    {
        var hold = Decide(Policy(new FixedForecaster(50, 120, 400), Trigger with { HoldAbove = 0.5 }), Curtailed, [200, 40]);
        Assert.False(hold.WantsRunning);
        Assert.Equal(DecisionReason.ForecastHold, hold.Reason);

        var early = Decide(Policy(new FixedForecaster(10, 20, 30), Trigger with { EarlyResumeBelow = 0.05 }), Curtailed, [200, 62]);
        Assert.True(early.WantsRunning);
        Assert.Equal(DecisionReason.ForecastEarlyResume, early.Reason);

        var pre = Decide(Policy(new FixedForecaster(70, 150, 500), Trigger with { PreCurtailAbove = 0.8 }), Running, [30, 40]);
        Assert.False(pre.WantsRunning);
        Assert.Equal(DecisionReason.ForecastPreCurtail, pre.Reason);
    }

    [Fact]
    public void On_SCED_two_runs_above_the_trigger_curtail_even_when_the_forecast_made_before_them_is_calm_and_one_forecast_serves_the_interval()
    {
        var calm = new FixedForecaster(20, 30, 45);
        var policy = Policy(calm, Trigger with { VetoBelow = 0.4 });
        Assert.True(Decide(policy, Running, [30, 30], sced: [30, 150], run: 0).WantsRunning);
        var stop = Decide(policy, Running, [30, 30], sced: [30, 150, 160], run: 1);
        Assert.False(stop.WantsRunning);
        Assert.Equal(DecisionReason.AboveStrike, stop.Reason);
        // A curtailed group needs two runs below the resume strike as well.
        Assert.False(Decide(policy, Curtailed, [30, 30], sced: [150, 40], run: 2).WantsRunning);
        Assert.True(Decide(policy, Curtailed, [30, 30], sced: [150, 40, 41], run: 2).WantsRunning);
        Assert.Equal(1, calm.Calls);
    }

    [Fact]
    public void A_stale_history_turns_the_gates_off_and_the_trigger_decides()
    {
        var calm = new FixedForecaster(20, 30, 45);
        var stale = new ForecastGatedPolicy(calm, () => new MarketHistory(Synthetic.Prices(1, 1)), Site, Trigger with { VetoBelow = 0.4 });
        var intent = Decide(stale, Running, [30, 150]);
        Assert.Equal(DecisionReason.AboveStrike, intent.Reason);
        Assert.Equal(0, calm.Calls);
        Assert.Null(stale.LastExceedance);
    }

    [Fact]
    public void The_memo_forecaster_asks_its_model_once_per_decision_time_and_serves_one_history()
    {
        var inner = new FixedForecaster(20, 30, 45);
        var memo = new MemoForecaster(inner);
        var a = memo.Forecast(History, IntervalStart, 1);
        Assert.Same(a, memo.Forecast(History, IntervalStart, 1));
        memo.Forecast(History, IntervalStart.AddMinutes(15), 1);
        Assert.Equal(2, inner.Calls);
        Assert.Equal(IntervalStart.AddMinutes(15), memo.LatestDecisionTime);
        Assert.Throws<InvalidOperationException>(() => memo.Forecast(new MarketHistory(Synthetic.Prices(3, 2)), IntervalStart, 1));
    }

    [Fact]
    public void A_history_cut_at_a_time_holds_nothing_that_starts_at_or_after_it()
    {
        var full = new MarketHistory(Synthetic.Prices(3, 1), dayAhead: Synthetic.Prices(3, 2), sced: Synthetic.Prices(3, 3));
        var end = Synthetic.Start.AddDays(1).AddHours(5);
        var cut = full.Until(end);
        Assert.True(cut.RealTime.Count > 0);
        Assert.True(cut.RealTime.StartTicks[^1] < end.UtcTicks);
        Assert.True(cut.DayAhead!.StartTicks[^1] < end.UtcTicks);
        Assert.True(cut.Sced!.StartTicks[^1] < end.UtcTicks);
        Assert.Equal(full.RealTime.FirstStartingAtOrAfter(end.UtcTicks), cut.RealTime.Count);
    }

    /// <summary>An RTD run at <paramref name="run"/> pricing the 12 five-minute intervals after it at <paramref name="lmp"/>.</summary>
    private static MarketHistory WithRtd(DateTimeOffset run, double lmp)
    {
        var step = TimeSpan.FromMinutes(5).Ticks;
        var first = run.UtcTicks - run.UtcTicks % step + step;
        var starts = Enumerable.Range(0, 12).Select(k => first + k * step).ToArray();
        return new MarketHistory(History.RealTime)
        {
            Rtd = new Core.Prices.RtdLookAhead(run, new Core.Prices.PriceSeries("HB_WEST", starts, starts.Select(x => x + step).ToArray(), Enumerable.Repeat(lmp, 12).ToArray())),
        };
    }

    [Fact]
    public void A_fresh_rtd_run_covering_the_interval_lifts_the_veto_of_a_spike_the_model_calls_unlikely_and_a_stale_one_does_not()
    {
        var gated = Trigger with { VetoBelow = 0.4 };
        GroupIntent DecideWith(MarketHistory history, IPriceForecaster model) =>
            Decide(new ForecastGatedPolicy(new RtdAdjustedForecaster(model), () => history, Site, gated), Running, [30, 150]);

        // The model alone calls the interval calm: the fired trigger is vetoed (as without RTD).
        var calm = new FixedForecaster(20, 30, 45);
        Assert.Equal(DecisionReason.ForecastVeto, DecideWith(WithRtd(IntervalStart.AddMinutes(-11), 900), calm).Reason);
        // RTD posted 2 minutes before the interval prices all of it at $900: the spike is real, the group curtails.
        Assert.Equal(DecisionReason.AboveStrike, DecideWith(WithRtd(IntervalStart.AddMinutes(-2), 900), calm).Reason);
        // And the other way: a model that expects a spike, RTD pricing the interval at $20: the trigger is vetoed.
        var stormy = new FixedForecaster(50, 120, 400);
        Assert.Equal(DecisionReason.AboveStrike, DecideWith(new MarketHistory(History.RealTime), stormy).Reason);
        Assert.Equal(DecisionReason.ForecastVeto, DecideWith(WithRtd(IntervalStart.AddMinutes(-2), 20), stormy).Reason);
    }

    [Fact]
    public void On_SCED_a_new_rtd_run_within_the_interval_makes_the_forecast_again_and_the_same_run_does_not()
    {
        var calm = new FixedForecaster(20, 30, 45);
        var history = WithRtd(IntervalStart.AddMinutes(-1), 40);
        var policy = new ForecastGatedPolicy(new RtdAdjustedForecaster(calm), () => history, Site, Trigger with { EarlyResumeBelow = 0.05 });
        Decide(policy, Running, [30, 30], sced: [30, 30], run: 0);
        Decide(policy, Running, [30, 30], sced: [30, 30, 30], run: 1);
        Assert.Equal(1, calm.Calls);
        history = WithRtd(IntervalStart.AddMinutes(9), 40);
        Decide(policy, Running, [30, 30], sced: [30, 30, 30, 30], run: 2);
        Assert.Equal(2, calm.Calls);
    }
}
