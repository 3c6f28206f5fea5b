using Curtail.Controller.Storage;
using Curtail.Controller.Trading;
using Curtail.Core.Decisions;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Curtail.Controller.Tests;

/// <summary>
/// One database, several sites (issue 12): each store reads and writes its own site's rows only, a database from before
/// sites is migrated with the configured site in every row, and (PostgreSQL) the lease fences a stale leader's writes.
/// </summary>
public class SiteKeyedStoreTests
{
    private static string? Postgres => Environment.GetEnvironmentVariable("CURTAIL_POSTGRES") is { Length: > 0 } cs ? cs : null;

    public static IEnumerable<object[]> Stores()
    {
        yield return ["sqlite"];
        if (Postgres is not null) yield return ["postgres"];
    }

    /// <summary>A fresh database (SQLite file or PostgreSQL schema) as a factory of stores for any site.</summary>
    private static Func<string, ControllerStore> FreshDatabase(string kind, Action<System.Data.Common.DbConnection>? seed = null)
    {
        if (kind == "postgres")
        {
            var schema = $"sites_{Guid.NewGuid():N}";
            using (var c = new NpgsqlConnection(Postgres))
            {
                c.Open();
                Exec(c, $"CREATE SCHEMA {schema}");
                Exec(c, $"SET search_path TO {schema}");
                seed?.Invoke(c);
            }
            var cs = new NpgsqlConnectionStringBuilder(Postgres) { SearchPath = schema }.ToString();
            return site => ControllerStore.Postgres(cs, site);
        }
        var path = Path.Combine(Path.GetTempPath(), $"curtail-sites-{Guid.NewGuid():N}.db");
        using (var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            c.Open();
            seed?.Invoke(c);
        }
        return site => ControllerStore.Sqlite(path, site);
    }

    private static CycleRecord Cycle(string id, DateTimeOffset t) => new(id, t, "schedule", 10, 10, "price", 9, null, "{}", "{}", "[]");

