using Curtail.Miners.Drivers;

namespace Curtail.Miners.Tests;

public class LuxOsMinerTests
{
    [Fact]
    public async Task Reads_status_sleeps_and_wakes_through_sessions()
    {
        await using var fleet = TestFleet.Start(MinerFamily.LuxOs, 1, out var time);
        var em = fleet.Miners[0];
        var miner = new LuxOsMiner("lux-0", em.Endpoint, em.Model, time);

        var before = await miner.ReadStatusAsync();
        Assert.Equal(MinerMode.Running, before.Mode);
        Assert.Equal(em.Model.NominalW, before.PowerW, 0);
        Assert.Equal(PowerSource.Measured, before.PowerSource);
        Assert.Equal(em.Model.NominalThs, before.HashrateThs, 1);
        Assert.Equal(3, before.TemperaturesC.Count);

        await miner.SleepAsync();
        Assert.True(em.Asleep);
        time.Advance(TimeSpan.FromSeconds(5)); // LuxOS: ~25 W in under 5 s
        var asleep = await miner.ReadStatusAsync();
        Assert.Equal(MinerMode.Sleeping, asleep.Mode);
        Assert.Equal(25, asleep.PowerW, 0);

        await miner.WakeAsync();
        time.Advance(TimeSpan.FromSeconds(30));
        var waking = await miner.ReadStatusAsync();
        Assert.Equal(MinerMode.Ramping, waking.Mode);
        Assert.InRange(waking.PowerW, 100, em.Model.NominalW - 100);
    }

    [Fact]
    public async Task A_held_session_makes_writes_busy_not_false()
    {
        await using var fleet = TestFleet.Start(MinerFamily.LuxOs, 1, out var time);
        var em = fleet.Miners[0];
        var other = new Curtail.Miners.Protocols.CgminerClient("other", em.Endpoint.Host, em.Endpoint.Port, TimeSpan.FromSeconds(5));
        await other.CommandAsync("logon");
        var miner = new LuxOsMiner("lux-0", em.Endpoint, em.Model, time);

        var ex = await Assert.ThrowsAsync<MinerException>(() => miner.SleepAsync());
        Assert.Equal(MinerFailureKind.Busy, ex.Kind);
        Assert.Contains("lux-0", ex.Message);
        Assert.False(em.Asleep);

        time.Advance(TimeSpan.FromSeconds(61)); // the other session expires after 60 s idle
        await miner.SleepAsync();
        Assert.True(em.Asleep);
    }

