using Curtail.Core.Decisions;
using Curtail.Core.Fleet;
using Curtail.Core.Policies;
using Curtail.Core.Prices;
using Curtail.Core.Sites;
using Curtail.Core.Time;
using Curtail.Ercot;
using Curtail.Forecasting.Data;
using Curtail.Forecasting.Models;
using Curtail.Forecasting.Policies;

namespace Curtail.Forecasting.Tests;

/// <summary>
/// SCED windows: the 15 minutes ending at each SCED run as one more settled interval on a shifted grid, for the reactive
/// trigger (<see cref="SlidingWindows"/>, <see cref="SlidingWindowPolicy"/>), the model (<see cref="IWindowForecaster"/>)
/// and the gated rule's two SCED modes that use them.
/// </summary>
public class ScedWindowTests
{
    private static readonly DateTimeOffset IntervalStart = Synthetic.Start.AddDays(2);
    private static readonly TimeSpan Part = TimeSpan.FromMinutes(5);

    [Fact]
    public void The_window_ending_at_a_run_blends_the_last_settled_price_with_the_running_intervals_SCED_LMPs()
    {
        double[] settled = [10, 20, 40];
        double[] sced = [5, 7, 100, 130];
        var w = new double[4];

        // On the settlement boundary the windows are the settled prices.
        Assert.Equal(3, SlidingWindows.Fill(IntervalStart.UtcTicks, settled, sced, w));
        Assert.Equal([10, 20, 40], w[1..]);

        // Ten minutes in (two parts): ((3 − 2)·40 + 100 + 130) / 3, and older windows shifted by two parts.
        var n = SlidingWindows.Fill((IntervalStart + Part * 2 + TimeSpan.FromSeconds(40)).UtcTicks, settled, sced, w);
        Assert.Equal(3, n);
        Assert.Equal((40 + 100 + 130) / 3.0, w[^1], 9);
        Assert.Equal((20 + 2 * 40) / 3.0, w[^2], 9);
        Assert.Equal((10 + 2 * 20) / 3.0, w[^3], 9);

        // Five minutes in: two thirds of the last settled price, one SCED LMP.
        SlidingWindows.Fill((IntervalStart + Part).UtcTicks, settled, sced, w);
        Assert.Equal((2 * 40 + 130) / 3.0, w[^1], 9);
        Assert.Equal(0, SlidingWindows.Fill(IntervalStart.UtcTicks, [], sced, w));

        // Live, the previous interval's price not posted yet (the last settled one ended 15 minutes before this one
        // began): its three parts come from the SCED runs, and the older windows from the settled prices before it.
        var lagging = SlidingWindows.Fill(IntervalStart.UtcTicks, IntervalStart.AddMinutes(-15).UtcTicks, settled, sced, w);
        Assert.Equal(4, lagging);
        Assert.Equal([10, 20, 40, (7 + 100 + 130) / 3.0], w);
        // Posted in time, the same call reads it as a backtest does.
        SlidingWindows.Fill((IntervalStart + Part).UtcTicks, IntervalStart.UtcTicks, settled, sced, w);
        Assert.Equal((2 * 40 + 130) / 3.0, w[^1], 9);
    }

    private static readonly SiteDefinition Site = new("t", "HB_WEST",
        new EnergySettings(0, EnergyContract.Index, null),
        new EconomicsSettings(new HashpriceSource(0.045, null), 0),
        [new FleetGroup("s19", "100 TH/s at 3050 W", 3000, 100, 3050, 1)],
        new PolicySettings(PolicyKind.Threshold, 66, 58, 1, null, 1),
        new OperatingConstraints(5, 5, 15, 15));

    private static readonly GroupState[] Running = [GroupState.RunningLongSince];
    private static readonly GroupState[] Curtailed = [new(GroupMode.Curtailed, GroupState.LongAgoTicks, 0)];

