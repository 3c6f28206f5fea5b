using Curtail.Emulators.Miners;
using Curtail.Miners.Fleet;

namespace Curtail.Miners.Tests;

public class FleetDispatchTests
{
    private const double Speed = 50; // LuxOS sleeps in 80 ms, wakes in 1.2 s

    private static (MinerFleetEmulator Fleet, List<FleetMember> Members) Start(MinerFamily family, int count, FaultInjection? faults = null)
    {
        var fleet = TestFleetReal.Start(family, count, Speed, faults);
        var members = fleet.Miners.Select(m => new FleetMember(MinerFactory.Create(
            new MinerSpec($"m{m.Index}", m.Family, m.Endpoint, m.Model, m.Credentials), TimeProvider.System,
            new Drivers.DriverOptions { CommandTimeout = TimeSpan.FromSeconds(2), SilentReplyGrace = TimeSpan.FromMilliseconds(100) }))).ToList();
        return (fleet, members);
    }

    private static FleetDispatcher Dispatcher(int concurrency = 8) => new(new DispatchOptions
    {
        MaxConcurrentCommands = concurrency,
        MaxConcurrentReads = concurrency,
        PollInterval = TimeSpan.FromMilliseconds(50),
        RetryBaseDelay = TimeSpan.FromMilliseconds(20),
    }.ScaledDeadlines(Speed / 10), TimeProvider.System); // generous: this machine is shared and often loaded

    [Fact]
    public async Task A_dispatch_of_the_set_size_ends_with_a_full_collection_after_its_commands_are_confirmed()
    {
        var (fleet, members) = Start(MinerFamily.LuxOs, 6);
        await using var _ = fleet;
        var actuator = new FleetActuator(members, Dispatcher(), TimeProvider.System) { CollectAfterCommands = 3 };
        var fullCollections = GC.CollectionCount(2);

        var report = await actuator.ApplyTargetAsync(fleet.TotalPowerW * 0.3);

        Assert.True(report.Results.Count >= 3, $"{report.Results.Count} commands");
        Assert.All(report.Results, r => Assert.Equal(DispatchOutcome.Confirmed, r.Outcome));
        Assert.True(GC.CollectionCount(2) > fullCollections, "no full collection after a dispatch of the set size");
    }

    [Fact]
    public async Task Shed_to_a_target_is_confirmed_by_read_back_with_one_write_per_miner()
    {
        var (fleet, members) = Start(MinerFamily.LuxOs, 12);
        await using var _ = fleet;
        var actuator = new FleetActuator(members, Dispatcher(), TimeProvider.System);
        var full = fleet.TotalPowerW;
        var target = full * 0.5;

        var report = await actuator.ApplyTargetAsync(target);

        Assert.True(report.TargetMet, $"expected ≤ {target:0} W, plan says {report.ExpectedLoadW:0} W");
        Assert.All(report.Results, r => Assert.Equal(DispatchOutcome.Confirmed, r.Outcome));
        Assert.All(report.Results, r => Assert.True(r.CommandLatency > TimeSpan.Zero));
        await Task.Delay(TimeSpan.FromMilliseconds(200)); // the last watts of the sleep ramp (80 ms at this speed)
        Assert.True(fleet.TotalPowerW <= target, $"emulated load {fleet.TotalPowerW:0} W above target {target:0} W\n"
            + string.Join("\n", fleet.Miners.Select(m => $"m{m.Index} {m.Model.Name} {m.PowerW:0} W target {m.TargetW:0} asleep {m.Asleep}"))
            + "\n" + string.Join("\n", report.Results) + "\n" + string.Join("\n", report.Rounds.SelectMany(r => r.Plan.Changes)));
        Assert.All(fleet.Miners, m => Assert.True(m.WriteCount <= 1));
    }