    [Fact]
    public async Task A_lingering_session_the_miner_dropped_is_replaced_by_a_new_logon()
    {
        await using var fleet = TestFleet.Start(MinerFamily.LuxOs, 1, out var firmwareTime);
        var em = fleet.Miners[0];
        var driverTime = new Curtail.Core.Time.ManualTimeProvider();
        var miner = new LuxOsMiner("lux-0", em.Endpoint, em.Model, driverTime, new DriverOptions { LuxOsSessionLinger = Timeout.InfiniteTimeSpan });

        await miner.SleepAsync();
        Assert.True(em.Asleep);
        firmwareTime.Advance(TimeSpan.FromSeconds(61)); // the firmware expires our idle session; the driver still holds it
        await miner.WakeAsync();
        Assert.False(em.Asleep);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    public async Task A_burst_of_writes_to_one_miner_never_trips_the_one_session_lock(int lingerSeconds)
    {
        await using var fleet = TestFleet.Start(MinerFamily.LuxOs, 1, out var time);
        var em = fleet.Miners[0];
        var miner = new LuxOsMiner("lux-0", em.Endpoint, em.Model, time, new DriverOptions { LuxOsSessionLinger = TimeSpan.FromSeconds(lingerSeconds) });

        // Many writers at once (a dispatch, an operator's command, a retry): each must find or make the session
        // without a second logon while ours is open, and never log on while our own logoff is in flight.
        var writes = Enumerable.Range(0, 40).Select(i => i % 2 == 0 ? miner.SleepAsync() : miner.WakeAsync()).ToList();
        await Task.WhenAll(writes);

        Assert.Equal(40, em.WriteCount);
        await miner.DisposeAsync();
    }

    [Fact]
    public async Task Disposing_the_driver_logs_off_its_lingering_session()
    {
        await using var fleet = TestFleet.Start(MinerFamily.LuxOs, 1, out var time);
        var em = fleet.Miners[0];
        var miner = new LuxOsMiner("lux-0", em.Endpoint, em.Model, time, new DriverOptions { LuxOsSessionLinger = TimeSpan.FromSeconds(10) });
        var other = new Curtail.Miners.Protocols.CgminerClient("other", em.Endpoint.Host, em.Endpoint.Port, TimeSpan.FromSeconds(5));
        await miner.SleepAsync();
        var whileLingering = await other.CommandAsync("logon", checkStatus: false);
        Assert.Equal(402, Curtail.Miners.Protocols.CgminerClient.ReadStatus(whileLingering).Code);

        await miner.DisposeAsync(); // e.g. the controller or a benchmark exits before the linger is over

        var after = await other.CommandAsync("logon", checkStatus: false);
        Assert.Equal(316, Curtail.Miners.Protocols.CgminerClient.ReadStatus(after).Code);
    }

    [Fact]
    public async Task The_read_back_read_shows_what_a_command_changes_without_temperatures_or_fans()
    {
        await using var fleet = TestFleet.Start(MinerFamily.LuxOs, 1, out var time);
        var em = fleet.Miners[0];
        var miner = new LuxOsMiner("lux-0", em.Endpoint, em.Model, time);
        var full = await miner.ReadStatusAsync();
        var quick = await miner.ReadPowerStateAsync();
        Assert.Equal(3, full.TemperaturesC.Count);
        Assert.NotNull(full.FanRpm);
        Assert.Empty(quick.TemperaturesC); // no `stats` asked: the section a read-back does not need
        Assert.Null(quick.FanRpm);
        Assert.Equal((full.Mode, full.PowerW, full.HashrateThs, full.PowerTargetW, full.Model), (quick.Mode, quick.PowerW, quick.HashrateThs, quick.PowerTargetW, quick.Model));

        await miner.SetPowerTargetAsync(em.Model.NominalW * 0.8);
        time.Advance(TimeSpan.FromMinutes(1));
        var throttled = await miner.ReadPowerStateAsync();
        Assert.Equal(MinerMode.Throttled, throttled.Mode);
        Assert.Equal(em.TargetW, throttled.PowerTargetW!.Value, 0);
        Assert.Equal(em.PowerW, throttled.PowerW, 0);

        await miner.SleepAsync();
        time.Advance(TimeSpan.FromSeconds(2)); // halfway down: still drawing, boards ramping
        var falling = await miner.ReadPowerStateAsync();
        Assert.NotEqual(MinerMode.Sleeping, falling.Mode);
        Assert.True(falling.PowerW > 2 * em.Model.SleepW);
        time.Advance(TimeSpan.FromSeconds(3));
        var asleep = await miner.ReadPowerStateAsync();
        Assert.Equal(MinerMode.Sleeping, asleep.Mode);
        Assert.Equal(em.Model.SleepW, asleep.PowerW, 0);
    }

    [Fact]
    public async Task Power_target_selects_nearest_profile_and_rejects_out_of_range()
    {
        await using var fleet = TestFleet.Start(MinerFamily.LuxOs, 1, out var time);
        var em = fleet.Miners[0];
        var miner = new LuxOsMiner("lux-0", em.Endpoint, em.Model, time);
        var limits = await miner.GetPowerLimitsAsync();
        Assert.Equal(em.Model.NominalW * 0.5, limits.MinW, 0);

        var wanted = em.Model.NominalW * 0.8;
        await miner.SetPowerTargetAsync(wanted);
        time.Advance(TimeSpan.FromMinutes(1));
        var status = await miner.ReadStatusAsync();
        Assert.Equal(MinerMode.Throttled, status.Mode);
        Assert.InRange(status.PowerTargetW!.Value, wanted - em.Model.NominalW * 0.04, wanted);
        Assert.Equal(status.PowerTargetW.Value, status.PowerW, 0);
        Assert.True(status.HashrateThs < em.Model.NominalThs && status.HashrateThs > em.Model.NominalThs * 0.8);

        var ex = await Assert.ThrowsAsync<MinerException>(() => miner.SetPowerTargetAsync(100));
        Assert.Equal(MinerFailureKind.Rejected, ex.Kind);
        Assert.Contains("outside", ex.Message);
    }

    [Fact]
    public async Task Miners_of_different_models_keep_their_own_profiles_when_lists_are_shared()
    {
        // Drivers share one copy of each distinct profile list: a miner must still get the list its own firmware sent.
        await using var fleet = TestFleet.Start(MinerFamily.LuxOs, 12, out var time);
        var drivers = fleet.Miners.Select(em => (Emulated: em, Driver: new LuxOsMiner($"lux-{em.Index}", em.Endpoint, em.Model, time))).ToList();
        Assert.True(drivers.Select(d => d.Emulated.Model.NominalW).Distinct().Count() > 1, "the test fleet must mix models");
        foreach (var (emulated, driver) in drivers)
        {
            var limits = await driver.GetPowerLimitsAsync();
            Assert.Equal(Math.Round(emulated.Model.NominalW * 0.5), limits.MinW, 0);
            Assert.Equal(Math.Round(emulated.Model.NominalW * 1.2), limits.MaxW, 0);
        }
    }
}