    [Theory]
    [MemberData(nameof(Stores))]
    public void TwoSitesInOneDatabaseNeverSeeEachOthersRows(string kind)
    {
        var open = FreshDatabase(kind);
        using var west = open("west");
        using var east = open("east");
        var t = new DateTimeOffset(2023, 8, 17, 19, 0, 0, TimeSpan.Zero);
        // The same ids and names on both sites: keys are per site.
        west.SaveCycle(Cycle("c1", t));
        east.SaveCycle(Cycle("c1", t.AddMinutes(5)));
        east.SaveCycle(Cycle("c2", t.AddMinutes(10)));
        west.SaveGroupStates(["site"], [new GroupState(GroupMode.Curtailed, t.UtcTicks, 0)]);
        east.SaveGroupStates(["site"], [new GroupState(GroupMode.Running, t.UtcTicks, 1)]);
        west.SaveSetting("trading", new TradingSettings(150, 100, 1, null));
        west.Audit(new AuditEntry(t, "tina", "trader", "set_trading", null, "{}"));

        Assert.Equal(1, west.CycleCount());
        Assert.Equal(2, east.CycleCount());
        Assert.Equal(t, west.Cycle("c1")!.Time);
        Assert.Equal(t.AddMinutes(5), east.Cycle("c1")!.Time);
        Assert.Equal(GroupMode.Curtailed, west.LoadGroupStates()["site"].Mode);
        Assert.Equal(GroupMode.Running, east.LoadGroupStates()["site"].Mode);
        Assert.NotNull(west.LoadSetting<TradingSettings>("trading"));
        Assert.Null(east.LoadSetting<TradingSettings>("trading"));
        Assert.Single(west.AuditLog(10));
        Assert.Empty(east.AuditLog(10));
        Assert.Equal(1, east.PurgeCycles(t.AddMinutes(6)));
        Assert.Equal(1, west.CycleCount());
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public void ADatabaseFromBeforeSitesKeepsItsRowsUnderTheConfiguredSite(string kind)
    {
        var open = FreshDatabase(kind, c =>
        {
            // The tables as the version before sites created them, with a record in each of two.
            Exec(c, "CREATE TABLE cycles (id TEXT PRIMARY KEY, time TEXT NOT NULL, trigger_name TEXT NOT NULL, target_kw DOUBLE PRECISION NOT NULL, " +
                "price_target_kw DOUBLE PRECISION NOT NULL, limited_by TEXT NOT NULL, measured_kw DOUBLE PRECISION NOT NULL, expected_kw DOUBLE PRECISION, " +
                "inputs TEXT NOT NULL, decision TEXT NOT NULL, miner_results TEXT NOT NULL)");
            Exec(c, "CREATE INDEX cycles_time ON cycles (time)");
            Exec(c, "INSERT INTO cycles VALUES ('old-1', '2023-08-17T19:00:00.0000000Z', 'schedule', 5, 5, 'price', 4, NULL, '{}', '{}', '[]')");
            Exec(c, "CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)");
            Exec(c, "INSERT INTO settings VALUES ('trading', '{\"curtailAboveUsdPerMwh\":222,\"resumeBelowUsdPerMwh\":100,\"confirmIntervals\":1}')");
        });
        using (var migrated = open("ranch"))
        {
            Assert.Equal("old-1", Assert.Single(migrated.RecentCycles(10)).Id);
            Assert.Equal(222, migrated.LoadSetting<TradingSettings>("trading")!.CurtailAboveUsdPerMwh);
            migrated.SaveCycle(Cycle("old-1", new DateTimeOffset(2023, 8, 17, 19, 0, 0, TimeSpan.Zero)) with { ExpectedLoadKw = 3 });
            Assert.Equal(3, migrated.Cycle("old-1")!.ExpectedLoadKw);
        }
        // Opening again (the migration is idempotent), and another site sees none of it.
        using (var again = open("ranch")) Assert.Equal(1, again.CycleCount());
        using var other = open("other");
        Assert.Equal(0, other.CycleCount());
        Assert.Null(other.LoadSetting<TradingSettings>("trading"));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public void TheLeaseFencesAStaleLeadersDecisionAndATakeoverNeedsItToExpire(string kind)
    {
        var open = FreshDatabase(kind);
        using var store = open("fenced");
        if (kind == "sqlite")
        {
            // A cluster needs the shared database: SQLite refuses, naming what to use.
            Assert.Contains("PostgreSQL", Assert.Throws<InvalidOperationException>(() => store.AcquireLease("fenced", "a", TimeSpan.FromSeconds(1))).Message);
            return;
        }
        var ttl = TimeSpan.FromMilliseconds(600);
        var a = store.AcquireLease("fenced", "a", ttl);
        Assert.Equal(("a", 1L), (a.Holder, a.Epoch));
        // Renewed by its holder under the same epoch; refused to another while live.
        Assert.Equal(1, store.AcquireLease("fenced", "a", ttl).Epoch);
        Assert.Equal("a", store.AcquireLease("fenced", "b", ttl).Holder);
        var t = new DateTimeOffset(2023, 8, 17, 19, 0, 0, TimeSpan.Zero);
        store.SaveDecidedFenced("fenced", "a", 1, ["site"], [new GroupState(GroupMode.Curtailed, t.UtcTicks, 0)], Cycle("by-a", t));

        Thread.Sleep(ttl + TimeSpan.FromMilliseconds(200));
        var b = store.AcquireLease("fenced", "b", ttl);
        Assert.Equal(("b", 2L), (b.Holder, b.Epoch));
        // a, paused past its lease, wakes and tries to record its next decision under epoch 1: refused, nothing written.
        var stale = Assert.Throws<LeaseLostException>(() =>
            store.SaveDecidedFenced("fenced", "a", 1, ["site"], [new GroupState(GroupMode.Running, t.UtcTicks, 1)], Cycle("stale-a", t.AddMinutes(5))));
        Assert.Contains("epoch 2", stale.Message);
        Assert.Null(store.Cycle("stale-a"));
        Assert.Equal(GroupMode.Curtailed, store.LoadGroupStates()["site"].Mode);
        store.SaveDecidedFenced("fenced", "b", 2, ["site"], [new GroupState(GroupMode.Running, t.UtcTicks, 1)], Cycle("by-b", t.AddMinutes(5)));
        Assert.Equal(GroupMode.Running, store.LoadGroupStates()["site"].Mode);
        Assert.Equal("b", store.AcquireLease("fenced", "a", ttl).Holder);
    }

    [Curtail.Cli.Tests.FaultInjection.PostgresFact]
    public async Task AFrozenInstanceHoldingTheLeaseRowMidTransactionDelaysATakeoverByAtMostOneLease()
    {
        var schema = $"frozen_{Guid.NewGuid():N}";
        using (var c = new NpgsqlConnection(Postgres!))
        {
            c.Open();
            Exec(c, $"CREATE SCHEMA {schema}");
        }
        var lease = TimeSpan.FromSeconds(2);
        var cluster = new Curtail.Controller.Config.ClusterConfig("b", TimeSpan.FromSeconds(1), lease);
        var guarded = cluster.GuardConnection(new NpgsqlConnectionStringBuilder(Postgres) { SearchPath = schema }.ToString());
        using var store = ControllerStore.Postgres(guarded, "frozen");
        Assert.Equal("a", store.AcquireLease("frozen", "a", lease).Holder);

        // a freezes inside a transaction that locked the lease row, as SIGSTOP can catch it between two statements.
        var frozen = new NpgsqlConnection(guarded);
        frozen.Open();
        var tx = frozen.BeginTransaction();
        using (var cmd = new NpgsqlCommand("SELECT epoch FROM leases WHERE site = 'frozen' FOR UPDATE", frozen, tx)) cmd.ExecuteScalar();

        // b asks for the lease: without the server ending a's idle transaction it would wait for as long as a is frozen.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var takeover = Task.Run(async () =>
        {
            while (true)
            {
                var l = store.AcquireLease("frozen", "b", lease);
                if (l.Holder == "b") return l;
                await Task.Delay(200);
            }
        });
        var finished = await Task.WhenAny(takeover, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.True(finished == takeover, "b waited on the frozen session's row lock for 30 s");
        Assert.Equal(2, (await takeover).Epoch);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the takeover took {clock.Elapsed.TotalSeconds:F1} s");
        // The frozen session was ended by the server: when a wakes, its transaction is gone, not committed.
        Assert.ThrowsAny<Exception>(() => { using var cmd = new NpgsqlCommand("SELECT 1", frozen, tx); cmd.ExecuteScalar(); });
        frozen.Dispose();
    }

    private static void Exec(System.Data.Common.DbConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