    [Fact]
    public async Task A_dispatch_from_a_snapshot_sends_every_command_before_any_read()
    {
        var (fleet, members) = Start(MinerFamily.LuxOs, 10);
        await using var _ = fleet;
        // One command slot, no settle delay: without "commands first" each miner's read-back would start as soon as
        // its own command was delivered, while the others still waited for the slot. No probes: they are the
        // exception (ReadBackScheduleTests).
        var dispatcher = new FleetDispatcher(new DispatchOptions
        {
            MaxConcurrentCommands = 1, MaxConcurrentReads = 8, PollInterval = TimeSpan.FromMilliseconds(50), ProbeCount = 0,
            FirstReadDelay = (_, _) => TimeSpan.Zero, SettleBound = (_, _) => TimeSpan.Zero, ConfirmDeadline = (_, _) => TimeSpan.FromSeconds(10),
        }, TimeProvider.System);
        var actuator = new FleetActuator(members, dispatcher, TimeProvider.System);
        var snapshot = await actuator.ReadAllAsync();
        var readsInSnapshot = fleet.Miners.Sum(m => m.StatusReadCount);
        Assert.Equal(fleet.Miners.Count, readsInSnapshot);
        var readsSeenAtEachSend = new List<int>();
        dispatcher.CommandSent += (_, _) => { lock (readsSeenAtEachSend) readsSeenAtEachSend.Add(fleet.Miners.Sum(m => m.StatusReadCount)); };

        var report = await actuator.ApplyTargetAsync(0, snapshot);

        Assert.Equal(fleet.Miners.Count, report.Results.Count);
        Assert.All(report.Results, r => Assert.Equal(DispatchOutcome.Confirmed, r.Outcome));
        // No second read of the fleet before the commands, and no read-back while commands waited to go out. The
        // last command's slot frees before its delivery is reported, so the last two sends may race a read-back.
        Assert.All(readsSeenAtEachSend.Take(readsSeenAtEachSend.Count - 2), seen => Assert.Equal(readsInSnapshot, seen));
        Assert.True(fleet.Miners.Sum(m => m.StatusReadCount) > readsInSnapshot); // and then they were confirmed by reading
    }

    [Fact]
    public async Task A_miner_that_ignores_writes_is_unconfirmed_and_others_cover_the_target()
    {
        var (fleet, members) = Start(MinerFamily.LuxOs, 6);
        await using var _ = fleet;
        var target = fleet.TotalPowerW - 4000;
        // The least efficient miners (S19, picked first) run firmware that answers success and changes nothing.
        var first = fleet.Miners.Where(m => m.Model == ModelCatalog.AntminerS19).Select(m => $"m{m.Index}").ToList();
        Assert.NotEmpty(first);
        foreach (var m in fleet.Miners.Where(m => m.Model == ModelCatalog.AntminerS19)) m.IgnoreWrites = true;

        var report = await new FleetActuator(members, Dispatcher(), TimeProvider.System).ApplyTargetAsync(target);

        Assert.Contains(report.Results, r => r.Outcome == DispatchOutcome.Unconfirmed && first.Contains(r.MinerId));
        Assert.Contains(report.Results, r => r.Outcome == DispatchOutcome.Confirmed && !first.Contains(r.MinerId));
        Assert.True(report.Rounds.Count >= 2);
        Assert.True(report.TargetMet);
        await Task.Delay(TimeSpan.FromMilliseconds(200)); // the last watts of the sleep ramp (80 ms at this speed)
        Assert.True(fleet.TotalPowerW <= target, $"emulated load {fleet.TotalPowerW:0} W above target {target:0} W\n"
            + string.Join("\n", fleet.Miners.Select(m => $"m{m.Index} {m.Model.Name} {m.PowerW:0} W target {m.TargetW:0} asleep {m.Asleep}"))
            + "\n" + string.Join("\n", report.Results) + "\n" + string.Join("\n", report.Rounds.SelectMany(r => r.Plan.Changes)));
    }

