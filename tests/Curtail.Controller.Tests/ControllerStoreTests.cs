using Curtail.Controller.DemandResponse;
using Curtail.Controller.Storage;
using Curtail.Controller.Trading;
using Curtail.Core.Decisions;

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
}
