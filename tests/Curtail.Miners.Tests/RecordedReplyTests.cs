using System.Net;
using System.Text.Json.Nodes;
using Curtail.Emulators.Miners;
using Curtail.Miners.Drivers;
using Curtail.Miners.Protocols;

namespace Curtail.Miners.Tests;

/// <summary>Drivers against replies recorded from real firmware or quoted from vendor docs (Fixtures/SOURCES.md).</summary>
public class RecordedReplyTests
{
    private static string Fixture(string path) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", path));

    private static JsonObject FixtureJson(string path) => TolerantJson.ParseObject(Fixture(path), path);

    /// <summary>Answers each cgminer command with a recorded reply.</summary>
    private sealed class ReplayDialect(Dictionary<string, string> replies) : ICgminerDialect
    {
        public List<string> Requests { get; } = [];

        public string? Handle(JsonObject request)
        {
            var command = TolerantJson.Text(request["command"]) ?? "";
            lock (Requests) Requests.Add($"{command} {TolerantJson.Text(request["parameter"])}".Trim());
            return replies.TryGetValue(command, out var reply)
                ? reply
                : "{\"STATUS\":[{\"STATUS\":\"S\",\"Code\":317,\"Msg\":\"ok\"}],\"id\":1}";
        }
    }

    private static int _port = 25900 + Environment.ProcessId % 20 * 5;

    private static async Task<(TcpServerHost Host, MinerEndpoint Endpoint)> ServeAsync(ReplayDialect dialect)
    {
        var time = new FakeTimeProvider(TestFleet.Epoch);
        var model = ModelCatalog.AntminerS19jPro;
        var port = Interlocked.Increment(ref _port);
        var endpoint = new MinerEndpoint("127.0.0.1", port);
        var owner = new EmulatedMiner(0, MinerFamily.LuxOs, model, "replay", endpoint, new MinerCredentials("", ""), time,
            new EmulatorTiming(), FaultInjection.None, 1);
        var host = new TcpServerHost(IPAddress.Loopback, port, new CgminerApiServer(owner, dialect).HandleAsync);
        host.Start();
        await Task.Yield();
        return (host, endpoint);
    }

    [Fact]
    public async Task LuxOs_driver_speaks_the_documented_session_and_curtail_replies()
    {
        var dialect = new ReplayDialect(new Dictionary<string, string>
        {
            ["logon"] = Fixture("luxos/logon.json"),
            ["curtail"] = Fixture("luxos/curtail_sleep.json"),
        });
        var (host, endpoint) = await ServeAsync(dialect);
        await using var _ = host;
        var time = new Curtail.Core.Time.ManualTimeProvider();
        var miner = new LuxOsMiner("lux-doc", endpoint, ModelCatalog.AntminerS19jPro, time);

        await miner.SleepAsync();
        await miner.WakeAsync();
        // Writes within the linger share one session; its logoff waits until the linger has passed.
        Assert.Equal(["logon", "curtail yJN2nlj1,sleep", "curtail yJN2nlj1,wakeup"], Snapshot());
        time.Advance(DriverOptions.Default.LuxOsSessionLinger - TimeSpan.FromSeconds(1));
        await Task.Delay(100);
        Assert.Equal(3, Snapshot().Count);
        time.Advance(TimeSpan.FromSeconds(1));
        for (var i = 0; i < 100 && Snapshot().Count < 4; i++) await Task.Delay(20);
        Assert.Equal(["logon", "curtail yJN2nlj1,sleep", "curtail yJN2nlj1,wakeup", "logoff yJN2nlj1"], Snapshot());

        // Without a linger the logoff follows each write.
        var eager = new LuxOsMiner("lux-doc", endpoint, ModelCatalog.AntminerS19jPro, time, new DriverOptions { LuxOsSessionLinger = TimeSpan.Zero });
        await eager.SleepAsync();
        for (var i = 0; i < 100 && Snapshot().Count < 7; i++) await Task.Delay(20);
        Assert.Equal(["logon", "curtail yJN2nlj1,sleep", "logoff yJN2nlj1"], Snapshot()[4..]);
        List<string> Snapshot()
        {
            lock (dialect.Requests) return [.. dialect.Requests];
        }
    }