    [Fact]
    public async Task Transient_faults_are_retried_and_every_miner_gets_a_result()
    {
        var faults = new FaultInjection { ResetProbability = 0.15, MalformedProbability = 0.2 };
        var (fleet, members) = Start(MinerFamily.WhatsminerV2, 8, faults);
        await using var _ = fleet;
        var report = await new FleetActuator(members, Dispatcher(), TimeProvider.System).ApplyTargetAsync(0);
        Assert.NotEmpty(report.Results);
        Assert.All(report.Results, r => Assert.True(r.Outcome == DispatchOutcome.Confirmed || r.Error is not null, r.ToString()));
        Assert.True(report.Results.Count(r => r.Outcome == DispatchOutcome.Confirmed) >= 6, string.Join("\n", report.Results));
        Assert.Contains(report.Results, r => r.Attempts >= 1);
    }

    [Fact]
    public async Task During_an_event_a_miner_that_wakes_by_itself_is_put_back_to_sleep()
    {
        var (fleet, members) = Start(MinerFamily.LuxOs, 4);
        await using var _ = fleet;
        var actuator = new FleetActuator(members, Dispatcher(), TimeProvider.System);
        actuator.BeginEvent();
        var target = fleet.TotalPowerW * 0.4;
        var first = await actuator.ApplyTargetAsync(target);
        Assert.True(first.TargetMet);
        var rebel = fleet.Miners.First(m => m.Asleep);
        rebel.WakeBySelf();
        Assert.False(rebel.Asleep);

        var second = await actuator.ApplyTargetAsync(target);
        Assert.Contains(second.Results, r => r.MinerId == $"m{rebel.Index}" && r.Action == MinerActionKind.Sleep && r.Outcome == DispatchOutcome.Confirmed);
        Assert.True(rebel.Asleep);

        actuator.EndEvent();
        Assert.Empty(actuator.HeldAsleep);
    }

    [Fact]
    public async Task A_dispatch_can_start_from_the_cycle_snapshot_without_reading_again()
    {
        var (fleet, members) = Start(MinerFamily.WhatsminerV3, 5);
        await using var _ = fleet;
        var actuator = new FleetActuator(members, Dispatcher(), TimeProvider.System);
        var snapshot = await actuator.ReadAllAsync();
        var target = fleet.TotalPowerW - 6000;

        var report = await actuator.ApplyTargetAsync(target, snapshot);

        Assert.Equal(TimeSpan.Zero, report.ReadElapsed);
        Assert.True(report.TargetMet);
        Assert.All(report.Results, r => Assert.Equal(DispatchOutcome.Confirmed, r.Outcome));
        Assert.Equal(2, fleet.Miners.Count(m => m.Asleep));
    }

    [Fact]
    public async Task Restore_wakes_in_steps_the_genset_can_take_most_efficient_first()
    {
        var (fleet, members) = Start(MinerFamily.LuxOs, 6);
        await using var _ = fleet;
        var actuator = new FleetActuator(members, Dispatcher(), TimeProvider.System) { MaxRampUpW = 7200 };
        var full = fleet.TotalPowerW;
        var shed = await actuator.ApplyTargetAsync(200);
        Assert.All(fleet.Miners, m => Assert.True(m.Asleep));
        Assert.Equal(6, shed.Results.Count(r => r.Outcome == DispatchOutcome.Confirmed));

        var step1 = await actuator.ApplyTargetAsync(full);
        var woken1 = fleet.Miners.Where(m => !m.Asleep).ToList();
        Assert.Equal(2, woken1.Count); // two miners of ≤ 3.5 kW fit in a 7.2 kW step, a third does not
        Assert.True(woken1.Sum(m => m.Model.NominalW) <= 7200);
        // Most efficient first: no sleeping miner has a better J/TH than the worst one woken.
        Assert.True(fleet.Miners.Where(m => m.Asleep).Min(m => m.Model.JoulesPerTh) >= woken1.Max(m => m.Model.JoulesPerTh) - 1e-9);
        Assert.True(step1.ExpectedLoadW - step1.LoadBeforeW <= 7200);

        await actuator.ApplyTargetAsync(full);
        Assert.Equal(4, fleet.Miners.Count(m => !m.Asleep));
    }
}
