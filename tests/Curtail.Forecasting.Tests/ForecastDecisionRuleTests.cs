using Curtail.Core.Decisions;
using Curtail.Core.Fleet;
using Curtail.Core.Sites;
using Curtail.Forecasting.Policies;

namespace Curtail.Forecasting.Tests;

/// <summary>The per-group decision on the P10/P50/P90 distribution, and the SCED confirm layer.</summary>
public class ForecastDecisionRuleTests
{
    /// <summary>Forecasts programmed (P10, P50, P90) triples, the last one repeated; counts its calls.</summary>
    private sealed class DistributionForecaster(params (double P10, double P50, double P90)[] path) : IPriceForecaster
    {
        public int Calls { get; private set; }
        public string Name => "distribution";
        public double StrikePrice => 100;

        public PriceForecast Forecast(MarketHistory history, DateTimeOffset decisionTime, int intervals)
        {
            Calls++;
            var floored = new DateTimeOffset(decisionTime.UtcTicks - decisionTime.UtcTicks % MarketHistory.Interval.Ticks, TimeSpan.Zero);
            var list = new IntervalForecast[intervals];
            for (var i = 0; i < intervals; i++)
            {
                var (p10, p50, p90) = path[Math.Min(i, path.Length - 1)];
                var s = floored + MarketHistory.Interval * i;
                list[i] = new IntervalForecast(s, s + MarketHistory.Interval, p10, p50, p90, p50, p90 > 100 ? 0.1 : 0);
            }
            return new PriceForecast(decisionTime, list);
        }
    }

    private static FleetGroup Group(string name, double watts) => new(name, "Antminer S19j Pro", 120, 100, watts, 1);

    private static SiteDefinition Site(OperatingConstraints constraints, params FleetGroup[] groups) => new("t", "HB_WEST",
        new EnergySettings(4, EnergyContract.Index, null),
        new EconomicsSettings(new HashpriceSource(0.08, null), 0.02),
        groups,
        new PolicySettings(PolicyKind.Threshold, 90, 90, 1, null, 1),
        constraints);

    private static readonly OperatingConstraints Easy = new(30, 5, 15, 15);
    private static readonly MarketHistory History = new(Synthetic.Prices(3, 1));
    private static readonly DateTimeOffset IntervalStart = Synthetic.Start.AddDays(2);
    private static readonly GroupState Running = GroupState.RunningLongSince;
    private static readonly GroupState Curtailed = new(GroupMode.Curtailed, GroupState.LongAgoTicks, 0);

    private static GroupIntent[] Decide(ForecastPolicy policy, GroupState[] states, double[]? sced = null, int subInterval = 0)
    {
        var intents = new GroupIntent[states.Length];
        var step = sced is null ? MarketHistory.Interval : TimeSpan.FromMinutes(5);
        var start = IntervalStart + step * subInterval;
        policy.Decide(new DecisionInputs
        {
            IntervalStartTicks = start.UtcTicks,
            IntervalEndTicks = (start + step).UtcTicks,
            SettledPrices = new[] { 30.0, 30.0 },
            HashpriceUsdPerThDay = 0.08,
            DecidesOnSced = sced is not null,
            ScedPrices = sced ?? [],
        }, states, intents);
        return intents;
    }

    // ∫_x^∞ P(X > y) dy by the trapezoid rule on a fine grid, to check the closed form against.
    private static double NumericExcess(QuantileDistribution d, double x)
    {
        var top = d.P90 + 60 * (d.P90 - d.P50);
        const int n = 200_000;
        var h = (top - x) / n;
        double sum = 0;
        for (var i = 0; i < n; i++) sum += 0.5 * (d.Exceedance(x + i * h) + d.Exceedance(x + (i + 1) * h)) * h;
        return sum;
    }

    [Fact]
    public void The_distribution_honours_its_quantiles_and_its_excess_is_the_integral_of_its_exceedance()
    {
        var d = new QuantileDistribution(20, 40, 200);
        Assert.Equal(0.9, d.Exceedance(d.P10), 9);
        Assert.Equal(0.5, d.Exceedance(d.P50), 9);
        Assert.Equal(0.1, d.Exceedance(d.P90), 9);
        foreach (var x in new[] { 0.0, 25, 40, 103, 200, 260 })
            Assert.Equal(NumericExcess(d, x), d.ExpectedExcess(x), 3);
        // Far below all the mass, the excess over x is the mean minus x.
        Assert.Equal(d.Mean - (-1000), d.ExpectedExcess(-1000), 6);
        Assert.True(d.ExpectedShortfall(103) >= 0);
        // Crossed quantile models are sorted rather than producing a negative density.
        var crossed = new QuantileDistribution(50, 30, 40);
        Assert.True(crossed.P10 <= crossed.P50 && crossed.P50 <= crossed.P90);
    }

    [Fact]
    public void A_group_whose_breakeven_is_below_P10_is_curtailed_and_one_above_P90_runs()
    {
        // Same forecast for both groups: $80-$100-$130. The hot group (6,000 W per 100 TH) breaks even near $50, the
        // efficient one (1,500 W) near $210.
        var site = Site(Easy, Group("hot", 6000), Group("efficient", 1500));
        var policy = new ForecastPolicy(new DistributionForecaster((80, 100, 130)), () => History, site);
        var intents = Decide(policy, [Running, Running]);
        Assert.False(intents[0].WantsRunning);
        Assert.True(intents[1].WantsRunning);
        var outlook = policy.LastOutlook!;
        Assert.True(outlook[0].BreakevenUsdPerMwh < 80 && outlook[1].BreakevenUsdPerMwh > 130);
        Assert.True(outlook[0].ExceedanceProbability > 0.9);
        Assert.True(outlook[1].ExceedanceProbability < 0.1);
        Assert.True(outlook[0].ExpectedExcessUsdPerMwh > outlook[1].ExpectedExcessUsdPerMwh);
    }

