using Curtail.Core.Decisions;
using Curtail.Core.Fleet;
using Curtail.Core.Sites;
using Curtail.Forecasting.Policies;
using Curtail.Forecasting.Training;

namespace Curtail.Forecasting.Tests;

public class ForecastPolicyTests
{
    /// <summary>Returns a programmed price path, whatever the history says.</summary>
    private sealed class ScriptedForecaster(params double[] path) : IPriceForecaster
    {
        public string Name => "scripted";
        public double StrikePrice => 100;

        public PriceForecast Forecast(MarketHistory history, DateTimeOffset decisionTime, int intervals)
        {
            var list = new IntervalForecast[intervals];
            for (var i = 0; i < intervals; i++)
            {
                var p = path[Math.Min(i, path.Length - 1)];
                var s = decisionTime + MarketHistory.Interval * i;
                list[i] = new IntervalForecast(s, s + MarketHistory.Interval, p, p, p, p, p > 100 ? 1 : 0);
            }
            return new PriceForecast(decisionTime, list);
        }
    }

    // One group of 120 S19j Pro: 0.366 MW, 12 PH/s; at hashprice 0.08 it breaks even near $103/MWh with a $4 adder.
    private static SiteDefinition Site(double wakeMinutes, double minOffMinutes) => new("t", "HB_WEST",
        new EnergySettings(4, EnergyContract.Index, null),
        new EconomicsSettings(new HashpriceSource(0.08, null), 0.02),
        [new FleetGroup("old", "Antminer S19j Pro", 120, 100, 3050, 1)],
        new PolicySettings(PolicyKind.Threshold, 90, 90, 1, null, 1),
        new OperatingConstraints(30, wakeMinutes, minOffMinutes, 15));

    private static readonly MarketHistory History = new(Synthetic.Prices(3, 1));

    private static GroupIntent Decide(ForecastPolicy policy, GroupState state, double lastSettled)
    {
        var start = Synthetic.Start.AddDays(2);
        Span<GroupIntent> intents = new GroupIntent[1];
        var inputs = new DecisionInputs
        {
            IntervalStartTicks = start.UtcTicks,
            IntervalEndTicks = (start + MarketHistory.Interval).UtcTicks,
            SettledPrices = new[] { 30.0, lastSettled },
            HashpriceUsdPerThDay = 0.08,
        };
        policy.Decide(inputs, [state], intents);
        return intents[0];
    }

    private static readonly GroupState RunningLong = GroupState.RunningLongSince;
    private static readonly GroupState CurtailedLong = new(GroupMode.Curtailed, GroupState.LongAgoTicks, 0);

    [Fact]
    public void Curtails_ahead_of_a_forecast_spike_that_settled_prices_do_not_show_yet()
    {
        var policy = new ForecastPolicy(new ScriptedForecaster(2000, 2000, 2000, 30), () => History, Site(10, 15));
        Assert.False(Decide(policy, RunningLong, lastSettled: 30).WantsRunning);
    }

    [Fact]
    public void Rides_through_a_short_spike_that_would_not_repay_the_wake_up()
    {
        // One interval at $150 (≈$4 loss) against a 30-minute minimum off time and a 15-minute wake: stopping costs more.
        var policy = new ForecastPolicy(new ScriptedForecaster(150, 30), () => History, Site(15, 30));
        Assert.True(Decide(policy, RunningLong, lastSettled: 150).WantsRunning);
        // The same spike held for two hours is worth stopping for.
        var longSpike = new ForecastPolicy(new ScriptedForecaster(150, 150, 150, 150, 150, 150, 150, 150, 30), () => History, Site(15, 30));
        Assert.False(Decide(longSpike, RunningLong, lastSettled: 150).WantsRunning);
    }

    [Fact]
    public void A_curtailed_group_stays_down_into_a_spike_and_wakes_when_running_pays()
    {
        var spikeAhead = new ForecastPolicy(new ScriptedForecaster(40, 3000, 3000, 3000, 40), () => History, Site(10, 15));
        Assert.False(Decide(spikeAhead, CurtailedLong, lastSettled: 40).WantsRunning);
        var cheap = new ForecastPolicy(new ScriptedForecaster(20), () => History, Site(10, 15));
        Assert.True(Decide(cheap, CurtailedLong, lastSettled: 2000).WantsRunning);
    }