    private static GroupIntent Decide(ICurtailmentPolicy policy, GroupState[] states, double[] settled, double[] sced, int part)
    {
        var intents = new GroupIntent[1];
        var start = IntervalStart + Part * part;
        policy.Decide(new DecisionInputs
        {
            IntervalStartTicks = start.UtcTicks,
            IntervalEndTicks = (start + Part).UtcTicks,
            SettledPrices = settled,
            HashpriceUsdPerThDay = 0.045,
            DecidesOnSced = true,
            ScedPrices = sced,
        }, states, intents);
        return intents[0];
    }

    [Fact]
    public void A_reactive_rule_on_SCED_windows_stops_after_one_large_run_and_rides_a_small_one_that_stops_it_on_raw_runs()
    {
        var raw = new ThresholdPolicy(66, 58, 1, null);
        var windows = new SlidingWindowPolicy(new ThresholdPolicy(66, 58, 1, null));
        // Five minutes in, after $30 settled: one run at $80 is above the strike but the window is (2·30 + 80)/3 ≈ 46.7.
        Assert.False(Decide(raw, Running, [30, 30], [30, 30, 80], 1).WantsRunning);
        Assert.True(Decide(windows, Running, [30, 30], [30, 30, 80], 1).WantsRunning);
        // One run at $1,000: the window is ≈ 353, so the window rule stops at once, like the raw one.
        Assert.False(Decide(windows, Running, [30, 30], [30, 30, 1000], 1).WantsRunning);
        // A curtailed group resumes once the window (not one run) is below the resume strike: 10 minutes after a $1,000
        // interval, two runs at $30 leave the window at ≈ 353; on the next boundary the settled price decides.
        Assert.False(Decide(windows, Curtailed, [30, 1000], [1000, 30, 30], 2).WantsRunning);
        Assert.True(Decide(windows, Curtailed, [1000, 30], [1000, 30, 30, 30], 0).WantsRunning);
        Assert.Equal("threshold (SCED windows)", windows.Name);
    }

    /// <summary>
    /// A window forecaster whose distribution follows the newest window it is asked about: calm (P90 $45) unless the
    /// running interval's SCED LMPs in the history are high; records the times it is asked at.
    /// </summary>
    private sealed class ScriptedWindowForecaster(Func<DateTimeOffset, bool> stormy) : IPriceForecaster, IWindowForecaster
    {
        public List<DateTimeOffset> WindowCalls { get; } = [];
        public int IntervalCalls { get; private set; }
        public string Name => "scripted";
        public double StrikePrice => 100;

        public PriceForecast Forecast(MarketHistory history, DateTimeOffset decisionTime, int intervals)
        {
            IntervalCalls++;
            var s = MarketHistory.FloorToInterval(decisionTime);
            return new PriceForecast(s, Enumerable.Range(0, intervals).Select(i => Calm(s + MarketHistory.Interval * i)).ToList());
        }

        public IntervalForecast ForecastWindow(MarketHistory history, DateTimeOffset decisionTime)
        {
            WindowCalls.Add(decisionTime);
            return stormy(decisionTime)
                ? new IntervalForecast(decisionTime, decisionTime + MarketHistory.Interval, 80, 300, 900, 350, 0.8)
                : Calm(decisionTime);
        }

        private static IntervalForecast Calm(DateTimeOffset s) => new(s, s + MarketHistory.Interval, 20, 30, 45, 30, 0);
    }

    private static readonly MarketHistory History = new(Synthetic.Prices(3, 1));
    private static readonly ForecastGateOptions Gated = new() { CurtailMarginUsdPerMwh = 4, ResumeMarginUsdPerMwh = 4, VetoBelow = 0.4, EarlyResumeBelow = 0.05 };

    private static ForecastGatedPolicy Policy(IPriceForecaster forecaster, ScedDecisionMode mode) =>
        new(forecaster, () => History, Site, Gated with { ScedMode = mode });

