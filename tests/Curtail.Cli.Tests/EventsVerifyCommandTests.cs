using Curtail.Controller.DemandResponse;
using Curtail.Controller.Storage;
using Microsoft.Data.Sqlite;

namespace Curtail.Cli.Tests;

/// <summary>`curtail events verify --store`: exit 0 on an intact chain, 1 naming the first broken entry, 2 for a missing store.</summary>
public sealed class EventsVerifyCommandTests
{
    [Fact]
    public async Task VerifyReportsAnIntactChainThenNamesTheTamperedEntry()
    {
        var path = Path.Combine(CliRunner.TempDir(), "curtail.db");
        var t0 = new DateTimeOffset(2026, 8, 3, 21, 0, 0, TimeSpan.Zero);
        using (var store = ControllerStore.Sqlite(path))
        {
            var e = new DispatchEvent
            {
                Id = "sb6-cli", Program = DemandResponseProgram.Sb6, Directive = DirectiveKind.RunOnBackup, ReceivedAt = t0, AcknowledgedAt = t0,
                Deadline = t0.AddMinutes(10), BaselineMw = 3,
            };
            store.SaveEventChained(e, null, t0, "received", new Dictionary<string, object?> { ["kind"] = "run_on_backup" });
            store.AppendDirectiveEntry(e.Id, t0, "acknowledged", new Dictionary<string, object?> { ["acknowledged_at"] = t0 });
            store.AppendDirectiveEntry(e.Id, t0.AddMinutes(1), "load_minute", new Dictionary<string, object?> { ["load_mw"] = 2.9 });
        }
        var ok = await CliRunner.Run("events", "verify", "--store", "sqlite:" + path);
        Assert.Equal(0, ok.ExitCode);
        Assert.Contains("directive chain intact: 3 entries", ok.Out);

        using (var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "UPDATE directive_chain SET body = replace(body, '2.9', '0.1') WHERE seq = 3";
            Assert.Equal(1, cmd.ExecuteNonQuery());
        }
        var broken = await CliRunner.Run("events", "verify", "--store", path);
        Assert.Equal(1, broken.ExitCode);
        Assert.Contains("BROKEN at entry 3 (load_minute of directive sb6-cli", broken.Out);

        var missing = await CliRunner.Run("events", "verify", "--store", "sqlite:" + path + ".nope");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--store", missing.Err + missing.Out);
    }
}
