using System.Net;
using System.Text.Json.Nodes;
using Curtail.Emulators.Miners;
using Curtail.Miners.Drivers;
using Curtail.Miners.Protocols;

namespace Curtail.Miners.Tests;

/// <summary>The ePIC and Avalon drivers against replies recorded from real firmware (Fixtures/SOURCES.md).</summary>
public class EpicAvalonRecordedReplyTests
{
    private static string Fixture(string path) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", path));

    private static int _port = 31800 + Environment.ProcessId % 20 * 20;

    private static readonly FakeTimeProvider Time = new(TestFleet.Epoch);

    private sealed class Replay(Func<string, string, string?> answer) : ICgminerDialect
    {
        public List<string> Requests { get; } = [];

        public string? Handle(JsonObject request)
        {
            var command = TolerantJson.Text(request["command"]) ?? "";
            var parameter = TolerantJson.Text(request["parameter"]) ?? "";
            lock (Requests) Requests.Add($"{command} {parameter}".Trim());
            return answer(command, parameter);
        }
    }

    private static EmulatedMiner Owner(int port) => new(0, MinerFamily.Avalon, ModelCatalog.AvalonA1246, "replay",
        new MinerEndpoint("127.0.0.1", port), new MinerCredentials("", ""), Time, new EmulatorTiming(), FaultInjection.None, 1);

    private static (TcpServerHost Host, MinerEndpoint Endpoint) ServeCgminer(Replay replay)
    {
        var port = Interlocked.Increment(ref _port);
        var host = new TcpServerHost(IPAddress.Loopback, port, new CgminerApiServer(Owner(port), replay).HandleAsync);
        host.Start();
        return (host, new MinerEndpoint("127.0.0.1", port));
    }

    private static (TcpServerHost Host, MinerEndpoint Endpoint) ServeHttp(Func<HttpRequestLite, HttpResponseLite> answer)
    {
        var port = Interlocked.Increment(ref _port);
        var host = new TcpServerHost(IPAddress.Loopback, port,
            new MiniHttpServer(null, (request, _) => Task.FromResult(answer(request))).HandleAsync);
        host.Start();
        return (host, new MinerEndpoint("127.0.0.1", port));
    }

    [Fact]
    public async Task Avalon_reads_a_working_a1246_and_an_idle_avalon_q_as_captured()
    {
        var stats = "avalon/stats_a1246_working.json";
        var replay = new Replay((command, _) => command switch
        {
            "stats" => Fixture(stats),
            "version" => Fixture("avalon/version_avalon_q.json"),
            _ => null,
        });
        var (host, endpoint) = ServeCgminer(replay);
        await using var _ = host;

        var working = await new AvalonMiner("a1246", endpoint, ModelCatalog.AvalonA1246, Time).ReadStatusAsync();
        Assert.Equal(MinerMode.Running, working.Mode);
        Assert.Equal(81.07268, working.HashrateThs, 5);                 // GHSspd[81072.68]
        Assert.Equal(3189, working.PowerW);                              // PS[4]
        Assert.Equal(PowerSource.Measured, working.PowerSource);
        Assert.Equal(new[] { 77.0, 77, 76 }, working.TemperaturesC);            // MTmax per board
        Assert.Equal(3, working.Hashboards);                             // MGHS per board
        Assert.True(working.FansRunning);                                // Fan1..4 ≈ 5,300 rpm
        Assert.Equal("Avalon Q 25052801_14a19a2", working.Firmware);

        stats = "avalon/stats_avalon_q_idle.json";
        var idle = await new AvalonMiner("avalon-q", endpoint, ModelCatalog.AvalonA1246, Time).ReadStatusAsync();
        Assert.Equal(MinerMode.Sleeping, idle.Mode);                     // SYSTEMSTATU "In Idle", SoftOFF[4]
        Assert.Equal(0, idle.HashrateThs);
        Assert.Equal(PowerSource.Estimated, idle.PowerSource);           // PS[4] is 0 and there is no WALLPOWER
        Assert.Equal(800, idle.PowerTargetW);                            // MPO of work mode 0
        Assert.False(idle.FansRunning);
    }