    [Fact]
    public void On_SCED_windows_the_forecast_of_the_window_vetoes_a_window_trigger_the_model_calls_unlikely_and_lets_a_likely_one_stop_the_group()
    {
        // Five minutes in: one run at $400 after $30 settled makes the window ≈ 153, above breakeven + 4.
        var calm = new ScriptedWindowForecaster(_ => false);
        var veto = Decide(Policy(calm, ScedDecisionMode.Windows), Running, [30, 30], [30, 30, 400], 1);
        Assert.True(veto.WantsRunning);
        Assert.Equal(DecisionReason.ForecastVeto, veto.Reason);
        // Asked at the run's own 5-minute boundary, not the interval's start; no interval forecast.
        Assert.Equal([IntervalStart + Part], calm.WindowCalls);
        Assert.Equal(0, calm.IntervalCalls);

        var stormy = new ScriptedWindowForecaster(_ => true);
        var stop = Decide(Policy(stormy, ScedDecisionMode.Windows), Running, [30, 30], [30, 30, 400], 1);
        Assert.False(stop.WantsRunning);
        Assert.Equal(DecisionReason.AboveStrike, stop.Reason);
    }

    [Fact]
    public void The_window_forecast_is_made_again_at_each_run_and_the_runs_mode_keeps_its_one_interval_forecast_and_no_veto()
    {
        var forecaster = new ScriptedWindowForecaster(_ => false);
        var windows = Policy(forecaster, ScedDecisionMode.Windows);
        for (var part = 0; part < 3; part++) Decide(windows, Running, [30, 30], [30, 30, 30], part);
        Assert.Equal([IntervalStart, IntervalStart + Part, IntervalStart + Part * 2], forecaster.WindowCalls);

        // Counting runs, two runs above the trigger stop the group: the interval's forecast is older than they are.
        var runs = new ScriptedWindowForecaster(_ => false);
        var stop = Decide(Policy(runs, ScedDecisionMode.Runs), Running, [30, 30], [30, 150, 160], 2);
        Assert.Equal(DecisionReason.AboveStrike, stop.Reason);
        Assert.Empty(runs.WindowCalls);
        Assert.Equal(1, runs.IntervalCalls);

        // Counting runs with the window forecast, made at this run, the same two runs are vetoed when it is calm.
        var fresh = new ScriptedWindowForecaster(_ => false);
        var veto = Decide(Policy(fresh, ScedDecisionMode.RunsWithWindowForecast), Running, [30, 30], [30, 150, 160], 2);
        Assert.Equal(DecisionReason.ForecastVeto, veto.Reason);
        Assert.Equal([IntervalStart + Part * 2], fresh.WindowCalls);
        // ... and not when it is stormy; one run alone does not fire the trigger in this mode.
        var stormy = Policy(new ScriptedWindowForecaster(_ => true), ScedDecisionMode.RunsWithWindowForecast);
        Assert.Equal(DecisionReason.AboveStrike, Decide(stormy, Running, [30, 30], [30, 150, 160], 2).Reason);
        Assert.True(Decide(stormy, Running, [30, 30], [30, 30, 160], 1).WantsRunning);
    }

    [Fact]
    public void The_windows_modes_refuse_a_forecaster_that_cannot_forecast_a_window()
    {
        var plain = new PersistenceLike();
        Assert.Throws<ArgumentException>(() => Policy(plain, ScedDecisionMode.Windows));
        Assert.Throws<ArgumentException>(() => Policy(plain, ScedDecisionMode.RunsWithWindowForecast));
        Assert.NotNull(Policy(plain, ScedDecisionMode.Runs));
    }

    private sealed class PersistenceLike : IPriceForecaster
    {
        public string Name => "plain";
        public double StrikePrice => 100;
        public PriceForecast Forecast(MarketHistory history, DateTimeOffset decisionTime, int intervals) =>
            throw new InvalidOperationException("not asked in these tests");
    }

    // The model scored in the model card's validation fold (trained 2021-2022) on its validation year 2023, with SCED runs
    // made up for the running interval: 2023 has no SCED history.
    private static readonly ShippedData Data = ShippedData.Locate();
    private static readonly Lazy<GbrtPriceForecaster> Model = new(() =>
        ModelFile.Load(Path.Combine(Path.GetDirectoryName(Data.Root)!, "models", "hb_west_2021_2022" + ModelFile.Extension)));
    private static readonly Lazy<MarketHistory> Shipped = new(() => MarketData.Load(Data, "HB_WEST"));

