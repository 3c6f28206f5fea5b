using System.Text.Json;
using Curtail.Emulators.Miners;
using Curtail.Miners;
using Curtail.Miners.Fleet;

namespace Curtail.Cli.Tests;

/// <summary>`curtail miners status` and `curtail emulate miners --fault` with miners that misbehave.</summary>
public sealed class MinersFaultCommandTests
{
    private static int _port = 24000 + Environment.ProcessId % 20 * 40; // below the ephemeral range (32768+)

    private static async Task<(MinerFleetEmulator Fleet, string FleetFile)> StartAsync(int count)
    {
        var basePort = Interlocked.Add(ref _port, 2 * count) - 2 * count;
        var fleet = new MinerFleetEmulator(new FleetEmulatorOptions { Count = count, Mix = [(MinerFamily.LuxOs, 1)], BasePort = basePort }, TimeProvider.System);
        fleet.Start();
        var path = Path.Combine(CliRunner.TempDir(), "fleet.yaml");
        var specs = fleet.Miners.Select(m => new MinerSpec($"{m.Endpoint.Host}:{m.Endpoint.Port}", m.Family, m.Endpoint, m.Model, m.Credentials)).ToList();
        await File.WriteAllTextAsync(path, FleetFile.Describe(specs));
        return (fleet, path);
    }

    [Fact]
    public async Task Status_lists_every_miner_with_the_failing_ones_errors_and_exits_3_when_some_failed()
    {
        var (fleet, path) = await StartAsync(4);
        await using var _ = fleet;
        fleet.Miners[1].Fault = MinerFaultSwitch.DuplicateKey;
        fleet.Miners[2].Fault = MinerFaultSwitch.NonFinite;

        var text = await CliRunner.Run("miners", "status", "--fleet", path);

        Assert.True(text.ExitCode == CurtailApp.ExitPartial, text.Out + text.Err);
        var lines = text.Out.Split('\n');
        foreach (var m in fleet.Miners) Assert.Contains(lines, l => l.Contains($":{m.Endpoint.Port}", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains($":{fleet.Miners[1].Endpoint.Port}") && l.Contains("failed:") && l.Contains("Duplicate property"));
        Assert.Contains(lines, l => l.Contains($":{fleet.Miners[2].Endpoint.Port}") && l.Contains("failed:") && l.Contains("1e999"));
        Assert.Contains("2/4 read", text.Out);
        // The table fits 80 columns (a failure's message may run on: it is the firmware's own words).
        Assert.All(lines.Where(l => !l.Contains("failed:", StringComparison.Ordinal) && !l.Contains(" read; total ", StringComparison.Ordinal)),
            l => Assert.True(l.TrimEnd('\r').Length <= 80, $"{l.TrimEnd('\r').Length} columns: {l}"));

        var json = await CliRunner.Run("miners", "status", "--fleet", path, "--json");
        Assert.Equal(CurtailApp.ExitPartial, json.ExitCode);
        var rows = JsonDocument.Parse(json.Out).RootElement.EnumerateArray().ToList();
        Assert.Equal([true, false, false, true], rows.Select(r => r.GetProperty("live").GetBoolean()));
        Assert.Equal(JsonValueKind.Null, rows[1].GetProperty("hashrate_ths").ValueKind); // no stale telemetry for a failed miner
        Assert.Contains("Duplicate property", rows[1].GetProperty("error").GetString());

        fleet.Miners[1].Fault = MinerFaultSwitch.None;
        fleet.Miners[2].Fault = MinerFaultSwitch.None;
        Assert.Equal(CurtailApp.ExitOk, (await CliRunner.Run("miners", "status", "--fleet", path)).ExitCode);
        foreach (var m in fleet.Miners) m.Fault = MinerFaultSwitch.Malformed;
        Assert.Equal(CurtailApp.ExitFailure, (await CliRunner.Run("miners", "status", "--fleet", path)).ExitCode);
    }

    [Fact]
    public async Task Emulate_miners_plays_the_faults_given_on_the_command_line_and_refuses_unknown_ones()
    {
        var basePort = Interlocked.Add(ref _port, 4) - 4;
        var run = await CliRunner.Run("emulate", "miners", "--count", "2", "--mix", "luxos:1", "--base-port", basePort.ToString(),
            "--fault", "1=power_off", "--fault", $"127.0.0.1:{basePort}=duplicate_key", "--duration", "0.2");
        Assert.True(run.ExitCode == 0, run.Err);
        Assert.Contains($"fault: miner 0 (127.0.0.1:{basePort}) plays duplicate_key", run.Out);
        Assert.Contains($"fault: miner 1 (127.0.0.1:{basePort + 1}) plays power_off", run.Out);

        var unknown = await CliRunner.Run("emulate", "miners", "--count", "2", "--base-port", basePort.ToString(), "--fault", "0=gremlins", "--duration", "0.1");
        Assert.Equal(CurtailApp.ExitBadInput, unknown.ExitCode);
        Assert.Contains("unknown fault 'gremlins'", unknown.Err);
        var missing = await CliRunner.Run("emulate", "miners", "--count", "2", "--base-port", basePort.ToString(), "--fault", "7=reset", "--duration", "0.1");
        Assert.Equal(CurtailApp.ExitBadInput, missing.ExitCode);
        Assert.Contains("no miner '7'", missing.Err);
    }
}
