using Curtail.Miners.Drivers;

namespace Curtail.Miners.Tests;

/// <summary>The ePIC and Avalon drivers against their emulators (real loopback servers, fake clock).</summary>
public class EpicAvalonTests
{
    [Fact]
    public async Task Epic_stops_and_autostarts_and_sheds_hashboards_with_the_fans_turning()
    {
        await using var fleet = TestFleet.Start(MinerFamily.Epic, 1, out var time);
        var em = fleet.Miners[0];
        var miner = new EpicMiner("epic-0", em.Endpoint, em.Model, em.Credentials, time);
        Assert.False(typeof(IPowerTargetable).IsAssignableFrom(typeof(EpicMiner))); // no watt target on ePIC

        var running = await miner.ReadStatusAsync();
        Assert.Equal(MinerMode.Running, running.Mode);
        Assert.Equal(PowerSource.Measured, running.PowerSource);
        Assert.Equal(em.Model.NominalW, running.PowerW, 0);
        Assert.Equal(em.Model.NominalThs, running.HashrateThs, 1);
        Assert.Equal(3, running.Hashboards);
        Assert.Equal(3, running.ActiveHashboards);
        Assert.True(running.FansRunning);
        Assert.Equal(3, await miner.GetHashboardCountAsync());

        // One board of three: a third of the power, hashrate linear in boards, fans still turning, no restart.
        await miner.SetActiveHashboardsAsync(2);
        time.Advance(TimeSpan.FromSeconds(11));
        var shed = await miner.ReadStatusAsync();
        Assert.Equal(2, shed.ActiveHashboards);
        Assert.Equal(MinerMode.Throttled, shed.Mode);
        Assert.Equal(em.Model.NominalW * 2 / 3, shed.PowerW, 0);
        Assert.Equal(em.Model.NominalThs * 2 / 3, shed.HashrateThs, 1);
        Assert.True(shed.FansRunning);
        Assert.False(em.Restarting);
        await Assert.ThrowsAsync<MinerException>(() => miner.SetActiveHashboardsAsync(0));

        await miner.SleepAsync();
        time.Advance(TimeSpan.FromSeconds(6));
        var idle = await miner.ReadStatusAsync();
        Assert.Equal(MinerMode.Sleeping, idle.Mode);
        Assert.Equal(0, idle.HashrateThs);
        Assert.False(idle.FansRunning); // a sleep stops the fans
        Assert.Equal(em.Model.SleepW, idle.PowerW, 0);

        await miner.WakeAsync();
        Assert.True(em.Restarting); // Autostart restarts the mining program before power rises
        var waking = await miner.ReadStatusAsync();
        Assert.Equal(MinerMode.Ramping, waking.Mode);
        Assert.True(waking.FansRunning);
        Assert.Equal(em.Model.SleepW, waking.PowerW, 0);
    }

    [Fact]
    public async Task Epic_wrong_password_is_an_authentication_failure_naming_the_miner()
    {
        await using var fleet = TestFleet.Start(MinerFamily.Epic, 1, out var time);
        var em = fleet.Miners[0];
        var miner = new EpicMiner("epic-bad", em.Endpoint, em.Model, new MinerCredentials("root", "wrong"), time);
        var ex = await Assert.ThrowsAsync<MinerException>(() => miner.SleepAsync());
        Assert.Equal(MinerFailureKind.Authentication, ex.Kind);
        Assert.Contains("epic-bad", ex.Message);
        Assert.False(em.Asleep);
    }

    [Fact]
    public async Task Avalon_soft_off_at_the_scheduled_time_soft_on_without_a_reply_and_workmode_as_power_target()
    {
        await using var fleet = TestFleet.Start(MinerFamily.Avalon, 1, out var time);
        var em = fleet.Miners[0];
        var miner = new AvalonMiner("ava-0", em.Endpoint, em.Model, time);

        var running = await miner.ReadStatusAsync();
        Assert.Equal(MinerMode.Running, running.Mode);
        Assert.Equal(PowerSource.Measured, running.PowerSource);
        Assert.Equal(em.Model.NominalW, running.PowerW, 0);
        Assert.Equal(em.Model.NominalThs, running.HashrateThs, 1);
        Assert.Equal(em.Model.NominalW, running.PowerTargetW!.Value, 0); // MPO of the normal work mode
        Assert.StartsWith("Avalon ", running.Firmware);

        // Eco work mode is the highest step not above the request.
        var limits = await miner.GetPowerLimitsAsync();
        await miner.SetPowerTargetAsync(em.Model.NominalW * 0.9);
        time.Advance(TimeSpan.FromSeconds(21));
        var eco = await miner.ReadStatusAsync();
        Assert.Equal(limits.MinW, eco.PowerTargetW!.Value, 0);
        Assert.Equal(MinerMode.Throttled, eco.Mode);
        Assert.Equal(limits.MinW, eco.PowerW, 0);
        Assert.True(eco.FansRunning);
        await Assert.ThrowsAsync<MinerException>(() => miner.SetPowerTargetAsync(em.Model.NominalW * 0.5)); // below eco

        // softoff is scheduled one second ahead: nothing happens before then.
        await miner.SleepAsync();
        Assert.False(em.Asleep);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(em.Asleep);
        time.Advance(TimeSpan.FromSeconds(5));
        var off = await miner.ReadStatusAsync();
        Assert.Equal(MinerMode.Sleeping, off.Mode);
        Assert.Equal(0, off.HashrateThs);
        Assert.False(off.FansRunning);

        // softon never answers (the firmware restarts cgminer): the driver counts it as delivered after its grace.
        await miner.WakeAsync();
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(em.Asleep);
        Assert.True(em.Restarting);
        var init = await miner.ReadStatusAsync();
        Assert.Equal(MinerMode.Ramping, init.Mode);
        Assert.True(init.FansRunning);
    }
}
