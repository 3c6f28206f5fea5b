using System.Net;
using System.Text.Json.Nodes;
using Curtail.Emulators.Miners;
using Curtail.Miners.Drivers;
using Curtail.Miners.Protocols;

namespace Curtail.Miners.Tests;

/// <summary>
/// The Vnish driver against replies in the shapes public sources give (Fixtures/SOURCES.md): the firmware API
/// schema's summary with its cooling block, and an older summary without one, whose fans come from bmminer stats.
/// </summary>
public class VnishRecordedReplyTests
{
    private static string Fixture(string path) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", path));

    private static readonly FakeTimeProvider Time = new(TestFleet.Epoch);

    /// <summary>The Vnish web API answering unlock with a token and the reads with the given summary.</summary>
    private static (TcpServerHost Host, int Port, List<string> Paths) ServeWeb(string summaryFixture)
    {
        var paths = new List<string>();
        // Port 0: the kernel picks a free port (a fixed block could meet other processes' connections).
        var host = new TcpServerHost(IPAddress.Loopback, 0, new MiniHttpServer(null, (request, _) =>
        {
            lock (paths) paths.Add(request.Path);
            var authorized = request.Header("Authorization")?.EndsWith("vnish-token", StringComparison.Ordinal) == true;
            return Task.FromResult(request.Path switch
            {
                "/api/v1/unlock" => HttpResponseLite.Json("{\"token\":\"vnish-token\"}"),
                "/api/v1/info" => HttpResponseLite.Json(Fixture("vnish/info_s19_v1_2.json")),
                _ when !authorized => new HttpResponseLite(401, "{\"err\":\"unauthorized\"}"),
                "/api/v1/summary" => HttpResponseLite.Json(Fixture(summaryFixture)),
                "/api/v1/settings" => HttpResponseLite.Json("{\"miner\":{\"overclock\":{\"preset\":\"3250\"}}}"),
                _ => new HttpResponseLite(404, "{\"err\":\"not found\"}"),
            });
        }).HandleAsync);
        host.Start();
        return (host, host.Port, paths);
    }

    private sealed class StatsReplay : ICgminerDialect
    {
        public List<string> Commands { get; } = [];

        public string? Handle(JsonObject request)
        {
            var command = TolerantJson.Text(request["command"]) ?? "";
            lock (Commands) Commands.Add(command);
            return command == "stats" ? Fixture("vnish/rpc_stats_s19_bmminer.json") : null;
        }
    }

    private static (TcpServerHost Host, int Port, StatsReplay Replay) ServeRpc()
    {
        var replay = new StatsReplay();
        CgminerApiServer? server = null;
        var host = new TcpServerHost(IPAddress.Loopback, 0, (socket, ct) => server!.HandleAsync(socket, ct));
        var owner = new EmulatedMiner(0, MinerFamily.Vnish, ModelCatalog.AntminerS19, "replay", new MinerEndpoint("127.0.0.1", host.Port),
            new MinerCredentials("", ""), Time, new EmulatorTiming(), FaultInjection.None, 1);
        server = new CgminerApiServer(owner, replay);
        host.Start();
        return (host, host.Port, replay);
    }

    private static VnishMiner Driver(int webPort, int rpcPort) => new("vnish-doc", new MinerEndpoint("127.0.0.1", webPort, rpcPort),
        ModelCatalog.AntminerS19, new MinerCredentials("admin", "admin"), Time);

    [Fact]
    public async Task Summary_in_the_api_schema_gives_each_fans_rpm_a_lost_fan_as_zero_and_watts_from_power_consumption()
    {
        var (web, webPort, _) = ServeWeb("vnish/summary_s19_v1_2_fan_lost.json");
        var (rpc, rpcPort, replay) = ServeRpc();
        await using var _w = web;
        await using var _r = rpc;

        var status = await Driver(webPort, rpcPort).ReadStatusAsync();

        Assert.Equal(new double[] { 5640, 5580, 0, 5610 }, status.FanRpm);  // cooling.fans[].rpm, the lost fan at 0
        Assert.True(status.FansRunning);
        Assert.Equal(3265, status.PowerW);                                  // power_consumption, not power_usage (J/TH)
        Assert.Equal(PowerSource.Measured, status.PowerSource);
        Assert.Equal(94.21037, status.HashrateThs, 5);                      // hr_realtime in info's hr_measure, GH/s
        Assert.Equal(new double[] { 73, 74, 72 }, status.TemperaturesC);
        Assert.Equal(MinerMode.Running, status.Mode);
        Assert.Equal("Vnish 1.2.6", status.Firmware);
        Assert.Empty(replay.Commands);                                      // the summary had the fans: no second API call
    }

    [Fact]
    public async Task Summary_without_cooling_reads_the_fans_from_bmminer_stats_as_pyasic_does()
    {
        var (web, webPort, _) = ServeWeb("vnish/summary_s19_legacy_no_cooling.json");
        var (rpc, rpcPort, replay) = ServeRpc();
        await using var _w = web;
        await using var _r = rpc;

        var status = await Driver(webPort, rpcPort).ReadStatusAsync();

        Assert.Equal(new double[] { 5520, 5460, 5490, 5510 }, status.FanRpm); // STATS[1] fan1..fan4
        Assert.Equal(["stats"], replay.Commands);
        Assert.Equal(3240, status.PowerW);                                  // older firmware: power_usage is the watts
        Assert.Equal(93.8705, status.HashrateThs, 4);
    }

    [Fact]
    public async Task Summary_without_cooling_and_no_cgminer_api_still_reads_without_fans()
    {
        var (web, webPort, _) = ServeWeb("vnish/summary_s19_legacy_no_cooling.json");
        await using var _w = web;
        // A port nothing listens on: the API is off or firewalled.
        var closed = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var closedPort = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();

        var status = await Driver(webPort, closedPort).ReadStatusAsync();

        Assert.Null(status.FanRpm);
        Assert.Null(status.FansRunning);
        Assert.Equal(3240, status.PowerW);
        Assert.Equal(MinerMode.Running, status.Mode);
    }
}
