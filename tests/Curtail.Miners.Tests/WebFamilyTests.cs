using System.Diagnostics;
using Curtail.Miners.Drivers;

namespace Curtail.Miners.Tests;

public class WebFamilyTests
{
    [Fact]
    public async Task Antminer_sleeps_through_digest_cgi_waiting_for_the_slow_reply()
    {
        await using var fleet = TestFleet.Start(MinerFamily.AntminerStock, 1, out var time, antminerReply: TimeSpan.FromMilliseconds(300));
        var em = fleet.Miners[0];
        var miner = new AntminerStockMiner("am-0", em.Endpoint, em.Model, em.Credentials, time);
        Assert.False(typeof(IPowerTargetable).IsAssignableFrom(miner.GetType())); // stock firmware has no watt target

        var running = await miner.ReadStatusAsync();
        Assert.Equal(MinerMode.Running, running.Mode);
        Assert.Equal(PowerSource.Estimated, running.PowerSource);
        Assert.Equal(em.Model.NominalW, running.PowerW, 0);
        Assert.Equal("Antminer stock Thu Jul 27 11:46:23 CST 2023", running.Firmware);

        var watch = Stopwatch.StartNew();
        await miner.SleepAsync();
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(250), "the CGI reply is slow and must be awaited");
        time.Advance(TimeSpan.FromSeconds(15));
        var asleep = await miner.ReadStatusAsync();
        Assert.Equal(MinerMode.Sleeping, asleep.Mode);
        Assert.Equal(0, asleep.HashrateThs);
        Assert.Equal(em.Model.SleepW, asleep.PowerW);

        var writes = em.WriteCount;
        await miner.SleepAsync(); // already asleep: no second full-config write
        Assert.Equal(writes, em.WriteCount);
        await miner.WakeAsync();
        Assert.False(em.Asleep);
    }

    [Fact]
    public async Task Antminer_wrong_password_names_the_miner()
    {
        await using var fleet = TestFleet.Start(MinerFamily.AntminerStock, 1, out var time);
        var em = fleet.Miners[0];
        var miner = new AntminerStockMiner("am-x", em.Endpoint, em.Model, new MinerCredentials("root", "bad"), time);
        var ex = await Assert.ThrowsAsync<MinerException>(() => miner.SleepAsync());
        Assert.Equal(MinerFailureKind.Authentication, ex.Kind);
        Assert.Contains("am-x", ex.Message);
        Assert.False(em.Asleep);
    }

    [Fact]
    public async Task Braiins_rest_pauses_resumes_and_targets_within_constraints()
    {
        await using var fleet = TestFleet.Start(MinerFamily.BraiinsOs, 1, out var time);
        var em = fleet.Miners[0];
        var miner = new BraiinsOsMiner("bos-0", em.Endpoint, em.Model, em.Credentials, time);

        Assert.Equal(MinerMode.Running, (await miner.ReadStatusAsync()).Mode);
        await miner.SleepAsync();
        time.Advance(TimeSpan.FromSeconds(7));
        var paused = await miner.ReadStatusAsync();
        Assert.Equal(MinerMode.Sleeping, paused.Mode);
        Assert.Equal(em.Model.SleepW, paused.PowerW, 0);

        await miner.WakeAsync();
        time.Advance(TimeSpan.FromMinutes(3));
        var target = Math.Round(em.Model.NominalW * 0.7);
        await miner.SetPowerTargetAsync(target);
        time.Advance(TimeSpan.FromMinutes(1));
        var throttled = await miner.ReadStatusAsync();
        Assert.Equal(MinerMode.Throttled, throttled.Mode);
        Assert.Equal(target, throttled.PowerTargetW);
        Assert.Equal(target, throttled.PowerW, 0);

        await Assert.ThrowsAsync<MinerException>(() => miner.SetPowerTargetAsync(em.Model.NominalW * 2));

        // Token lost (reboot): the driver logs in again transparently.
        em.Faults = new Curtail.Emulators.Miners.FaultInjection { SessionLossProbability = 1 };
        em.NextFault();
        em.Faults = Curtail.Emulators.Miners.FaultInjection.None;
        Assert.Equal(MinerMode.Throttled, (await miner.ReadStatusAsync()).Mode);
    }

    [Fact]
    public async Task Braiins_sleep_read_leaves_out_the_target_only_while_paused()
    {
        await using var fleet = TestFleet.Start(MinerFamily.BraiinsOs, 1, out var time);
        var em = fleet.Miners[0];
        var miner = new BraiinsOsMiner("bos-0", em.Endpoint, em.Model, em.Credentials, time);
        var target = Math.Round(em.Model.NominalW * 0.7);
        await miner.SetPowerTargetAsync(target);
        time.Advance(TimeSpan.FromMinutes(1));

        // Not paused: the whole power state, so the mode (throttled, not running) is read, never guessed.
        var running = await miner.ReadSleepStateAsync();
        var power = await miner.ReadPowerStateAsync();
        Assert.Equal(MinerMode.Throttled, running.Mode);
        Assert.Equal((power.Mode, power.PowerW, power.PowerTargetW), (running.Mode, running.PowerW, running.PowerTargetW));

        await miner.SleepAsync();
        time.Advance(TimeSpan.FromSeconds(3));
        var falling = await miner.ReadSleepStateAsync();
        time.Advance(TimeSpan.FromSeconds(4));
        var asleep = await miner.ReadSleepStateAsync();
        // Paused at once, at sleep power only after the boards' 6 s; no target while paused (performance/mode not asked).
        Assert.Equal((MinerMode.Sleeping, MinerMode.Sleeping), (falling.Mode, asleep.Mode));
        Assert.True(falling.PowerW > 2 * em.Model.SleepW && Math.Abs(asleep.PowerW - em.Model.SleepW) < 0.5, $"{falling.PowerW} W, then {asleep.PowerW} W");
        Assert.Equal((double?)null, asleep.PowerTargetW);
        Assert.Equal(target, (await miner.ReadPowerStateAsync()).PowerTargetW);
    }

    [Fact]
    public async Task Vnish_pauses_and_picks_a_tuned_preset_not_above_the_target()
    {
        await using var fleet = TestFleet.Start(MinerFamily.Vnish, 1, out var time);
        var em = fleet.Miners[0];
        var miner = new VnishMiner("vn-0", em.Endpoint, em.Model, em.Credentials, time);

        await miner.SetPowerTargetAsync(em.Model.NominalW * 0.83);
        time.Advance(TimeSpan.FromMinutes(1));
        var s = await miner.ReadStatusAsync();
        Assert.InRange(s.PowerTargetW!.Value, em.Model.NominalW * 0.78, em.Model.NominalW * 0.83);
        Assert.Equal(MinerMode.Throttled, s.Mode);

        await miner.SleepAsync();
        time.Advance(TimeSpan.FromSeconds(6));
        var stopped = await miner.ReadStatusAsync();
        Assert.Equal(MinerMode.Sleeping, stopped.Mode);
        Assert.Equal("Vnish 1.3.0", stopped.Firmware);
        await miner.WakeAsync();
        Assert.Equal(MinerMode.Ramping, (await miner.ReadStatusAsync()).Mode);
    }
}