    [Fact]
    public async Task Avalon_accepts_the_captured_ascset_replies_and_refuses_the_help_list()
    {
        var answer = "avalon/ascset_softoff.json";
        var replay = new Replay((command, _) => command == "ascset" ? Fixture(answer) : null);
        var (host, endpoint) = ServeCgminer(replay);
        await using var _ = host;
        var miner = new AvalonMiner("ava-rec", endpoint, ModelCatalog.AvalonA1246, Time);

        await miner.SleepAsync(); // I 118 "ASC 0 set info: success softoff:…"
        var at = Time.GetUtcNow().ToUnixTimeSeconds() + 1;
        answer = "avalon/ascset_workmode.json";
        await miner.SetPowerTargetAsync(ModelCatalog.AvalonA1246.NominalW * 0.85); // S 119 "ASC 0 set OK"
        lock (replay.Requests) Assert.Equal([$"ascset 0,softoff,1:{at}", "ascset 0,workmode,set,0"], replay.Requests);

        // The help list is what cgminer answers an option it does not know: a refusal, not a success.
        answer = "avalon/ascset_help.json";
        var ex = await Assert.ThrowsAsync<MinerException>(() => miner.SetPowerTargetAsync(ModelCatalog.AvalonA1246.NominalW));
        Assert.Equal(MinerFailureKind.Rejected, ex.Kind);
        Assert.Contains("help|voltage", ex.Message);
    }

    [Fact]
    public async Task Epic_reads_the_captured_summary_with_a_disabled_board_and_posts_the_password_in_the_body()
    {
        var posts = new List<(string Path, JsonObject Body)>();
        var writeReply = "epic/result_ok.json";
        var (host, endpoint) = ServeHttp(request => (request.Method, request.Path) switch
        {
            ("GET", "/summary") => HttpResponseLite.Json(Fixture("epic/summary_s19xp_board0_disabled.json")),
            ("GET", "/capabilities") => HttpResponseLite.Json(Fixture("epic/capabilities_s19xp.json")),
            ("POST", _) => Record(request),
            _ => new HttpResponseLite(404, "{}"),
        });
        await using var _ = host;
        HttpResponseLite Record(HttpRequestLite request)
        {
            lock (posts) posts.Add((request.Path, (JsonObject)JsonNode.Parse(request.Body)!));
            return HttpResponseLite.Json(Fixture(writeReply));
        }
        var miner = new EpicMiner("epic-rec", endpoint, ModelCatalog.AntminerS19Xp, MinerCredentials.Default(MinerFamily.Epic), Time);

        var s = await miner.ReadStatusAsync();
        Assert.Equal("PowerPlay-BMS v1.5.13", s.Firmware);
        Assert.Equal((49440724.0 + 49925124.0) / 1e6, s.HashrateThs, 6); // HBs[].Hashrate[0] in MH/s
        Assert.Equal(2166.6174, s.PowerW, 4);                            // Power Supply Stats.Input Power
        Assert.Equal(PowerSource.Measured, s.PowerSource);
        Assert.Equal(3, s.Hashboards);
        Assert.Equal(2, s.ActiveHashboards);                             // HBStatus[0].Enabled = false
        Assert.Equal(MinerMode.Throttled, s.Mode);
        Assert.True(s.FansRunning);
        Assert.Equal(new[] { 67.0, 64.312 }, s.TemperaturesC);

        await miner.SleepAsync();
        await miner.SetActiveHashboardsAsync(1);
        lock (posts)
        {
            Assert.Equal("/miner", posts[0].Path);
            Assert.Equal("Stop", posts[0].Body["param"]!.GetValue<string>());
            Assert.Equal("letmein", posts[0].Body["password"]!.GetValue<string>());
            Assert.Equal("/boardenable", posts[1].Path);
            Assert.Equal("""[{"Index":0,"Data":true},{"Index":1,"Data":false},{"Index":2,"Data":false}]""", posts[1].Body["param"]!.ToJsonString());
        }

        writeReply = "epic/result_bad_password.json";
        var ex = await Assert.ThrowsAsync<MinerException>(() => miner.WakeAsync());
        Assert.Equal(MinerFailureKind.Authentication, ex.Kind);
    }
}