    [Fact]
    public void Falls_back_to_the_last_settled_price_when_the_history_has_stopped()
    {
        // History ends a day before the decision: the forecast (a spike) is not trusted; $20 last settled means run.
        var stale = new MarketHistory(Synthetic.Prices(1, 1));
        var policy = new ForecastPolicy(new ScriptedForecaster(2000), () => stale, Site(10, 15));
        Assert.True(Decide(policy, RunningLong, lastSettled: 20).WantsRunning);
        Assert.True(policy.IsRunningOnStaleData);
        Assert.Null(policy.LastForecast);
        Assert.False(Decide(policy, RunningLong, lastSettled: 900).WantsRunning);

        var live = new ForecastPolicy(new ScriptedForecaster(2000), () => History, Site(10, 15));
        Assert.False(Decide(live, RunningLong, lastSettled: 20).WantsRunning);
        Assert.False(live.IsRunningOnStaleData);
    }

    [Fact]
    public void Decisions_name_the_forecast_reason()
    {
        // A spike in the very next interval: curtail because of this interval's expected price.
        var spike = new ForecastPolicy(new ScriptedForecaster(2000, 2000, 2000, 30), () => History, Site(10, 15));
        Assert.Equal(DecisionReason.ForecastCurtail, Decide(spike, RunningLong, lastSettled: 30).Reason);
        // One interval at $150 (above the ≈$103 breakeven) with a 30-minute minimum off: run through it.
        var shortSpike = new ForecastPolicy(new ScriptedForecaster(150, 30), () => History, Site(15, 30));
        Assert.Equal(DecisionReason.ForecastRideThrough, Decide(shortSpike, RunningLong, lastSettled: 150).Reason);
        // Cheap power: run.
        var cheap = new ForecastPolicy(new ScriptedForecaster(20), () => History, Site(10, 15));
        Assert.Equal(DecisionReason.ForecastRun, Decide(cheap, RunningLong, lastSettled: 20).Reason);
        Assert.Equal(DecisionReason.ForecastRun, Decide(cheap, CurtailedLong, lastSettled: 2000).Reason);
        // A curtailed group with a cheap interval and then a long spike: waking for one interval does not repay it.
        var spikeAhead = new ForecastPolicy(new ScriptedForecaster(40, 3000, 3000, 3000, 40), () => History, Site(10, 15));
        var stay = Decide(spikeAhead, CurtailedLong, lastSettled: 40).Reason;
        Assert.Contains(stay, new[] { DecisionReason.ForecastPreCurtail, DecisionReason.ForecastWakeNotRepaid });
    }

    [Fact]
    public void A_running_group_stops_ahead_of_a_spike_when_it_needs_time_to_stop()
    {
        // Sleeping takes 30 minutes here: to be down through the spike the group must stop while power is still cheap.
        var slowSleep = Site(10, 15) with { Constraints = new OperatingConstraints(1800, 10, 15, 15) };
        var policy = new ForecastPolicy(new ScriptedForecaster(40, 40, 5000, 5000, 5000, 5000, 40), () => History, slowSleep);
        var intent = Decide(policy, RunningLong, lastSettled: 40);
        Assert.False(intent.WantsRunning);
        Assert.Equal(DecisionReason.ForecastPreCurtail, intent.Reason);
    }

    [Fact]
    public void Refuses_a_model_trained_on_the_period_it_is_asked_to_decide()
    {
        var history = new MarketHistory(Synthetic.Prices(12, 2));
        var result = ForecastTrainer.Train(history, new TrainingPlan
        {
            Name = "leaky", TrainFrom = Synthetic.Start, TrainTo = Synthetic.Start.AddDays(10), Horizon = 4,
            Gbrt = new GbrtOptions { Trees = 5, MaxDepth = 3 },
        });
        var policy = new ForecastPolicy(result.Model, () => history, Site(10, 15));
        var ex = Assert.Throws<InvalidOperationException>(() => Decide(policy, RunningLong, 30));
        Assert.Contains("trained on data up to", ex.Message);
    }
}