    [Fact]
    public void The_excess_weight_moves_a_group_near_breakeven_under_a_heavy_upper_tail()
    {
        // $20-$40-$200: the mean is below the ≈$103 breakeven, but a fat share of the mass lies above it.
        var site = Site(Easy, Group("s19", 3050));
        var forecaster = new DistributionForecaster((20, 40, 200));
        var neutral = new ForecastPolicy(forecaster, () => History, site, new ForecastPolicyOptions { ExcessWeight = 0 });
        var averse = new ForecastPolicy(forecaster, () => History, site, new ForecastPolicyOptions { ExcessWeight = 3 });
        Assert.True(Decide(neutral, [Running])[0].WantsRunning);
        Assert.False(Decide(averse, [Running])[0].WantsRunning);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ForecastPolicy(forecaster, () => History, site, new ForecastPolicyOptions { ExcessWeight = -1 }));
    }

    [Fact]
    public void Minimum_on_and_off_times_are_counted_in_the_decision()
    {
        var spike = (900.0, 1000.0, 1200.0);
        var cheap = (10.0, 20.0, 30.0);
        // One interval of spike: with a 60-minute minimum off time stopping costs more than it saves; without it, stop.
        var longOff = Site(new OperatingConstraints(30, 5, 60, 15), Group("s19", 3050));
        var noOff = Site(new OperatingConstraints(30, 0, 0, 0), Group("s19", 3050));
        Assert.True(Decide(new ForecastPolicy(new DistributionForecaster((200, 250, 300), cheap), () => History, longOff), [Running])[0].WantsRunning);
        Assert.False(Decide(new ForecastPolicy(new DistributionForecaster((200, 250, 300), cheap), () => History, noOff), [Running])[0].WantsRunning);
        // A curtailed group facing one cheap interval then a long spike does not wake when it would have to stay on 30 minutes.
        var longOn = Site(new OperatingConstraints(30, 5, 15, 30), Group("s19", 3050));
        var gap = new DistributionForecaster(cheap, spike, spike, spike, spike, cheap);
        var intent = Decide(new ForecastPolicy(gap, () => History, longOn), [Curtailed])[0];
        Assert.False(intent.WantsRunning);
    }

    [Fact]
    public void On_the_SCED_clock_two_runs_above_breakeven_stop_a_group_the_forecast_would_run()
    {
        var site = Site(Easy, Group("s19", 3050));
        var cheap = new DistributionForecaster((10, 20, 30));
        var policy = new ForecastPolicy(cheap, () => History, site);
        Assert.True(Decide(policy, [Running], sced: [20, 25])[0].WantsRunning);
        // One run above breakeven is not confirmed.
        Assert.True(Decide(policy, [Running], sced: [20, 400], subInterval: 1)[0].WantsRunning);
        var two = Decide(policy, [Running], sced: [20, 400, 500], subInterval: 2)[0];
        Assert.False(two.WantsRunning);
        Assert.Equal(DecisionReason.ForecastScedCurtail, two.Reason);
        // The three SCED runs of one 15-minute interval share one forecast.
        Assert.Equal(1, cheap.Calls);
        // With the layer off, the forecast's decision stands.
        var off = new ForecastPolicy(new DistributionForecaster((10, 20, 30)), () => History, site, new ForecastPolicyOptions { ScedConfirmRuns = 0 });
        Assert.True(Decide(off, [Running], sced: [400, 500])[0].WantsRunning);
        // At the 15-minute cadence there are no SCED runs to react to.
        Assert.True(Decide(new ForecastPolicy(new DistributionForecaster((10, 20, 30)), () => History, site), [Running])[0].WantsRunning);
    }

    [Fact]
    public void On_the_SCED_clock_two_runs_below_breakeven_wake_a_group_only_when_running_repays()
    {
        var site = Site(Easy, Group("s19", 3050));
        // The forecast expects this interval at $1,000, then cheap power: it curtails the interval.
        var spikeThenCheap = new DistributionForecaster((900, 1000, 1200), (10, 20, 30));
        var policy = new ForecastPolicy(spikeThenCheap, () => History, site);
        Assert.False(Decide(policy, [Curtailed], sced: [900, 1000])[0].WantsRunning);
        // The spike ends within the interval: two SCED runs well below breakeven wake the group.
        var woken = Decide(policy, [Curtailed], sced: [1000, 20, 20], subInterval: 1)[0];
        Assert.True(woken.WantsRunning);
        Assert.Equal(DecisionReason.ForecastScedRun, woken.Reason);
        // When the next interval is forecast to spike again, the same two low runs do not repay waking.
        var spikeAgain = new DistributionForecaster((900, 1000, 1200), (900, 1000, 1200), (10, 20, 30));
        var held = new ForecastPolicy(spikeAgain, () => History, site);
        Assert.False(Decide(held, [Curtailed], sced: [1000, 20, 20], subInterval: 1)[0].WantsRunning);
    }
}
