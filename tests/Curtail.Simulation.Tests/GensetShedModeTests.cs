using Curtail.Core.Decisions;
using Curtail.Core.Economics;
using Curtail.Core.Fleet;
using Curtail.Core.LoadFollowing;
using Curtail.Simulation.Backtest;
using Curtail.Simulation.Gensets;

namespace Curtail.Simulation.Tests;

/// <summary>
/// A site file's <c>shed: power_target</c> changes what a genset derate costs in the backtest, by the rule the live
/// allocator uses (ShedRule): throttling every miner loses less hashrate than sleeping some for the same watts.
/// </summary>
public class GensetShedModeTests
{
    private static readonly DateTimeOffset T0 = new(2023, 8, 1, 0, 0, 0, TimeSpan.Zero);

    // 300 miners of 3,000 W and 100 TH/s: 900 kW, hashing at $40/MWh-equivalent, all running at nameplate.
    private static List<IntervalRecord> Hour() => Enumerable.Range(0, 12).Select(i =>
    {
        var start = T0.AddMinutes(5 * i).UtcTicks;
        var energy = 0.9 * 5 / 60;
        return new IntervalRecord(start, start + TimeSpan.FromMinutes(5).Ticks, 50, 0.9, 1, energy, energy * 40, energy * 50,
            [new GroupState(GroupMode.Running, GroupState.LongAgoTicks, 1)], [DecisionReason.AlwaysOn]);
    }).ToList();

    private static GensetBacktestOptions Options(FleetGroup group) => new()
    {
        // Gas pressure halves from minute 20 to minute 40: the follower holds the site at 450 kW (available x 0.9).
        Profile = GensetSupplyProfile.ParseCsv(new StringReader("time,available_kw\n0,1000\n1200,500\n2400,1000\n"), "drop.csv"),
        RatedKw = 1000,
        Settings = new LoadFollowingSettings { SafeLoadKw = 200 },
        Step = TimeSpan.FromSeconds(1),
        Fleet = [group],
    };

    private static FleetGroup Group(ShedMode shed, double? floorW = null) =>
        new FleetGroup("hall", "S19j", 300, 100, 3000, 1) { Shed = shed, ShedFloorW = floorW };

    [Fact]
    public void Power_target_loses_less_hashing_than_sleep_for_the_same_energy_not_served()
    {
        var sleep = GensetBacktester.Serve(Hour(), Options(Group(ShedMode.Sleep)), follow: true);
        var soft = GensetBacktester.Serve(Hour(), Options(Group(ShedMode.PowerTarget, floorW: 1500)), follow: true);

        Assert.Equal(sleep.HashLostMwh, soft.HashLostMwh, 9); // the same cut in energy
        Assert.True(sleep.HashLostUsd > 0);
        // Down to half power every miner keeps (1/2)^(1/1.45) = 62 % of its hashrate instead of half the miners 50 %:
        // at the deepest cut the loss is 38 % of the hashing rather than 50 %.
        Assert.InRange(soft.HashLostUsd / sleep.HashLostUsd, 0.5, (1 - PowerHashrateModel.HashrateFraction(0.5)) / 0.5 + 0.02);
    }

    [Fact]
    public void A_floor_at_nameplate_makes_power_target_cost_exactly_what_sleep_costs()
    {
        // With the floor at nameplate nothing can be throttled: the rule sleeps, and prices the cut as the linear path does.
        var sleep = GensetBacktester.Serve(Hour(), Options(Group(ShedMode.Sleep)), follow: true);
        var pinned = GensetBacktester.Serve(Hour(), Options(Group(ShedMode.PowerTarget, floorW: 3000)), follow: true);
        Assert.Equal(sleep.HashLostUsd, pinned.HashLostUsd, 6);
    }

    [Fact]
    public void Shed_rule_spreads_a_cut_least_efficient_group_first()
    {
        FleetGroup[] groups =
        [
            new("efficient", "S21", 10, 200, 3500, 1) { Shed = ShedMode.PowerTarget },
            new("old", "S19", 10, 95, 3250, 1),
        ];
        // 20 kW from 67.5 kW: the S19s (34 J/TH) give up all but 12.5 kW first, by sleeping; the S21s are untouched.
        var lost = ShedRule.HashLost(groups, [1, 1], 20_000);
        Assert.Equal(0, lost[0]);
        Assert.Equal(20_000 / 32_500.0, lost[1], 9);
        // 40 kW: the S19s all sleep, the S21s throttle to 27.5/35 of nameplate and keep (27.5/35)^(1/1.45).
        lost = ShedRule.HashLost(groups, [1, 1], 40_000);
        Assert.Equal(1, lost[1], 9);
        Assert.Equal(1 - Math.Pow(27.5 / 35, 1 / 1.45), lost[0], 9);
    }
}
