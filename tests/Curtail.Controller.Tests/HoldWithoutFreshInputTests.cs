using Curtail.Controller.Cycle;
using Curtail.Controller.DemandResponse;
using Curtail.Controller.Trading;
using Curtail.Core.Decisions;

namespace Curtail.Controller.Tests;

/// <summary>Without a fresh price the price policy holds the miners as they are; every other limit still applies.</summary>
public class HoldWithoutFreshInputTests
{
    private static readonly DateTimeOffset Now = new(2023, 8, 17, 19, 0, 0, TimeSpan.Zero);
    private static readonly GroupState CurtailedAnHourAgo = new(GroupMode.Curtailed, Now.AddHours(-1).UtcTicks, 0);

    private static CycleInputs Inputs(double[] prices, GroupState[] groups, double siteLoadKw) => new()
    {
        Now = Now,
        SettledPrices = prices,
        HashpriceUsdPerThDay = 0.07,
        Groups = groups,
        Trading = TradingSettings.From(SiteTargetPlannerTests.Site().Policy),
        SiteLoadKw = siteLoadKw,
    };

    [Fact]
    public void WithoutAPriceACurtailedSiteIsNotWoken()
    {
        var planner = new SiteTargetPlanner(SiteTargetPlannerTests.Site(), null);
        // Without the hold the engine reads "no price" and, for a group stored as running, runs it.
        var unheld = planner.Decide(Inputs([], [GroupState.RunningLongSince, GroupState.RunningLongSince], 3));
        Assert.Equal(650, unheld.TargetKw, 6);

        // Held: the miners measured at 3 kW (asleep) are not woken, whatever the groups' stored states say.
        var held = planner.Decide(Inputs([], [GroupState.RunningLongSince, GroupState.RunningLongSince], 3) with { HoldReason = "no settled price yet", HoldAtKw = 3 });
        Assert.Equal(3, held.TargetKw, 6);
        Assert.Contains("no waking", held.Limits[0].Detail, StringComparison.Ordinal);

        var curtailed = planner.Decide(Inputs([], [CurtailedAnHourAgo, CurtailedAnHourAgo], 3) with { HoldReason = "no settled price yet", HoldAtKw = 3 });
        Assert.Equal(0, curtailed.TargetKw, 6);
        Assert.All(curtailed.NextGroups, g => Assert.Equal(CurtailedAnHourAgo, g));
    }

    [Fact]
    public void AStalePriceNeverWakesButAStaleSpikeStillCurtails()
    {
        var planner = new SiteTargetPlanner(SiteTargetPlannerTests.Site(), null);
        // A hung feed's last price was low: a curtailed site stays curtailed.
        var low = planner.Decide(Inputs([40], [CurtailedAnHourAgo, CurtailedAnHourAgo], 3) with { HoldReason = "stale", PricesStale = true, HoldAtKw = 3 });
        Assert.Equal(0, low.TargetKw, 6);
        Assert.All(low.NextGroups, g => Assert.False(g.IsRunning));
        // A running site keeps running on a stale low price, at most at what it draws now.
        var running = planner.Decide(Inputs([40], [GroupState.RunningLongSince, GroupState.RunningLongSince], 640) with { HoldReason = "stale", PricesStale = true, HoldAtKw = 640 });
        Assert.Equal(640, running.TargetKw, 6);
        // A stale $500 is still a reason to curtail: stopping is the safe direction.
        var spike = planner.Decide(Inputs([500], [GroupState.RunningLongSince, GroupState.RunningLongSince], 640) with { HoldReason = "stale", PricesStale = true, HoldAtKw = 640 });
        Assert.Equal(0, spike.TargetKw, 6);
        Assert.All(spike.GroupReasons, r => Assert.Equal(DecisionReason.AboveStrike, r));
    }

    [Fact]
    public void ADemandResponseEventStillLimitsAHeldSite()
    {
        var planner = new SiteTargetPlanner(SiteTargetPlannerTests.Site(), null);
        var ers = new DispatchEvent { Id = "e1", Program = DemandResponseProgram.Ers10, ReceivedAt = Now, Deadline = Now.AddMinutes(10), BaselineMw = 0.64, TargetMw = 0.1 };
        var held = planner.Decide(Inputs([], [GroupState.RunningLongSince, GroupState.RunningLongSince], 640) with { HoldReason = "no settled price yet", HoldAtKw = 640, ActiveEvents = [ers] });
        Assert.Equal(100, held.TargetKw, 6);
        Assert.Equal("demand_response", held.LimitedBy);
    }

    [Fact]
    public void WithoutAFleetToMeasureTheHeldGroupsSetTheTarget()
    {
        var planner = new SiteTargetPlanner(SiteTargetPlannerTests.Site(), null);
        var held = planner.Decide(Inputs([], [CurtailedAnHourAgo, GroupState.RunningLongSince], 0) with { HoldReason = "no settled price yet" });
        Assert.Equal(350, held.TargetKw, 6);
    }
}
