using System.Text.Json;
using Curtail.Controller.Storage;
using Curtail.Emulators.Miners;
using Curtail.Miners;
using Curtail.Miners.Fleet;

namespace Curtail.Cli.Tests;

/// <summary>`curtail miners sleep|wake|target` by hand: every command is audited, in a controller's store or a local log.</summary>
public sealed class MinersCommandAuditTests
{
    private static int _port = 25500 + Environment.ProcessId % 20 * 40; // below the ephemeral range (32768+)

    private static async Task<(MinerFleetEmulator Fleet, string Dir, string FleetFile)> StartAsync(int count)
    {
        var basePort = Interlocked.Add(ref _port, 2 * count) - 2 * count;
        var fleet = new MinerFleetEmulator(new FleetEmulatorOptions { Count = count, Mix = [(MinerFamily.LuxOs, 1)], BasePort = basePort }, TimeProvider.System);
        fleet.Start();
        var dir = CliRunner.TempDir();
        var path = Path.Combine(dir, "fleet.yaml");
        var specs = fleet.Miners.Select(m => new MinerSpec($"{m.Endpoint.Host}:{m.Endpoint.Port}", m.Family, m.Endpoint, m.Model, m.Credentials)).ToList();
        await File.WriteAllTextAsync(path, FleetFile.Describe(specs));
        return (fleet, dir, path);
    }

    [Fact]
    public async Task Sleep_and_wake_by_hand_are_in_the_controllers_audit_filterable_like_its_own_commands()
    {
        var (fleet, dir, fleetFile) = await StartAsync(3);
        await using var _ = fleet;
        var db = Path.Combine(dir, "state.db");
        var site = Path.Combine(dir, "site.yaml");
        await File.WriteAllTextAsync(site, $$$"""
            name: Hand site
            settlement_point: HB_WEST
            economics: {hashprice: {usd_per_th_day: 0.05}}
            fleet: [{group: a, count: 3, hashrate_th: 100, power_w: 3000}]
            policy: {kind: threshold, curtail_above_usd_per_mwh: 150}
            controller:
              storage: {sqlite: {{{db}}}}
              fleet: {{{fleetFile}}}
            """);
        var first = fleet.Miners[0];
        var sleep = await CliRunner.Run("miners", "sleep", "--fleet", fleetFile, "--config", site);
        Assert.True(sleep.ExitCode == 0, sleep.Out + sleep.Err);
        Assert.Contains("3 commands audited in the controller store sqlite:", sleep.Err);
        var wake = await CliRunner.Run("miners", "wake", "--fleet", fleetFile, "--config", site, "--select", $"id={first.Endpoint.Host}:{first.Endpoint.Port}");
        Assert.True(wake.ExitCode == 0, wake.Out + wake.Err);

        using var store = ControllerStore.Sqlite(db, "hand-site");
        var all = store.Audit(new AuditFilter(MinerCommands: true, Limit: 100));
        Assert.Equal(4, all.Count);
        Assert.All(all, a => Assert.Equal($"cli:{Environment.UserName}", a.DecidedBy));
        Assert.All(all, a => Assert.Equal("cli", a.Role));
        Assert.All(all, a => Assert.Equal("confirmed", a.Outcome));
        Assert.All(all, a => Assert.True(a.LatencyMs > 0));
        Assert.Equal(3, store.Audit(new AuditFilter(Command: "sleep")).Count);
        var woken = Assert.Single(store.Audit(new AuditFilter(Command: "wake")));
        Assert.Equal($"{first.Endpoint.Host}:{first.Endpoint.Port}", woken.Miner);
        Assert.StartsWith("miners wake --select id=", woken.Detail);
        Assert.Equal(2, store.Audit(new AuditFilter(Miner: woken.Miner)).Count);
    }

    [Fact]
    public async Task Without_a_controller_each_command_is_a_line_of_the_local_audit_log_and_an_unwritable_log_sends_nothing()
    {
        var (fleet, dir, fleetFile) = await StartAsync(2);
        await using var _ = fleet;
        var log = Path.Combine(dir, "audit", "miner-commands.jsonl");
        var run = await CliRunner.Run("miners", "target", "--fleet", fleetFile, "--watts", "2500", "--audit-log", log);
        Assert.True(run.ExitCode == 0, run.Out + run.Err);
        var rows = File.ReadAllLines(log).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal("set_target", r.GetProperty("command").GetString()));
        Assert.All(rows, r => Assert.Equal("confirmed", r.GetProperty("outcome").GetString()));
        Assert.All(rows, r => Assert.Equal("miners target --watts 2500", r.GetProperty("detail").GetString()));
        Assert.Equal(fleet.Miners.Select(m => $"{m.Endpoint.Host}:{m.Endpoint.Port}").Order(), rows.Select(r => r.GetProperty("miner").GetString()).Order());

        // A log that cannot be written: exit 2 naming the option, and no miner was touched.
        var blocker = Path.Combine(dir, "file");
        await File.WriteAllTextAsync(blocker, "");
        var refused = await CliRunner.Run("miners", "sleep", "--fleet", fleetFile, "--audit-log", Path.Combine(blocker, "log.jsonl"));
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--audit-log", refused.Err);
        Assert.All(fleet.Miners, m => Assert.False(m.Asleep));
    }
}
