using Curtail.Emulators.Miners;
using Curtail.Miners.Drivers;
using Curtail.Miners.Protocols;

namespace Curtail.Miners.Tests;

public class WhatsminerTests
{
    [Theory]
    // Reference values from `openssl passwd -1 -salt <salt> <password>`.
    [InlineData("admin", "BQ5hoXV9", "$1$BQ5hoXV9$RxmaDUO33TS7O26yeMHZ81")]
    [InlineData("curtail-wm", "saltsalt", "$1$saltsalt$/DWzEWiuWWwmk/Kgwjw.d0")]
    public void Md5_crypt_matches_openssl(string password, string salt, string expected) =>
        Assert.Equal(expected, Md5Crypt.Crypt(password, salt));

    [Fact]
    public void Aes_ecb_round_trips_with_nul_padding()
    {
        var key = WhatsminerCrypto.Key("admin", "BQ5hoXV9");
        Assert.Equal("RxmaDUO33TS7O26yeMHZ81", key);
        var cipher = WhatsminerCrypto.Encrypt(key, "{\"cmd\":\"power_on\",\"token\":\"x\"}");
        Assert.Equal(0, Convert.FromBase64String(cipher).Length % 16);
        Assert.Equal("{\"cmd\":\"power_on\",\"token\":\"x\"}", WhatsminerCrypto.Decrypt(key, cipher));
    }

    [Fact]
    public async Task V2_power_off_is_silent_yet_the_miner_sleeps_and_wakes()
    {
        await using var fleet = TestFleet.Start(MinerFamily.WhatsminerV2, 1, out var time);
        var em = fleet.Miners[0];
        var miner = new WhatsminerV2Miner("wm-0", em.Endpoint, em.Model, em.Credentials, time,
            new DriverOptions { SilentReplyGrace = TimeSpan.FromMilliseconds(200) });

        var running = await miner.ReadStatusAsync();
        Assert.Equal(MinerMode.Running, running.Mode);
        Assert.Equal(em.Model.NominalW, running.PowerW, 0);
        Assert.Equal("btminer 20230911.15.Rel", running.Firmware);

        await miner.SleepAsync();
        time.Advance(TimeSpan.FromSeconds(10));
        var asleep = await miner.ReadStatusAsync();
        Assert.Equal(MinerMode.Sleeping, asleep.Mode);
        Assert.Equal(em.Model.SleepW, asleep.PowerW, 0);

        await miner.WakeAsync();
        time.Advance(TimeSpan.FromMinutes(1));
        var waking = await miner.ReadStatusAsync();
        Assert.Equal(MinerMode.Ramping, waking.Mode);
    }

    [Fact]
    public async Task V2_refetches_the_token_after_the_miner_forgets_it_and_sets_a_limit()
    {
        await using var fleet = TestFleet.Start(MinerFamily.WhatsminerV2, 1, out var time);
        var em = fleet.Miners[0];
        var miner = new WhatsminerV2Miner("wm-0", em.Endpoint, em.Model, em.Credentials, time);
        await miner.WakeAsync(); // caches a token
        em.Faults = new FaultInjection { SessionLossProbability = 1 };
        em.NextFault(); // the miner reboots and forgets every token
        em.Faults = FaultInjection.None;

        await miner.SetPowerTargetAsync(3000);
        time.Advance(TimeSpan.FromMinutes(5));
        var status = await miner.ReadStatusAsync();
        Assert.Equal(3000, status.PowerTargetW);
        Assert.Equal(3000, status.PowerW, 0);
        Assert.Equal(MinerMode.Throttled, status.Mode);
    }

    [Fact]
    public async Task V2_wrong_password_is_an_authentication_failure_naming_the_miner()
    {
        await using var fleet = TestFleet.Start(MinerFamily.WhatsminerV2, 1, out var time);
        var em = fleet.Miners[0];
        var miner = new WhatsminerV2Miner("wm-bad", em.Endpoint, em.Model, new MinerCredentials("admin", "wrong"), time);
        var ex = await Assert.ThrowsAsync<MinerException>(() => miner.WakeAsync());
        Assert.Contains("wm-bad", ex.Message);
        Assert.False(ex.Kind == MinerFailureKind.Timeout);
    }

    [Fact]
    public async Task V3_signs_each_write_and_reads_back_service_and_limit()
    {
        await using var fleet = TestFleet.Start(MinerFamily.WhatsminerV3, 1, out var time);
        var em = fleet.Miners[0];
        var miner = new WhatsminerV3Miner("wm3-0", em.Endpoint, em.Model, em.Credentials, time);

        await miner.SleepAsync();
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(MinerMode.Sleeping, (await miner.ReadStatusAsync()).Mode);
        await miner.WakeAsync();
        time.Advance(TimeSpan.FromMinutes(11));
        await miner.SetPowerTargetAsync(em.Model.NominalW - 500);
        time.Advance(TimeSpan.FromMinutes(5));
        var status = await miner.ReadStatusAsync();
        Assert.Equal(em.Model.NominalW - 500, status.PowerTargetW);
        Assert.Equal(em.Model.NominalW - 500, status.PowerW, 0);

        var intruder = new WhatsminerV3Miner("wm3-x", em.Endpoint, em.Model, new MinerCredentials("super", "nope"), time);
        var ex = await Assert.ThrowsAsync<MinerException>(() => intruder.SleepAsync());
        Assert.Equal(MinerFailureKind.Authentication, ex.Kind);
        Assert.False(em.Asleep);
    }

    [Fact]
    public async Task V3_firmware_refuses_v2_writes_on_4028()
    {
        await using var fleet = TestFleet.Start(MinerFamily.WhatsminerV3, 1, out var time);
        var em = fleet.Miners[0];
        var v2 = new WhatsminerV2Miner("wm3-as-v2", em.Endpoint with { Port = em.Endpoint.AuxPort!.Value }, em.Model,
            new MinerCredentials("super", "super"), time);
        var status = await v2.ReadStatusAsync(); // reads still work
        Assert.Equal(MinerMode.Running, status.Mode);
        var ex = await Assert.ThrowsAsync<MinerException>(() => v2.WakeAsync());
        Assert.Equal(MinerFailureKind.Rejected, ex.Kind);
    }
}
