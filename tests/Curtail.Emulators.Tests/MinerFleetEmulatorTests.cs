using System.Text.Json.Nodes;
using Curtail.Core;
using Curtail.Emulators.Miners;
using Curtail.Miners;
using Curtail.Miners.Protocols;

namespace Curtail.Emulators.Tests;

public class MinerFleetEmulatorTests
{
    private static int _port = 31000 + Environment.ProcessId % 10 * 70; // below the ephemeral range

    private static readonly DateTimeOffset Epoch = new(2026, 8, 1, 0, 0, 0, TimeSpan.Zero);

    private static MinerFleetEmulator Fleet(int count, string mix, TimeProvider time, FaultInjection? faults = null, double speed = 1)
    {
        var basePort = Interlocked.Add(ref _port, 2 * count) - 2 * count;
        return new MinerFleetEmulator(new FleetEmulatorOptions
        {
            Count = count, Mix = FleetEmulatorOptions.ParseMix(mix), BasePort = basePort, Seed = 5,
            Timing = new EmulatorTiming { SpeedFactor = speed, AntminerConfReplyOverride = TimeSpan.FromMilliseconds(100) },
            Faults = faults ?? FaultInjection.None,
        }, time);
    }

    [Fact]
    public async Task Mix_gives_exact_counts_and_documented_port_layout()
    {
        await using var fleet = Fleet(10, "antminer:40,luxos:30,whatsminer:20,braiins:10", new FakeTimeProvider(Epoch));
        var counts = fleet.Miners.GroupBy(m => m.Family).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(4, counts[MinerFamily.AntminerStock]);
        Assert.Equal(3, counts[MinerFamily.LuxOs]);
        Assert.Equal(2, counts[MinerFamily.WhatsminerV2]);
        Assert.Equal(1, counts[MinerFamily.BraiinsOs]);
        var basePort = fleet.Options.BasePort;
        var nextAux = basePort + 10; // second APIs follow the main ports, only for the families that have one
        foreach (var m in fleet.Miners)
        {
            Assert.Equal(basePort + m.Index, m.Endpoint.Port);
            Assert.Equal(m.Family is MinerFamily.AntminerStock or MinerFamily.BraiinsOs ? nextAux++ : null, m.Endpoint.AuxPort);
        }
        Assert.Equal(15, fleet.Options.PortsNeeded);
        Assert.Equal(10, fleet.Describe().Count());
        Assert.Equal(fleet.Miners.Sum(m => m.Model.NominalW), fleet.TotalPowerW, 3);
    }

    [Theory]
    [InlineData("bitaxe:10", "unknown family 'bitaxe'")]
    [InlineData("luxos:-1", "non-negative")]
    [InlineData("luxos:0", "no family with a positive weight")]
    public void Bad_mix_is_invalid_input(string mix, string message) =>
        Assert.Contains(message, Assert.Throws<InvalidInputException>(() => FleetEmulatorOptions.ParseMix(mix)).Message);

    [Theory]
    [InlineData(1000, "luxos", 1000)]             // below the unprivileged range
    [InlineData(40_000, "luxos", 30_000)]         // 30,000..69,999: past the last port
    [InlineData(20_000, "braiins", 25_000)]       // 25,000 miners with a second API each need 50,000 ports
    public void Ports_outside_1024_65535_are_refused(int basePort, string mix, int count)
    {
        var ex = Assert.Throws<InvalidInputException>(() => new MinerFleetEmulator(
            new FleetEmulatorOptions { Count = count, Mix = FleetEmulatorOptions.ParseMix(mix), BasePort = basePort }, TimeProvider.System));
        Assert.Contains("1024-65535", ex.Message);
        Assert.StartsWith("--base-port", ex.Message);
    }

    [Fact]
    public void Default_base_port_keeps_a_large_mixed_fleet_below_the_ephemeral_range()
    {
        var (ephemeralFirst, _) = FleetEmulatorOptions.EphemeralRange();
        var small = new FleetEmulatorOptions { Count = 100, Mix = FleetEmulatorOptions.ParseMix("luxos:40,whatsminer3:30,braiins:30") };
        Assert.Equal(160, small.PortsNeeded);
        Assert.Equal(FleetEmulatorOptions.DefaultBasePort, small.BasePortBelowEphemeral());

        var large = small with { Count = 10_000 };
        Assert.Equal(16_000, large.PortsNeeded); // 4,000 LuxOS with one port, 6,000 with a second API
        var basePort = large.BasePortBelowEphemeral();
        Assert.True(basePort + large.PortsNeeded <= ephemeralFirst, $"{basePort}+{large.PortsNeeded} reaches {ephemeralFirst}");
        (large with { BasePort = basePort }).Validate();
    }

