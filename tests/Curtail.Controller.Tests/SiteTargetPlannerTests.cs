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