    [Fact]
    public async Task LuxOs_documented_402_is_busy_and_nothing_is_written()
    {
        var dialect = new ReplayDialect(new Dictionary<string, string> { ["logon"] = Fixture("luxos/logon_busy.json") });
        var (host, endpoint) = await ServeAsync(dialect);
        await using var _ = host;
        var miner = new LuxOsMiner("lux-doc", endpoint, ModelCatalog.AntminerS19jPro, TimeProvider.System);

        var ex = await Assert.ThrowsAsync<MinerException>(() => miner.WakeAsync());
        Assert.Equal(MinerFailureKind.Busy, ex.Kind);
        Assert.Contains("402", ex.Message);
        Assert.DoesNotContain(dialect.Requests, r => r.StartsWith("curtail", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_reply_of_an_unexpected_shape_is_a_protocol_failure_naming_the_miner()
    {
        var dialect = new ReplayDialect(new Dictionary<string, string>
        {
            ["summary+power+config+devs+stats+version"] = "{\"summary\":5,\"power\":[\"x\"],\"id\":1}",
        });
        var (host, endpoint) = await ServeAsync(dialect);
        await using var _ = host;
        var miner = new LuxOsMiner("lux-odd", endpoint, ModelCatalog.AntminerS19jPro, TimeProvider.System);

        var ex = await Assert.ThrowsAsync<MinerException>(() => miner.ReadStatusAsync());
        Assert.Equal(MinerFailureKind.Protocol, ex.Kind);
        Assert.Contains("lux-odd", ex.Message);
    }

    private const string LuxOsStatusCommand = "summary+power+config+devs+stats+version";

    /// <summary>A LuxOS status reply in the shape the firmware sends (summary, power, config sections), with one field swapped in.</summary>
    private static string LuxOsStatus(string ghs = "98765.4", string power = "\"Watts\":3050") =>
        "{\"summary\":[{\"STATUS\":[{\"STATUS\":\"S\",\"Code\":11}],\"SUMMARY\":[{\"GHS 5s\":" + ghs + "}],\"id\":1}],"
        + "\"power\":[{\"STATUS\":[{\"STATUS\":\"S\",\"Code\":330}],\"POWER\":[{" + power + "}],\"id\":1}],"
        + "\"config\":[{\"STATUS\":[{\"STATUS\":\"S\",\"Code\":33}],\"CONFIG\":[{\"Profile\":\"default\"}],\"id\":1}],\"id\":1}";

    [Theory]
    [InlineData("98765.4", "\"Watts\":3050,\"Watts\":0", "Duplicate property 'Watts'")]
    [InlineData("1e999", "\"Watts\":3050", "out of range")]
    [InlineData("98765.4", "\"Watts\":{\"value\":3050}", "expected a number")]
    [InlineData("[98765.4]", "\"Watts\":3050", "expected a number")]
    public async Task LuxOs_status_with_a_duplicate_key_an_overflowing_number_or_a_wrong_type_is_that_miners_protocol_error(
        string ghs, string power, string problem)
    {
        var dialect = new ReplayDialect(new Dictionary<string, string> { [LuxOsStatusCommand] = LuxOsStatus(ghs, power) });
        var (host, endpoint) = await ServeAsync(dialect);
        await using var _ = host;
        var miner = new LuxOsMiner("lux-bad", endpoint, ModelCatalog.AntminerS19jPro, TimeProvider.System);

        var ex = await Assert.ThrowsAsync<MinerException>(() => miner.ReadStatusAsync());
        Assert.Equal(MinerFailureKind.Protocol, ex.Kind);
        Assert.Contains("miner lux-bad", ex.Message);
        Assert.Contains(problem, ex.Message);
    }

    [Fact]
    public async Task LuxOs_status_in_the_recorded_shape_reads()
    {
        // The baseline of the malformed cases above: the same reply with sound fields reads.
        var dialect = new ReplayDialect(new Dictionary<string, string> { [LuxOsStatusCommand] = LuxOsStatus() });
        var (host, endpoint) = await ServeAsync(dialect);
        await using var _ = host;
        var status = await new LuxOsMiner("lux-ok", endpoint, ModelCatalog.AntminerS19jPro, TimeProvider.System).ReadStatusAsync();
        Assert.Equal(3050, status.PowerW);
        Assert.Equal(98.7654, status.HashrateThs, 6);
    }

    [Theory]
    [InlineData("braiins/v25_05_version.json", "boser-buildroot 0.1.0-45f356ea")]
    [InlineData("braiins/v24_09_version.json", "boser-buildroot 0.1.0-75912fc7")]
    public async Task Discovery_recognises_captured_braiins_boser_version_replies(string fixture, string firmware)
    {
        var dialect = new ReplayDialect(new Dictionary<string, string> { ["version"] = Fixture(fixture) });
        var (host, endpoint) = await ServeAsync(dialect);
        await using var _ = host;
        var found = await MinerDiscovery.IdentifyEndpointAsync(endpoint, TimeSpan.FromSeconds(5));
        Assert.NotNull(found);
        Assert.Equal(MinerFamily.BraiinsOs, found.Family);
        Assert.Equal(firmware, found.Firmware);
    }

    [Fact]
    public void Antminer_s21_xp_captured_stats_give_model_and_chip_temperatures_but_no_power()
    {
        var (type, temps, power) = AntminerStockMiner.ParseStats(FixtureJson("antminer/v2023_07_s21_xp_hyd_rpc_stats.json"));
        Assert.Equal("Antminer S21 XP Hyd.", type);
        Assert.Equal([63.0, 63.0, 63.0], temps); // the empty fourth board (0-0-0-0) is not a board
        Assert.Null(power); // stock firmware reports none: the driver estimates it
    }

    [Fact]
    public void Recorded_status_envelopes_validate_as_pyasic_does()
    {
        var whatsminer = FixtureJson("whatsminer/v2_status_20210322.json");
        var (ok, code, _) = CgminerClient.ReadStatus(whatsminer);
        Assert.True(ok);
        Assert.Equal(131, code);
        Assert.Equal("false", TolerantJson.Text(whatsminer["Msg"]?["mineroff"]));

        Assert.True(CgminerClient.ReadStatus(FixtureJson("braiins/legacy_pause.json")).Ok);
        Assert.False(CgminerClient.ReadStatus(FixtureJson("luxos/logon_busy.json")).Ok);
        Assert.Equal("success", TolerantJson.Text(FixtureJson("antminer/set_miner_conf_success.json")["stats"]));
        Assert.Equal(321, CgminerClient.ReadStatus(FixtureJson("luxos/profileset.json")).Code);
    }
}
