using Curtail.Core.Fleet;
using Curtail.Miners.Fleet;

namespace Curtail.Miners.Tests;

/// <summary>shed: sleep | power_target | hashboards in the allocator (the rule the backtest shares, ShedRule).</summary>
public class ShedModeAllocatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 7, 1, 15, 0, 0, TimeSpan.Zero);
    private static readonly ModelSpec S19j = ModelCatalog.AntminerS19jPro;

    private static MinerState Targetable(string id, string group = "hall") =>
        new(id, group, MinerFamily.LuxOs, MinerMode.Running, S19j.NominalW, S19j.NominalW, S19j, true, S19j.DefaultLimits);

    private static MinerState WithBoards(string id, string group = "hall") =>
        new(id, group, MinerFamily.Epic, MinerMode.Running, S19j.NominalW, null, S19j, true, null) { Hashboards = 3, ActiveHashboards = 3 };

    private static Dictionary<string, GroupConstraints> Hall(ShedMode shed, double? floorW = null, int floorBoards = 1) => new()
    {
        ["hall"] = new GroupConstraints("hall") { Shed = shed, ShedFloorW = floorW, ShedFloorBoards = floorBoards },
    };

    private static double Hashrate(IEnumerable<MinerAction> actions, IReadOnlyList<MinerState> fleet) =>
        actions.Sum(a => fleet.Single(m => m.Id == a.MinerId).Model.HashrateAt(a.Kind == MinerActionKind.Sleep ? 0 : a.ExpectedPowerW));

    [Fact]
    public void Power_target_throttles_many_when_that_keeps_more_hashrate_than_sleeping_a_few()
    {
        var fleet = Enumerable.Range(0, 10).Select(i => Targetable($"m{i}")).ToList();
        var full = fleet.Sum(m => m.PowerW);
        var target = full - 6000; // two miners' worth

        var sleep = new FleetAllocator().Plan(new AllocationRequest(fleet, target, Now) { Groups = Hall(ShedMode.Sleep) });
        var soft = new FleetAllocator().Plan(new AllocationRequest(fleet, target, Now) { Groups = Hall(ShedMode.PowerTarget) });

        Assert.Equal(2, sleep.Changes.Count(a => a.Kind == MinerActionKind.Sleep));
        Assert.All(soft.Changes, a => Assert.Equal(MinerActionKind.SetTarget, a.Kind));
        Assert.True(soft.Changes.Count() >= 5, $"spread over {soft.Changes.Count()} miners");
        Assert.True(soft.ExpectedLoadW <= target + 0.5 && soft.ExpectedLoadW >= target - 50, $"expected {soft.ExpectedLoadW} W for {target} W");
        // Same power, more hashrate: p^(1/1.45) is concave, so an even cut beats whole sleeps.
        var sleepHash = Hashrate(sleep.Actions, fleet);
        var softHash = Hashrate(soft.Actions, fleet);
        Assert.True(softHash > sleepHash + 5, $"throttle keeps {softHash:0.0} TH/s, sleep {sleepHash:0.0} TH/s");
        Assert.Equal(ShedRule.KeptHashFraction(ShedMode.PowerTarget, soft.ExpectedLoadW / full, 0.5) * fleet.Sum(m => m.Model.NominalThs), softHash, 0);
    }

    [Fact]
    public void Power_target_never_goes_below_the_floor_and_sleeps_only_what_the_floors_cannot_give()
    {
        var fleet = Enumerable.Range(0, 10).Select(i => Targetable($"m{i}")).ToList();
        var full = fleet.Sum(m => m.PowerW);
        const double floor = 2500;
        // 60 % of the hall: every miner at 2,500 W would still be 82 %, so some must sleep.
        var target = full * 0.6;
        var plan = new FleetAllocator().Plan(new AllocationRequest(fleet, target, Now) { Groups = Hall(ShedMode.PowerTarget, floor) });

        var targets = plan.Changes.Where(a => a.Kind == MinerActionKind.SetTarget).ToList();
        var slept = plan.Changes.Where(a => a.Kind == MinerActionKind.Sleep).ToList();
        Assert.All(targets, a => Assert.True(a.TargetW >= floor, $"{a} is below the {floor} W floor"));
        Assert.NotEmpty(slept);
        Assert.True(plan.ExpectedLoadW <= target + 0.5);
        Assert.Equal(0, plan.UnmetW);
        // The fewest sleeps: the rest at the floor could not have absorbed one more sleeper's load.
        var awake = fleet.Count - slept.Count;
        Assert.True((awake + 1) * floor + (slept.Count - 1) * S19j.SleepW > target, $"{slept.Count} slept, more than needed");
    }

    [Fact]
    public void Power_target_falls_back_to_sleep_when_the_miners_cannot_throttle()
    {
        // No power target capability (no limits): nothing to throttle, so the shed is met by sleeping.
        var fleet = Enumerable.Range(0, 4)
            .Select(i => new MinerState($"s{i}", "hall", MinerFamily.AntminerStock, MinerMode.Running, S19j.NominalW, null, S19j, true, null))
            .ToList();
        var plan = new FleetAllocator().Plan(new AllocationRequest(fleet, fleet.Sum(m => m.PowerW) - 3000, Now) { Groups = Hall(ShedMode.PowerTarget) });
        Assert.Equal(MinerActionKind.Sleep, plan.Changes.Single().Kind);
        Assert.Equal(0, plan.UnmetW);
    }

    [Fact]
    public void Hashboards_switch_boards_off_down_to_the_floor_then_sleep()
    {
        var fleet = Enumerable.Range(0, 3).Select(i => WithBoards($"e{i}")).ToList();
        var full = fleet.Sum(m => m.PowerW);
        var board = S19j.NominalW / 3;

        // Two boards' worth: two boards off, nobody asleep, fans keep turning.
        var light = new FleetAllocator().Plan(new AllocationRequest(fleet, full - 2 * board, Now) { Groups = Hall(ShedMode.Hashboards) });
        Assert.All(light.Changes, a => Assert.Equal(MinerActionKind.SetHashboards, a.Kind));
        Assert.Equal(2, light.Changes.Sum(a => 3 - a.Boards!.Value));
        Assert.True(light.ExpectedLoadW <= full - 2 * board + 0.5);

        // Floor of two boards per miner: at most one board off each (3 boards), the rest by sleep.
        var deep = new FleetAllocator().Plan(new AllocationRequest(fleet, full - 5 * board, Now) { Groups = Hall(ShedMode.Hashboards, floorBoards: 2) });
        Assert.All(deep.Changes.Where(a => a.Kind == MinerActionKind.SetHashboards), a => Assert.True(a.Boards >= 2));
        Assert.Contains(deep.Changes, a => a.Kind == MinerActionKind.Sleep);
        Assert.True(deep.ExpectedLoadW <= full - 5 * board + 0.5);

        // Restoring turns boards back on before anything else.
        var shed = fleet.Select(m => m with { ActiveHashboards = 1, PowerW = board }).ToList();
        var restore = new FleetAllocator().Plan(new AllocationRequest(shed, full + 100, Now) { Groups = Hall(ShedMode.Hashboards) });
        Assert.All(restore.Changes, a => Assert.Equal((MinerActionKind.SetHashboards, 3), (a.Kind, a.Boards!.Value)));
    }

    [Fact]
    public void Without_shed_the_allocation_is_unchanged_sleep()
    {
        var fleet = Enumerable.Range(0, 10).Select(i => Targetable($"m{i}")).ToList();
        var plan = new FleetAllocator().Plan(new AllocationRequest(fleet, fleet.Sum(m => m.PowerW) - 6000, Now));
        Assert.Equal(2, plan.Changes.Count(a => a.Kind == MinerActionKind.Sleep));
        Assert.Equal(2, plan.Changes.Count());
    }
}