    [Fact]
    public void Power_follows_sleep_wake_and_target_along_the_firmware_ramps()
    {
        var time = new FakeTimeProvider(Epoch);
        var fleet = Fleet(2, "luxos:1,whatsminer:1", time);
        var lux = fleet.Miners.Single(m => m.Family == MinerFamily.LuxOs);
        var wm = fleet.Miners.Single(m => m.Family == MinerFamily.WhatsminerV2);
        var nominal = lux.Model.NominalW;

        lux.Sleep();
        time.Advance(TimeSpan.FromSeconds(2)); // half of LuxOS's 4 s
        Assert.Equal(nominal - (nominal - 25) / 2, lux.PowerW, 0);
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(25, lux.PowerW, 6);
        Assert.Equal(0, lux.HashrateThs);
        Assert.Equal(MinerMode.Sleeping, lux.Mode);
        Assert.False(lux.FansRunning); // asleep: fans stop
        Assert.Equal(0, lux.FanRpm);

        lux.Wake();
        // The firmware restarts first (LuxOS 5 s): fans spin up, power stays at the sleep level.
        Assert.Equal(TimeSpan.FromSeconds(5), lux.RestartRemaining);
        Assert.True(lux.FansRunning);
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(25, lux.PowerW, 6);
        Assert.Equal(MinerMode.Ramping, lux.Mode);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(lux.Restarting);
        time.Advance(TimeSpan.FromSeconds(30)); // half of the 1 min wake ramp
        Assert.Equal(MinerMode.Ramping, lux.Mode);
        Assert.Equal(25 + (nominal - 25) / 2, lux.PowerW, 0);
        time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(MinerMode.Running, lux.Mode);
        Assert.Equal(lux.Model.NominalThs, lux.HashrateThs, 6);

        // Whatsminer restarts mining on a limit change: power falls and ramps back to the limit.
        wm.SetTarget(wm.Model.NominalW * 0.7, restartsMining: true);
        Assert.True(wm.PowerW < 100);
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(wm.Model.NominalW * 0.7, wm.PowerW, 0);
        Assert.Equal(MinerMode.Throttled, wm.Mode);
        // hashrate ∝ p^(1/1.45)
        Assert.Equal(wm.Model.NominalThs * Math.Pow(0.7, 1 / 1.45), wm.HashrateThs, 6);
        Assert.True(wm.FansRunning); // a power target keeps the fans turning
        Assert.Equal(lux.PowerW + wm.PowerW, fleet.TotalPowerW, 6);
        var snapshot = fleet.Snapshot();
        Assert.Equal(fleet.TotalPowerW, snapshot.Sum(s => s.PowerW), 6);
        Assert.Equal(MinerMode.Throttled, snapshot.Single(s => s.Family == MinerFamily.WhatsminerV2).Mode);
    }

    [Fact]
    public async Task Malformed_replies_parse_after_repair_and_resets_fail_the_connection()
    {
        await using var fleet = Fleet(1, "luxos", new FakeTimeProvider(Epoch), new FaultInjection { MalformedProbability = 1 });
        fleet.Start();
        var m = fleet.Miners[0];
        var client = new CgminerClient("m0", "127.0.0.1", m.Endpoint.Port, TimeSpan.FromSeconds(2));
        for (var i = 0; i < 4; i++)
        {
            var raw = await client.ExchangeAsync("{\"command\":\"summary\"}", true, CancellationToken.None);
            Assert.ThrowsAny<System.Text.Json.JsonException>(() => JsonNode.Parse(raw.TrimEnd('\0')));
            var reply = TolerantJson.ParseObject(raw, "m0");
            Assert.True(TolerantJson.Number(TolerantJson.First(reply, "SUMMARY")?["GHS 5s"]) > 0);
        }

        m.Faults = new FaultInjection { ResetProbability = 1 };
        var ex = await Assert.ThrowsAsync<MinerException>(() => client.CommandAsync("summary"));
        Assert.Equal(MinerFailureKind.Connection, ex.Kind);

        m.Faults = new FaultInjection { TimeoutProbability = 1 };
        var quick = new CgminerClient("m0", "127.0.0.1", m.Endpoint.Port, TimeSpan.FromMilliseconds(300));
        Assert.Equal(MinerFailureKind.Timeout, (await Assert.ThrowsAsync<MinerException>(() => quick.CommandAsync("summary"))).Kind);
    }

