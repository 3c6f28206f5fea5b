using Curtail.Controller.Cycle;
using Curtail.Controller.DemandResponse;
using Curtail.Controller.Trading;
using Curtail.Core.Decisions;
using Curtail.Core.LoadFollowing;
using Curtail.Core.Sites;

namespace Curtail.Controller.Tests;

public class SiteTargetPlannerTests
{
    private static readonly DateTimeOffset Now = new(2023, 8, 17, 19, 0, 0, TimeSpan.Zero);

    internal static SiteDefinition Site() => SiteFileParser.Parse("""
        name: t
        settlement_point: HB_WEST
        economics: {hashprice: {usd_per_th_day: 0.07}}
        fleet:
          - {group: old, count: 100, hashrate_th: 100, power_w: 3000}
          - {group: new, count: 100, hashrate_th: 200, power_w: 3500}
        policy: {kind: threshold, curtail_above_usd_per_mwh: 100, resume_below_usd_per_mwh: 80}
        constraints: {min_on_minutes: 30}
        """, "t.yaml");

    private static CycleInputs Inputs(double[] prices, GroupState[]? groups = null) => new()
    {
        Now = Now,
        SettledPrices = prices,
        HashpriceUsdPerThDay = 0.07,
        Groups = groups ?? [GroupState.RunningLongSince, GroupState.RunningLongSince],
        Trading = TradingSettings.From(Site().Policy),
        SiteLoadKw = 650,
    };

    [Fact]
    public void ThePriceDecisionIsTheBacktestEngines()
    {
        var planner = new SiteTargetPlanner(Site(), null);
        var low = planner.Decide(Inputs([40, 50]));
        Assert.Equal(650, low.TargetKw, 6);
        Assert.Equal("price", low.LimitedBy);
        var high = planner.Decide(Inputs([40, 500]));
        Assert.Equal(0, high.TargetKw);
        Assert.All(high.GroupReasons, r => Assert.Equal(DecisionReason.AboveStrike, r));
        Assert.All(high.NextGroups, g => Assert.Equal(GroupMode.Curtailed, g.Mode));
    }

    [Fact]
    public void TheLatestScedRunAfterTheLastSettledIntervalIsThePriceActedOn()
    {
        var planner = new SiteTargetPlanner(Site(), null);
        var settledStart = Now.AddMinutes(-30);
        var settled = Inputs([40, 50]) with { LastSettledIntervalStart = settledStart };
        var onSettled = planner.Decide(settled);
        Assert.Equal(new ActedPrice(ActedPrice.Settled, settledStart, 50), onSettled.ActedOn);
        Assert.Equal(650, onSettled.TargetKw, 6);

        var run = Now.AddMinutes(-2);
        var onSced = planner.Decide(settled with { Sced = [new ScedRun(Now.AddMinutes(-7), 60), new ScedRun(run, 250)] });
        Assert.Equal(new ActedPrice(ActedPrice.Sced, run, 250), onSced.ActedOn);
        Assert.Equal(0, onSced.TargetKw);
        Assert.All(onSced.GroupReasons, r => Assert.Equal(DecisionReason.AboveStrike, r));
        Assert.Contains("acted on SCED LMP 250.00", onSced.Limits[0].Detail);
        Assert.Contains("last settled 50.00", onSced.Limits[0].Detail);
    }

    [Fact]
    public void OnlyScedRunsAfterTheLastSettledIntervalAndByNowCount()
    {
        var start = Now.AddHours(-1);
        var sced = new Core.Prices.PriceSeries("HB_WEST",
            Enumerable.Range(0, 14).Select(i => start.AddMinutes(5 * i).AddSeconds(15).UtcTicks).ToArray(),
            Enumerable.Range(0, 14).Select(i => start.AddMinutes(5 * i + 5).AddSeconds(15).UtcTicks).ToArray(),
            Enumerable.Range(0, 14).Select(i => 10.0 * i).ToArray());
        // Last settled interval ended 15 minutes ago; runs at -14:45, -9:45, -4:45 count; the one at +0:15 has not run yet.
        var runs = ScedSoFar.Runs(sced, Now.AddMinutes(-15), Now);
        Assert.Equal([90.0, 100, 110], runs.Select(r => r.Lmp));
        Assert.Equal(Now.AddMinutes(-5).AddSeconds(15), runs[^1].Time);
        Assert.Empty(ScedSoFar.Runs(null, Now.AddMinutes(-15), Now));
        // Without any settled price, the last 15 minutes.
        Assert.Equal(3, ScedSoFar.Runs(sced, null, Now).Count);
    }

