using Curtail.Miners.Fleet;

namespace Curtail.Miners.Tests;

public class FleetAllocatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 7, 1, 15, 0, 0, TimeSpan.Zero);

    private static MinerState Running(string id, ModelSpec model, string group = "default", bool target = false, DateTimeOffset? last = null) =>
        new(id, group, MinerFamily.LuxOs, MinerMode.Running, model.NominalW, target ? model.NominalW : null, model, true,
            target ? model.DefaultLimits : null, last);

    private static MinerState Asleep(string id, ModelSpec model, string group = "default", DateTimeOffset? last = null) =>
        new(id, group, MinerFamily.LuxOs, MinerMode.Sleeping, model.SleepW, null, model, true, null, last);

    [Fact]
    public void Sheds_least_efficient_first_until_the_target_is_met()
    {
        var fleet = new[]
        {
            Running("s21", ModelCatalog.AntminerS21),        // 17.5 J/TH
            Running("s19", ModelCatalog.AntminerS19),        // 34.2 J/TH
            Running("s19j", ModelCatalog.AntminerS19jPro),   // 30.5 J/TH
            Running("m30", ModelCatalog.WhatsminerM30SPlusPlus), // 31 J/TH
        };
        var total = fleet.Sum(m => m.PowerW);
        var plan = new FleetAllocator().Plan(new AllocationRequest(fleet, total - 5000, Now));

        var slept = plan.Changes.Where(a => a.Kind == MinerActionKind.Sleep).Select(a => a.MinerId).ToList();
        Assert.Equal(["s19", "m30"], slept); // 3250 + 3472 > 5000; S19 (worst J/TH) first
        Assert.True(plan.ExpectedLoadW <= total - 5000);
        Assert.Equal(0, plan.UnmetW);
        Assert.Equal(MinerActionKind.Keep, plan.Actions.Single(a => a.MinerId == "s21").Kind);
    }

    [Fact]
    public void Throttle_preference_lowers_targets_before_sleeping_and_respects_group_floor()
    {
        var fleet = Enumerable.Range(0, 4).Select(i => Running($"m{i}", ModelCatalog.AntminerS19jPro, "hall", target: true)).ToList();
        var groups = new Dictionary<string, GroupConstraints>
        {
            ["hall"] = new("hall", MinPowerFraction: 0.6, Prefer: PowerPreference.Throttle),
        };
        var nominal = ModelCatalog.AntminerS19jPro.NominalW;
        var plan = new FleetAllocator().Plan(new AllocationRequest(fleet, 4 * nominal - 1000, Now) { Groups = groups });
        Assert.All(plan.Changes, a => Assert.Equal(MinerActionKind.SetTarget, a.Kind));
        Assert.Equal(4 * nominal - 1000, plan.ExpectedLoadW, 0);

        // Asking for 30 % of the hall: the 60 % floor stops the shed and the shortfall is reported.
        var deep = new FleetAllocator().Plan(new AllocationRequest(fleet, 4 * nominal * 0.3, Now) { Groups = groups });
        Assert.True(deep.ExpectedLoadW >= 4 * nominal * 0.6 - 1);
        Assert.True(deep.UnmetW > 0);
    }

    [Fact]
    public void Minimum_on_time_protects_a_miner_that_just_woke()
    {
        var fleet = new[]
        {
            Running("fresh", ModelCatalog.AntminerS19, last: Now.AddMinutes(-2)),
            Running("old", ModelCatalog.AntminerS19jPro, last: Now.AddHours(-2)),
        };
        var groups = new Dictionary<string, GroupConstraints> { ["default"] = new("default", MinOnTime: TimeSpan.FromMinutes(15)) };
        var plan = new FleetAllocator().Plan(new AllocationRequest(fleet, 3500, Now) { Groups = groups });
        Assert.Equal("old", plan.Changes.Single().MinerId);
    }

    [Fact]
    public void Restore_wakes_most_efficient_first_in_steps_the_genset_can_take()
    {
        var fleet = new[]
        {
            Asleep("s19", ModelCatalog.AntminerS19),
            Asleep("s21", ModelCatalog.AntminerS21),
            Asleep("xp", ModelCatalog.AntminerS19Xp),
            Asleep("cool", ModelCatalog.AntminerS21Pro, last: Now.AddMinutes(-1)),
        };
        var groups = new Dictionary<string, GroupConstraints> { ["default"] = new("default", MinOffTime: TimeSpan.FromMinutes(10)) };
        var plan = new FleetAllocator().Plan(new AllocationRequest(fleet, 100_000, Now) { Groups = groups, MaxRampUpW = 7000 });
        var woken = plan.Changes.Select(a => a.MinerId).ToList();
        Assert.Equal(["s21", "xp"], woken); // cool is within its off dwell; s19 would exceed the 7 kW step
        Assert.True(plan.ExpectedLoadW - plan.CurrentLoadW <= 7000);
    }

    [Fact]
    public void A_held_miner_that_woke_by_itself_is_put_back_to_sleep()
    {
        var fleet = new[] { Running("rebel", ModelCatalog.AntminerS21, last: Now.AddMinutes(-1)), Asleep("good", ModelCatalog.AntminerS19) };
        var plan = new FleetAllocator().Plan(new AllocationRequest(fleet, 10_000, Now)
        {
            HeldAsleep = new HashSet<string> { "rebel", "good" },
            Groups = new Dictionary<string, GroupConstraints> { ["default"] = new("default", MinOnTime: TimeSpan.FromMinutes(15)) },
        });
        var change = Assert.Single(plan.Changes);
        Assert.Equal(("rebel", MinerActionKind.Sleep), (change.MinerId, change.Kind));
    }

    [Fact]
    public void Excluded_and_unreachable_miners_are_not_commanded_and_others_cover()
    {
        var fleet = new[]
        {
            Running("bad", ModelCatalog.AntminerS19),
            Running("gone", ModelCatalog.AntminerS19) with { Reachable = false },
            Running("ok1", ModelCatalog.AntminerS19jPro),
            Running("ok2", ModelCatalog.AntminerS21),
        };
        var total = fleet.Sum(m => m.PowerW);
        var plan = new FleetAllocator().Plan(new AllocationRequest(fleet, total - 3000, Now) { Excluded = new HashSet<string> { "bad" } });
        Assert.Equal("ok1", Assert.Single(plan.Changes).MinerId);
    }

    [Fact]
    public void Restore_raises_throttled_targets_back_to_nameplate_not_into_overclock()
    {
        var model = ModelCatalog.AntminerS19jPro;
        var overclockable = new PowerLimits(model.NominalW * 0.5, model.NominalW * 1.2);
        var fleet = new[]
        {
            new MinerState("t", "default", MinerFamily.LuxOs, MinerMode.Throttled, 2000, 2000, model, true, overclockable),
            new MinerState("n", "default", MinerFamily.LuxOs, MinerMode.Running, model.NominalW, model.NominalW, model, true, overclockable),
        };
        var plan = new FleetAllocator().Plan(new AllocationRequest(fleet, 100_000, Now));
        var change = Assert.Single(plan.Changes);
        Assert.Equal(("t", MinerActionKind.SetTarget, model.NominalW), (change.MinerId, change.Kind, change.TargetW!.Value));
    }
}
