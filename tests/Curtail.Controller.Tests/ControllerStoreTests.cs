using Curtail.Controller.DemandResponse;
using Curtail.Controller.Storage;
using Curtail.Controller.Trading;
using Curtail.Core.Decisions;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Curtail.Controller.Tests;

/// <summary>
/// The store's contract, on SQLite always and on PostgreSQL when CURTAIL_POSTGRES holds a connection string (CI starts
/// Debian's postgresql for it).
/// </summary>
public class ControllerStoreTests
{
    public static IEnumerable<object[]> Stores()
    {
        yield return ["sqlite"];
        if (Environment.GetEnvironmentVariable("CURTAIL_POSTGRES") is { Length: > 0 }) yield return ["postgres"];
    }

    private static ControllerStore Open(string kind) => kind == "postgres"
        ? ControllerStore.Postgres(Environment.GetEnvironmentVariable("CURTAIL_POSTGRES")!)
        : ControllerStore.Sqlite(Path.Combine(Path.GetTempPath(), $"curtail-store-{Guid.NewGuid():N}.db"));

    [Theory]
    [MemberData(nameof(Stores))]
    public void KeepsCyclesAuditStatesSettingsAndEventsAndPurgesOnlyOldCycles(string kind)
    {
        using var store = Open(kind);
        var t0 = new DateTimeOffset(2023, 8, 17, 19, 0, 0, TimeSpan.Zero);
        var tag = Guid.NewGuid().ToString("N");
        var before = store.CycleCount();
        for (var i = 0; i < 5; i++)
            store.SaveCycle(new CycleRecord($"{tag}-{i}", t0.AddDays(-i * 100), "schedule", 100 - i, 100, "price", 99, 98, "{}", "{\"limits\":[]}", "[]"));
        Assert.Equal(before + 5, store.CycleCount());
        var one = store.Cycle($"{tag}-2")!;
        Assert.Equal(t0.AddDays(-200), one.Time);
        Assert.Equal(98, one.TargetKw);

        Assert.Equal(2, store.PurgeCycles(t0.AddDays(-250)));
        Assert.Null(store.Cycle($"{tag}-3"));
        Assert.NotNull(store.Cycle($"{tag}-2"));

        store.Audit(new AuditEntry(t0, $"alice-{tag}", "Trader", "set_trading", "{\"a\":1}", "{\"a\":2}"));
        Assert.Contains(store.AuditLog(50), a => a.Actor == $"alice-{tag}" && a.NewValue == "{\"a\":2}");

        // Audit retention: miner commands go with the decision records' retention, changes with their own, longer one.
        var miner = $"m-{tag}";
        store.Audit(new AuditEntry(t0.AddDays(-300), $"bob-{tag}", "trader", "set_trading", "{}", "{}"));
        store.AuditCommands([new MinerCommandAudit(t0.AddDays(-300), $"cycle:{tag}", miner, "sleep", "confirmed", 12, null),
            new MinerCommandAudit(t0.AddDays(-10), $"cycle:{tag}", miner, "wake", "confirmed", 15, null)]);
        var oldCommandsBefore = store.Audit(new AuditFilter(MinerCommands: true, Until: t0.AddDays(-250), Limit: 10_000)).Count;
        var (commands, changes) = store.PurgeAudit(t0.AddDays(-250), t0.AddDays(-3650));
        Assert.Equal(oldCommandsBefore, commands);
        Assert.Equal(["wake"], store.Audit(new AuditFilter(Miner: miner)).Select(a => a.Command));
        Assert.Contains(store.AuditLog(10_000), a => a.Actor == $"bob-{tag}");
        store.PurgeAudit(t0.AddDays(-250), t0.AddDays(-250));
        Assert.DoesNotContain(store.AuditLog(10_000), a => a.Actor == $"bob-{tag}");
        Assert.Contains(store.AuditLog(10_000), a => a.Actor == $"alice-{tag}");

        var group = $"g-{tag}";
        store.SaveGroupStates([group], [new GroupState(GroupMode.Curtailed, t0.UtcTicks, 0)]);
        store.SaveGroupStates([group], [new GroupState(GroupMode.Running, t0.AddMinutes(30).UtcTicks, 0.8)]);
        Assert.Equal(new GroupState(GroupMode.Running, t0.AddMinutes(30).UtcTicks, 0.8), store.LoadGroupStates()[group]);

        store.SaveSetting($"trading-{tag}", new TradingSettings(120, 90, 2, null));
        Assert.Equal(new TradingSettings(120, 90, 2, null), store.LoadSetting<TradingSettings>($"trading-{tag}"));

        var e = new DispatchEvent { Id = $"ers-{tag}", Program = DemandResponseProgram.Ers10, ReceivedAt = t0, Deadline = t0.AddMinutes(10), BaselineMw = 5, TargetMw = 1 };
        store.SaveEvent(e);
        store.SaveEvent(e with { ReleasedAt = t0.AddHours(1) });
        store.SaveEventInterval(new EventIntervalRecord(e.Id, t0, 0.9, 1, 5));
        store.SaveEventInterval(new EventIntervalRecord(e.Id, t0, 0.8, 1, 5));
        Assert.Equal(t0.AddHours(1), store.Events().Single(x => x.Id == e.Id).ReleasedAt);
        Assert.Equal(0.8, Assert.Single(store.EventIntervals(e.Id)).AchievedMw);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public void KeepsTheTestFlagAndOneTraceRowPerEventAndMinute(string kind)
    {
        using var store = Open(kind);
        var t0 = new DateTimeOffset(2023, 8, 17, 19, 0, 0, TimeSpan.Zero);
        var tag = Guid.NewGuid().ToString("N");
        var test = new DispatchEvent { Id = $"test-{tag}", Program = DemandResponseProgram.Ers30, ReceivedAt = t0, Deadline = t0.AddMinutes(30), BaselineMw = 5, ReductionMw = 2, Test = true };
        var real = test with { Id = $"real-{tag}", Test = false };
        store.SaveEvent(test);
        store.SaveEvent(real);
        Assert.True(store.Event(test.Id)!.Test);
        Assert.False(store.Event(real.Id)!.Test);
        Assert.True(store.Events().Single(x => x.Id == test.Id).Test);
        // Saving the event again (its release) keeps the flag.
        store.SaveEvent(store.Event(test.Id)! with { ReleasedAt = t0.AddHours(1) });
        Assert.True(store.Event(test.Id)!.Test);
        Assert.Null(store.Event($"none-{tag}"));

        store.SaveTraceMinute(new LoadTraceMinute(test.Id, t0.AddMinutes(1), 3.5, 60, LoadTraceSource.Genset));
        store.SaveTraceMinute(new LoadTraceMinute(test.Id, t0, 4.0, 42, LoadTraceSource.Genset));
        store.SaveTraceMinute(new LoadTraceMinute(test.Id, t0, 4.25, 50, LoadTraceSource.Genset));
        store.SaveTraceMinute(new LoadTraceMinute(real.Id, t0, 1.0, 60, LoadTraceSource.Miners));
        var trace = store.LoadTrace(test.Id);
        Assert.Equal([t0, t0.AddMinutes(1)], trace.Select(m => m.MinuteStart));
        Assert.Equal(new LoadTraceMinute(test.Id, t0, 4.25, 50, LoadTraceSource.Genset), trace[0]);
        Assert.Equal(LoadTraceSource.Miners, Assert.Single(store.LoadTrace(real.Id)).Source);
        Assert.Equal(trace[1], store.TraceMinute(test.Id, t0.AddMinutes(1)));
        Assert.Null(store.TraceMinute(test.Id, t0.AddMinutes(2)));
    }

    /// <summary>dr_events exactly as the store created it before events carried the test flag.</summary>
    private const string OldEventsTable = "CREATE TABLE dr_events (id TEXT PRIMARY KEY, received TEXT NOT NULL, body TEXT NOT NULL)";

    private const string OldEventBody = """
        {"id":"old-ers","program":0,"receivedAt":"2023-08-17T19:00:00+00:00","acknowledgedAt":"2023-08-17T19:00:00+00:00","deadline":"2023-08-17T19:10:00+00:00","targetMw":1,"baselineMw":5,"issuedBy":"otto","ceilingMw":1}
        """;

    [Theory]
    [MemberData(nameof(Stores))]
    public void ADatabaseFromBeforeTheTestFlagGetsTheColumnAndKeepsItsEventsAsReal(string kind)
    {
        string? schema = null;
        ControllerStore store;
        if (kind == "postgres")
        {
            // A schema of its own, so the old table is the only dr_events the store sees.
            schema = $"old_{Guid.NewGuid():N}";
            var cs = Environment.GetEnvironmentVariable("CURTAIL_POSTGRES")!;
            using (var c = new NpgsqlConnection(cs))
            {
                c.Open();
                Exec(c, $"CREATE SCHEMA {schema}");
                Exec(c, $"SET search_path TO {schema}");
                Exec(c, OldEventsTable);
                Exec(c, $"INSERT INTO dr_events VALUES ('old-ers', '2023-08-17T19:00:00.0000000Z', '{OldEventBody.Trim()}')");
            }
            store = ControllerStore.Postgres(new NpgsqlConnectionStringBuilder(cs) { SearchPath = schema }.ToString());
        }
        else
        {
            var path = Path.Combine(Path.GetTempPath(), $"curtail-old-{Guid.NewGuid():N}.db");
            using (var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
            {
                c.Open();
                Exec(c, OldEventsTable);
                Exec(c, $"INSERT INTO dr_events VALUES ('old-ers', '2023-08-17T19:00:00.0000000Z', '{OldEventBody.Trim()}')");
            }
            store = ControllerStore.Sqlite(path);
        }
        try
        {
            var old = Assert.Single(store.Events());
            Assert.Equal("old-ers", old.Id);
            Assert.False(old.Test);
            Assert.Equal(1, old.CeilingMw);
            store.SaveEvent(old with { Id = "new-test", ReceivedAt = old.ReceivedAt.AddHours(1), Test = true });
            Assert.True(store.Event("new-test")!.Test);
            Assert.False(store.Event("old-ers")!.Test);
            store.Dispose();
            // Opening it again finds the column there and leaves it alone.
            store = schema is null ? ControllerStore.Sqlite(store.Description["sqlite:".Length..])
                : ControllerStore.Postgres(new NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable("CURTAIL_POSTGRES")!) { SearchPath = schema }.ToString());
            Assert.True(store.Event("new-test")!.Test);
        }
        finally
        {
            store.Dispose();
            if (schema is not null)
            {
                using var c = new NpgsqlConnection(Environment.GetEnvironmentVariable("CURTAIL_POSTGRES")!);
                c.Open();
                Exec(c, $"DROP SCHEMA {schema} CASCADE");
            }
        }
    }

    private static void Exec(System.Data.Common.DbConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
