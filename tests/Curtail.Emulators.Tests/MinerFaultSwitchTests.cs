using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Curtail.Emulators.Miners;
using Curtail.Miners;
using Curtail.Miners.Protocols;

namespace Curtail.Emulators.Tests;

/// <summary>Each runtime fault switch, played by a real emulated miner over loopback, and the control endpoint that flips them.</summary>
public class MinerFaultSwitchTests
{
    private static int _port = 32000 + Environment.ProcessId % 10 * 70; // a block of its own below the ephemeral range (32768+)

    private static readonly DateTimeOffset Epoch = new(2026, 8, 1, 0, 0, 0, TimeSpan.Zero);

    private static MinerFleetEmulator Start(string mix, int count, FakeTimeProvider time)
    {
        var basePort = Interlocked.Add(ref _port, 2 * count) - 2 * count;
        var fleet = new MinerFleetEmulator(new FleetEmulatorOptions
        {
            Count = count, Mix = FleetEmulatorOptions.ParseMix(mix), BasePort = basePort, Seed = 3,
        }, time);
        fleet.Start();
        return fleet;
    }

    /// <summary>Sends one request and reads until the server closes, a NUL, or <paramref name="wait"/> passes (then null: no reply).</summary>
    private static async Task<string?> ExchangeAsync(int port, string request, TimeSpan wait)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request));
        using var deadline = new CancellationTokenSource(wait);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var n = await stream.ReadAsync(buffer, deadline.Token);
                if (n == 0) break;
                received.Write(buffer, 0, n);
                if (buffer[n - 1] == 0) break;
            }
        }
        catch (OperationCanceledException)
        {
            return received.Length == 0 ? null : Encoding.UTF8.GetString(received.ToArray());
        }
        return Encoding.UTF8.GetString(received.ToArray()).TrimEnd('\0');
    }

    private const string Summary = "{\"command\":\"summary\"}";

    [Fact]
    public async Task Reply_switches_spoil_the_reply_in_their_own_way_and_none_restores_it()
    {
        var time = new FakeTimeProvider(Epoch);
        await using var fleet = Start("luxos:1", 1, time);
        var miner = fleet.Miners[0];
        var port = miner.Endpoint.Port;

        var healthy = TolerantJson.ParseObject((await ExchangeAsync(port, Summary, TimeSpan.FromSeconds(5)))!, "healthy");
        Assert.True(TolerantJson.Number(TolerantJson.First(healthy, "SUMMARY")!["GHS 5s"]) > 0);

        miner.Fault = MinerFaultSwitch.DuplicateKey;
        var duplicated = (await ExchangeAsync(port, Summary, TimeSpan.FromSeconds(5)))!;
        Assert.Contains("Duplicate property 'STATUS'",
            Assert.Throws<FormatException>(() => TolerantJson.ParseObject(duplicated, "dup")).Message);

        miner.Fault = MinerFaultSwitch.NonFinite;
        var overflowing = TolerantJson.ParseObject((await ExchangeAsync(port, Summary, TimeSpan.FromSeconds(5)))!, "inf");
        Assert.Throws<FormatException>(() => TolerantJson.Number(TolerantJson.First(overflowing, "SUMMARY")!["GHS 5s"]));
        Assert.Equal("S", TolerantJson.Text(TolerantJson.First(overflowing, "STATUS")!["STATUS"])); // strings untouched

        miner.Fault = MinerFaultSwitch.WrongType;
        var wrong = TolerantJson.ParseObject((await ExchangeAsync(port, Summary, TimeSpan.FromSeconds(5)))!, "wrong");
        Assert.Contains("Array", Assert.Throws<FormatException>(() => TolerantJson.Number(TolerantJson.First(wrong, "SUMMARY")!["GHS 5s"])).Message);

        miner.Fault = MinerFaultSwitch.Malformed;
        var cut = (await ExchangeAsync(port, Summary, TimeSpan.FromSeconds(5)))!;
        Assert.Throws<FormatException>(() => TolerantJson.ParseObject(cut, "cut"));

        miner.Fault = MinerFaultSwitch.None;
        Assert.NotNull(TolerantJson.ParseObject((await ExchangeAsync(port, Summary, TimeSpan.FromSeconds(5)))!, "restored"));
    }

    [Fact]
    public async Task Silence_and_a_hung_web_server_accept_and_never_answer_and_reset_sends_a_reset()
    {
        var time = new FakeTimeProvider(Epoch);
        await using var fleet = Start("luxos:1,vnish:1", 2, time);
        var lux = fleet.Miners.Single(m => m.Family == MinerFamily.LuxOs);
        var vnish = fleet.Miners.Single(m => m.Family == MinerFamily.Vnish);
        const string get = "GET /api/v1/summary HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        Assert.StartsWith("HTTP/1.1", await ExchangeAsync(vnish.Endpoint.Port, get, TimeSpan.FromSeconds(5)));

        lux.Fault = MinerFaultSwitch.Silence;
        Assert.Null(await ExchangeAsync(lux.Endpoint.Port, Summary, TimeSpan.FromMilliseconds(600)));
        vnish.Fault = MinerFaultSwitch.HungHttp;
        Assert.Null(await ExchangeAsync(vnish.Endpoint.Port, get, TimeSpan.FromMilliseconds(600)));

        lux.Fault = MinerFaultSwitch.Reset;
        var reset = await Assert.ThrowsAnyAsync<IOException>(() => ExchangeAsync(lux.Endpoint.Port, Summary, TimeSpan.FromSeconds(5)));
        Assert.Equal(SocketError.ConnectionReset, Assert.IsType<SocketException>(reset.InnerException).SocketErrorCode);
    }

    [Fact]
    public async Task Power_off_draws_nothing_answers_nothing_and_power_back_reboots_the_miner_awake()
    {
        var time = new FakeTimeProvider(Epoch);
        await using var fleet = Start("braiins:1,luxos:1", 2, time);
        var miner = fleet.Miners.Single(m => m.Family == MinerFamily.LuxOs);
        var other = fleet.Miners.Single(m => m != miner);
        miner.Sleep();
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(miner.PowerW is > 0 and < 100);

        miner.Fault = MinerFaultSwitch.PowerOff;
        Assert.Equal(0, miner.PowerW);
        Assert.Equal(0, miner.HashrateThs);
        Assert.Equal(other.PowerW, fleet.TotalPowerW);
        Assert.Null(await ExchangeAsync(miner.Endpoint.Port, Summary, TimeSpan.FromMilliseconds(600)));

        miner.Fault = MinerFaultSwitch.None;
        Assert.False(miner.Asleep); // the curtail state did not survive the power cut
        time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(miner.Model.NominalW, miner.PowerW, 0);
        Assert.NotNull(await ExchangeAsync(miner.Endpoint.Port, Summary, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task The_control_endpoint_reads_true_power_and_flips_switches_by_index_or_host_port()
    {
        var time = new FakeTimeProvider(Epoch);
        await using var fleet = Start("luxos:1,whatsminer:1,braiins:1", 3, time);
        await using var control = new FleetControlServer(fleet, IPAddress.Loopback, 0);
        control.Start();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{control.Port}") };
        var second = fleet.Miners[1];
        var secondId = $"127.0.0.1:{second.Endpoint.Port}";

        var all = JsonNode.Parse(await http.GetStringAsync("/miners"))!.AsArray();
        Assert.Equal(3, all.Count);
        Assert.Equal(secondId, all[1]!["id"]!.GetValue<string>());
        Assert.Equal("none", all[1]!["fault"]!.GetValue<string>());

        var switched = await http.PutAsync($"/miners/{secondId}/fault/power_off", null);
        Assert.Equal(HttpStatusCode.OK, switched.StatusCode);
        Assert.Equal(MinerFaultSwitch.PowerOff, second.Fault);
        var one = JsonNode.Parse(await http.GetStringAsync("/miners/1"))!;
        Assert.Equal(0, one["power_w"]!.GetValue<double>());
        Assert.Equal("power_off", one["fault"]!.GetValue<string>());
        var total = JsonNode.Parse(await http.GetStringAsync("/power"))!["total_w"]!.GetValue<double>();
        Assert.Equal(fleet.Miners[0].PowerW + fleet.Miners[2].PowerW, total, 0);

        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/miners/0/fault/duplicate_key", null)).StatusCode);
        Assert.Equal(MinerFaultSwitch.DuplicateKey, fleet.Miners[0].Fault);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PutAsync("/miners/0/fault/gremlins", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.PutAsync("/miners/9/fault/reset", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.DeleteAsync("/miners/0/fault")).StatusCode);
        Assert.Equal(MinerFaultSwitch.None, fleet.Miners[0].Fault);

        Assert.Equal(HttpStatusCode.OK, (await http.DeleteAsync("/faults")).StatusCode);
        Assert.All(fleet.Miners, m => Assert.Equal(MinerFaultSwitch.None, m.Fault));
        Assert.True(second.PowerW > 0);
    }

    [Fact]
    public void Switch_names_round_trip_and_unknown_names_are_refused()
    {
        foreach (var fault in Enum.GetValues<MinerFaultSwitch>())
            Assert.Equal(fault, FaultSwitches.Parse(FaultSwitches.Name(fault), "t"));
        Assert.Contains("duplicate_key", Assert.Throws<Curtail.Core.InvalidInputException>(() => FaultSwitches.Parse("gremlins", "t")).Message);
    }
}