    // A summer afternoon: the 16:00 CDT interval of 2023-07-12.
    private static readonly DateTimeOffset Interval2023 = CentralPrevailingTime.LocalToUtc(new DateOnly(2023, 7, 12), 16, 0, false);

    private static MarketHistory WithRuns(PriceSeries realTime, params (DateTimeOffset At, double Lmp)[] runs)
    {
        var h = Shipped.Value;
        var starts = runs.Select(r => r.At.UtcTicks).ToArray();
        return new MarketHistory(realTime, h.DayAhead, new PriceSeries("HB_WEST", starts, starts.Select(s => s + Part.Ticks).ToArray(), runs.Select(r => r.Lmp).ToArray()),
            h.SystemLoad, h.Hashprice);
    }

    [Fact]
    public void The_model_forecasts_a_window_from_the_running_intervals_SCED_LMPs_and_nothing_after_the_decision()
    {
        var model = Model.Value;
        var rt = Shipped.Value.RealTime;
        var s = Interval2023;
        // On the settlement boundary the window is the interval: the ordinary horizon-1 forecast.
        var quiet = WithRuns(rt, (s.AddSeconds(-270), 25));
        Assert.Equal(model.Forecast(quiet, s, 1).Intervals[0], model.ForecastWindow(quiet, s));

        // Ten minutes in, with two runs at $25 or at $3,000 in the running interval.
        var at = s + Part * 2 + TimeSpan.FromSeconds(50);
        var calm = model.ForecastWindow(WithRuns(rt, (s.AddSeconds(30), 25), (s.AddSeconds(330), 25)), at);
        var spike = model.ForecastWindow(WithRuns(rt, (s.AddSeconds(30), 3000), (s.AddSeconds(330), 3000)), at);
        Assert.Equal(s + Part * 2, calm.StartUtc);
        Assert.Equal(s + Part * 2 + MarketHistory.Interval, calm.EndUtc);
        Assert.True(spike.P50 > calm.P50 + 50, $"P50 {spike.P50} with $3,000 runs, {calm.P50} with $25 runs");
        Assert.True(spike.SpikeProbability > calm.SpikeProbability);

        // Nothing at or after the decision is read: a settled price of the running interval, later settled prices and a
        // run after the decision change nothing (the live history never holds them; a backtest's does).
        var i = rt.FirstStartingAtOrAfter(s.UtcTicks);
        var future = rt.Prices.ToArray();
        for (var k = i; k < future.Length; k++) future[k] = 5000;
        var overwritten = new PriceSeries("HB_WEST", rt.StartTicks.ToArray(), rt.EndTicks.ToArray(), future);
        var withFuture = model.ForecastWindow(WithRuns(overwritten, (s.AddSeconds(30), 3000), (s.AddSeconds(330), 3000), (s.AddSeconds(700), -50)), at);
        Assert.Equal(spike, withFuture);

        // Live, with the previous interval's price not posted yet, the window at the boundary is its three SCED runs.
        var posted = rt.Slice(rt.Start, s.AddMinutes(-15));
        var lateCalm = WithRuns(posted, (s.AddSeconds(-870), 25), (s.AddSeconds(-570), 25), (s.AddSeconds(-270), 25));
        var lateSpike = WithRuns(posted, (s.AddSeconds(-870), 3000), (s.AddSeconds(-570), 3000), (s.AddSeconds(-270), 3000));
        Assert.True(model.ForecastWindow(lateSpike, s).P50 > model.ForecastWindow(lateCalm, s).P50 + 50);
        Assert.NotEqual(model.Forecast(lateSpike, s, 1).Intervals[0], model.ForecastWindow(lateSpike, s));

        // A SCED feed that stopped over 30 minutes ago forms no window: the forecast is the interval's.
        var stopped = WithRuns(rt, (s.AddMinutes(-40), 3000));
        Assert.Equal(model.Forecast(stopped, s, 1).Intervals[0], model.ForecastWindow(stopped, at));
    }
}