    [Fact]
    public async Task Whatsminer_v2_caps_tokens_and_v3_checks_params_and_timestamps()
    {
        var time = new FakeTimeProvider(Epoch);
        await using var fleet = Fleet(2, "whatsminer:1,whatsminer3:1", time);
        fleet.Start();
        var v2 = fleet.Miners.Single(m => m.Family == MinerFamily.WhatsminerV2);
        var client = new CgminerClient("wm", "127.0.0.1", v2.Endpoint.Port, TimeSpan.FromSeconds(2));
        for (var i = 0; i < 32; i++)
            Assert.Equal(134, CgminerClient.ReadStatus(await client.SendRawAsync("{\"cmd\":\"get_token\"}")).Code);
        Assert.Equal(136, CgminerClient.ReadStatus(await client.SendRawAsync("{\"cmd\":\"get_token\"}")).Code);
        time.Advance(TimeSpan.FromMinutes(31)); // tokens live 30 min
        Assert.Equal(134, CgminerClient.ReadStatus(await client.SendRawAsync("{\"cmd\":\"get_token\"}")).Code);

        var v3 = fleet.Miners.Single(m => m.Family == MinerFamily.WhatsminerV3);
        var framed = new FramedJsonClient("wm3", "127.0.0.1", v3.Endpoint.Port, TimeSpan.FromSeconds(2));
        var noParam = await framed.ExchangeAsync(p => p is null ? new JsonObject { ["cmd"] = "get.miner.status" } : null, CancellationToken.None);
        Assert.Equal(-3, TolerantJson.Number(noParam["code"]));
        var stale = await framed.ExchangeAsync(p => p is null
            ? new JsonObject { ["cmd"] = "set.miner.service", ["param"] = "stop", ["ts"] = Epoch.AddHours(-1).ToUnixTimeSeconds(), ["account"] = "super", ["token"] = "AAAAAAAA" }
            : null, CancellationToken.None);
        Assert.Equal(-4, TolerantJson.Number(stale["code"]));
        Assert.False(v3.Asleep);
    }

    [Fact]
    public async Task Antminer_answers_config_writes_late_and_ignores_the_read_only_mode_key()
    {
        var time = new FakeTimeProvider(Epoch);
        await using var fleet = Fleet(1, "antminer", time);
        var m = fleet.Miners[0];
        var emulator = new AntminerStockEmulator(m);
        var pools = "[{\"url\":\"a\",\"user\":\"b\",\"pass\":\"c\"},{\"url\":\"\",\"user\":\"\",\"pass\":\"\"},{\"url\":\"\",\"user\":\"\",\"pass\":\"\"}]";
        var unauth = await emulator.HandleWebAsync(new HttpRequestLite("POST", "/cgi-bin/set_miner_conf.cgi", new Dictionary<string, string>(), "{}"), CancellationToken.None);
        Assert.Equal(401, unauth.Status);
        Assert.Contains("realm=\"antMiner", unauth.Headers!["WWW-Authenticate"]);

        var nonce = DigestAuth.ParseHeader(unauth.Headers["WWW-Authenticate"])["nonce"];
        HttpRequestLite Post(string body)
        {
            var auth = DigestAuth.AuthorizationHeader("root", "root", "POST", "/cgi-bin/set_miner_conf.cgi",
                new Dictionary<string, string> { ["realm"] = AntminerStockEmulator.Realm, ["nonce"] = nonce, ["qop"] = "auth" }, 1, "abc");
            return new HttpRequestLite("POST", "/cgi-bin/set_miner_conf.cgi", new Dictionary<string, string> { ["Authorization"] = auth }, body);
        }

        var quirk = await emulator.HandleWebAsync(Post($"{{\"bitmain-work-mode\":\"1\",\"pools\":{pools}}}"), CancellationToken.None);
        Assert.Contains("M000", quirk.Body);
        Assert.Equal(TimeSpan.FromMilliseconds(100), quirk.Delay);
        Assert.False(m.Asleep); // success reply, nothing done: the old-FW write-key quirk

        var sleep = await emulator.HandleWebAsync(Post($"{{\"miner-mode\":1,\"pools\":{pools}}}"), CancellationToken.None);
        Assert.Contains("M000", sleep.Body);
        Assert.True(m.Asleep);

        var badPools = await emulator.HandleWebAsync(Post("{\"miner-mode\":0,\"pools\":[]}"), CancellationToken.None);
        Assert.Contains("M001", badPools.Body);
        Assert.True(m.Asleep);
    }
}