    [Fact]
    public void MinimumOnTimeHoldsAGroupThatJustWoke()
    {
        var planner = new SiteTargetPlanner(Site(), null);
        var justWoke = new GroupState(GroupMode.Running, Now.AddMinutes(-10).UtcTicks, 1);
        var d = planner.Decide(Inputs([500], [justWoke, GroupState.RunningLongSince]));
        Assert.Equal(DecisionReason.HeldByMinOnTime, d.GroupReasons[0]);
        Assert.Equal(300, d.TargetKw, 6);
    }

    [Fact]
    public void TraderStrikesReplaceTheSiteFilesAtOnce()
    {
        var planner = new SiteTargetPlanner(Site(), null);
        var d = planner.Decide(Inputs([150]) with { Trading = new TradingSettings(200, 150, 1, null) });
        Assert.Equal(650, d.TargetKw, 6);
    }

    [Fact]
    public void OverridesDemandResponseAndFourCpLimitTheTargetInOrder()
    {
        var planner = new SiteTargetPlanner(Site(), null);
        var run = planner.Decide(Inputs([500]) with { Override = new TradingOverride(OverrideMode.ForceRun, Now.AddHours(1), "alice", "hedged") });
        Assert.Equal(650, run.TargetKw, 6);
        Assert.Equal("override", run.LimitedBy);
        var expired = planner.Decide(Inputs([500]) with { Override = new TradingOverride(OverrideMode.ForceRun, Now, "alice", null) });
        Assert.Equal(0, expired.TargetKw);

        var ers = new DispatchEvent { Id = "e1", Program = DemandResponseProgram.Ers10, ReceivedAt = Now, Deadline = Now.AddMinutes(10), BaselineMw = 0.65, ReductionMw = 0.4 };
        var withEvent = planner.Decide(Inputs([40]) with { ActiveEvents = [ers] });
        Assert.Equal(250, withEvent.TargetKw, 6);
        Assert.Equal("demand_response", withEvent.LimitedBy);
        var released = planner.Decide(Inputs([40]) with { ActiveEvents = [ers with { ReleasedAt = Now.AddMinutes(-1) }] });
        Assert.Equal(650, released.TargetKw, 6);

        var fourCp = planner.Decide(Inputs([40]) with { InFourCpWindow = true, FourCpReason = "4CP watch: peak probability 0.210" });
        Assert.Equal(0, fourCp.TargetKw);
        Assert.Equal("4cp", fourCp.LimitedBy);
        Assert.Contains(fourCp.Limits, l => l.Source == "4cp" && l.Detail == "4CP watch: peak probability 0.210");
    }

    [Fact]
    public void TheGensetCeilingAndFailSafeComeLast()
    {
        var planner = new SiteTargetPlanner(Site(), new LoadFollower(new LoadFollowingSettings { Headroom = 0.1, FailSafe = FailSafeMode.ShedToSafeLoad, SafeLoadKw = 100 }));
        var reading = new GensetReading
        {
            TimeRead = Now, ActivePowerKw = 650, RatedPowerKw = 1000, AvailablePowerKw = 500, FrequencyHz = 59.9,
            EngineState = EngineState.RunningLoaded, BreakerClosed = true, Heartbeat = 1,
        };
        var overload = planner.Decide(Inputs([40]) with { GensetConfigured = true, Genset = reading, DeviceNow = Now });
        Assert.Equal("genset", overload.LimitedBy);
        Assert.True(overload.TargetKw <= 450 + 1e-6, $"target {overload.TargetKw} must clear the overload under 90% of 500 kW");

        var lost = planner.Decide(Inputs([40]) with { GensetConfigured = true, Genset = reading, DeviceNow = Now.AddSeconds(3), GensetLinkProblem = "timeout" });
        Assert.Equal("genset", lost.LimitedBy);
        Assert.Equal(100, lost.TargetKw, 6);
        Assert.Contains("fail-safe", lost.Limits[^1].Detail);
    }
}
