using System.Text.Json;
using Curtail.Cli;
using Curtail.Core.LoadFollowing;
using Curtail.Emulators.Genset;

namespace Curtail.Cli.Tests;

public sealed class GensetCommandTests : IAsyncLifetime
{
    private readonly GensetEmulator _emulator = new(new GensetEmulatorOptions
    {
        Profile = new GensetSupplyProfile([(TimeSpan.Zero, 900)], lastPointDuration: TimeSpan.FromDays(1)), // below the 95 % derate level
        InitialSiteLoadKw = 640,
    });

    public Task InitializeAsync()
    {
        _emulator.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _emulator.DisposeAsync();

    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CurtailApp.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Genset_read_json_has_the_documented_fields()
    {
        var (code, output, err) = await Run("genset", "read", "--endpoint", $"127.0.0.1:{_emulator.Port}", "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var r = doc.RootElement;
        Assert.Equal(640, r.GetProperty("active_power_kw").GetDouble(), 3);
        Assert.Equal(1000, r.GetProperty("rated_power_kw").GetDouble(), 3);
        Assert.Equal(900, r.GetProperty("available_power_kw").GetDouble(), 3);
        Assert.InRange(r.GetProperty("frequency_hz").GetDouble(), 60, 62.4);
        Assert.Equal("running_loaded", r.GetProperty("engine_state").GetString());
        Assert.True(r.GetProperty("breaker_closed").GetBoolean());
        Assert.Equal(JsonValueKind.Array, r.GetProperty("alarms").ValueKind);
        Assert.Contains("derate_active", r.GetProperty("alarms").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(JsonValueKind.Number, r.GetProperty("heartbeat").ValueKind);
    }

    [Fact]
    public async Task Genset_read_text_with_a_vendor_map_file_and_unit()
    {
        var file = Path.Combine(Path.GetTempPath(), $"curtail-map-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, """
            vendor: Site
            model: Float mirror
            word_order: CDAB
            points:
              active_power_kw: { address: 220, type: f32 }
              available_power_kw: { address: 222, type: f32 }
              frequency_hz: { address: 224, type: f32 }
              rated_power_kw: { constant: 1000 }
            """);
        try
        {
            var (code, output, err) = await Run("genset", "read", "--endpoint", $"127.0.0.1:{_emulator.Port}", "--map", file, "--unit", "1");
            Assert.True(code == 0, err);
            Assert.Contains("active power       640.0 kW", output);
            Assert.Contains("available power    900.0 kW", output);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("127.0.0.1:notaport", "port 'notaport'")]
    [InlineData(":502", "missing host")]
    public async Task Bad_endpoint_is_bad_input(string endpoint, string message)
    {
        var (code, _, err) = await Run("genset", "read", "--endpoint", endpoint);
        Assert.Equal(CurtailApp.ExitBadInput, code);
        Assert.Contains(message, err);
    }

    [Fact]
    public async Task Unreachable_genset_fails_with_the_reason()
    {
        int port;
        using (var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            l.Start();
            port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        }
        var (code, _, err) = await Run("genset", "read", "--endpoint", $"127.0.0.1:{port}");
        Assert.Equal(CurtailApp.ExitFailure, code);
        Assert.Contains("connect failed", err);
    }

    [Fact]
    public async Task Emulate_genset_rejects_a_missing_profile()
    {
        var (code, _, err) = await Run("emulate", "genset", "--port", "0", "--profile", "/nonexistent/gas.csv");
        Assert.Equal(CurtailApp.ExitBadInput, code);
        Assert.Contains("profile file not found", err);
    }
}

public class GensetBacktestCommandTests
{
    [Fact]
    public async Task Genset_backtest_reports_losses_and_trips_for_both_strategies()
    {
        var profile = Path.Combine(Path.GetTempPath(), $"curtail-gas-{Guid.NewGuid():N}.csv");
        // Plenty of gas, then a 6-hour pressure drop to 40 % of a 10 MW genset, 7 minutes into an interval: the island's
        // decision at 12:00 saw 10 MW (as live decides on the reading it has), so only load following saves the genset.
        await File.WriteAllTextAsync(profile, "time,available_kw\n2023-08-01T05:00:00Z,10000\n2023-08-01T12:07:00Z,4000\n2023-08-01T18:07:00Z,10000\n");
        try
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var code = await CurtailApp.RunAsync(["genset", "backtest", "--from", "2023-08-01", "--to", "2023-08-02", "--genset-profile", profile,
                "--rated-kw", "10000", "--json"], stdout, stderr);
            Assert.True(code == 0, stderr.ToString());
            using var doc = JsonDocument.Parse(stdout.ToString());
            var following = doc.RootElement.GetProperty("load_following");
            var unguarded = doc.RootElement.GetProperty("unguarded");
            Assert.Equal(0, following.GetProperty("trips").GetInt32());
            Assert.True(unguarded.GetProperty("trips").GetInt32() >= 1);
            Assert.True(following.GetProperty("hash_lost_mwh").GetDouble() < unguarded.GetProperty("hash_lost_mwh").GetDouble());
            Assert.Equal(unguarded.GetProperty("trips").GetInt32(), doc.RootElement.GetProperty("trips_avoided").GetInt32());
        }
        finally
        {
            File.Delete(profile);
        }
    }
}
