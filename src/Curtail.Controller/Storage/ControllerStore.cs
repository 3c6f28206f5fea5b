using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Curtail.Controller.DemandResponse;
using Curtail.Controller.Trading;
using Curtail.Core.Decisions;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Curtail.Controller.Storage;

/// <summary>
/// The controller's records in SQLite (default) or PostgreSQL: decision cycles, the audit log, the price policy's group
/// states (so a restart resumes minimum on/off times), trader settings and demand-response events with their
/// per-interval records and 1-minute load traces. The SQL is the subset both engines share; the one place they differ
/// (finding a table's columns) is chosen by <see cref="_postgres"/>.
/// </summary>
public sealed partial class ControllerStore : IDisposable
{
    private readonly Func<DbConnection> _connect;
    private readonly bool _postgres;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private ControllerStore(Func<DbConnection> connect, bool postgres)
    {
        _connect = connect;
        _postgres = postgres;
    }

    public string Description { get; private init; } = "";

    public static ControllerStore Sqlite(string path)
    {
        var cs = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString();
        var store = new ControllerStore(() => new SqliteConnection(cs), postgres: false) { Description = $"sqlite:{path}" };
        store.Migrate();
        return store;
    }

    public static ControllerStore Postgres(string connectionString)
    {
        var store = new ControllerStore(() => new NpgsqlConnection(connectionString), postgres: true) { Description = "postgres" };
        store.Migrate();
        return store;
    }

    private void Migrate()
    {
        Execute("""
        CREATE TABLE IF NOT EXISTS cycles (id TEXT PRIMARY KEY, time TEXT NOT NULL, trigger_name TEXT NOT NULL, target_kw DOUBLE PRECISION NOT NULL,
            price_target_kw DOUBLE PRECISION NOT NULL, limited_by TEXT NOT NULL, measured_kw DOUBLE PRECISION NOT NULL, expected_kw DOUBLE PRECISION,
            inputs TEXT NOT NULL, decision TEXT NOT NULL, miner_results TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS cycles_time ON cycles (time);
        CREATE TABLE IF NOT EXISTS audit (time TEXT NOT NULL, actor TEXT NOT NULL, role TEXT NOT NULL, action TEXT NOT NULL, old_value TEXT, new_value TEXT);
        CREATE TABLE IF NOT EXISTS group_states (group_name TEXT PRIMARY KEY, mode TEXT NOT NULL, since_ticks BIGINT NOT NULL, fraction DOUBLE PRECISION NOT NULL);
        CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS dr_events (id TEXT PRIMARY KEY, received TEXT NOT NULL, body TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS dr_intervals (event_id TEXT NOT NULL, interval_start TEXT NOT NULL, achieved_mw DOUBLE PRECISION NOT NULL,
            ceiling_mw DOUBLE PRECISION NOT NULL, baseline_mw DOUBLE PRECISION NOT NULL, PRIMARY KEY (event_id, interval_start));
        CREATE TABLE IF NOT EXISTS four_cp_hours (hour_start TEXT PRIMARY KEY, probability DOUBLE PRECISION NOT NULL, issued_at TEXT NOT NULL,
            curtail INTEGER NOT NULL, reason TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS dr_trace (event_id TEXT NOT NULL, minute_start TEXT NOT NULL, load_mw DOUBLE PRECISION NOT NULL,
            samples INTEGER NOT NULL, source TEXT NOT NULL, PRIMARY KEY (event_id, minute_start));
        """);
        // Databases created before events carried the test flag have dr_events without it; every event in them was
        // recorded as real, which the default keeps. New databases get the column the same way, so there is one path.
        AddColumnIfMissing("dr_events", "test", "BOOLEAN NOT NULL DEFAULT FALSE");
        AddCommandAuditColumns();
    }

    private void AddColumnIfMissing(string table, string column, string definition)
    {
        var exists = Query(_postgres
                ? "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = @t AND column_name = @c"
                : "SELECT COUNT(*) FROM pragma_table_info(@t) WHERE name = @c",
            r => Convert.ToInt32(r.GetValue(0), CultureInfo.InvariantCulture), ("t", table), ("c", column))[0] > 0;
        if (exists) return;
        // IF NOT EXISTS on PostgreSQL: two controllers starting on one database at once must not fail on the second ALTER.
        Execute($"ALTER TABLE {table} ADD COLUMN {(_postgres ? "IF NOT EXISTS " : "")}{column} {definition}");
    }

    public void SaveCycle(CycleRecord r) => Execute(
        "INSERT INTO cycles VALUES (@id, @time, @trigger, @target, @price, @limited, @measured, @expected, @inputs, @decision, @miners) " +
        // A cycle is written as decided, before its commands, and again with their outcome.
        "ON CONFLICT (id) DO UPDATE SET expected_kw = @expected, miner_results = @miners",
        ("id", r.Id), ("time", Iso(r.Time)), ("trigger", r.Trigger), ("target", r.TargetKw), ("price", r.PriceTargetKw), ("limited", r.LimitedBy),
        ("measured", r.MeasuredLoadKw), ("expected", r.ExpectedLoadKw), ("inputs", r.InputsJson), ("decision", r.DecisionJson), ("miners", r.MinerResultsJson));

    public IReadOnlyList<CycleRecord> RecentCycles(int limit) => Query(
        $"SELECT id, time, trigger_name, target_kw, price_target_kw, limited_by, measured_kw, expected_kw, inputs, decision, miner_results FROM cycles ORDER BY time DESC LIMIT {Math.Clamp(limit, 1, 10000)}",
        r => new CycleRecord(r.GetString(0), ParseIso(r.GetString(1)), r.GetString(2), r.GetDouble(3), r.GetDouble(4), r.GetString(5), r.GetDouble(6),
            r.IsDBNull(7) ? null : r.GetDouble(7), r.GetString(8), r.GetString(9), r.GetString(10)));

    public CycleRecord? Cycle(string id) => Query(
        "SELECT id, time, trigger_name, target_kw, price_target_kw, limited_by, measured_kw, expected_kw, inputs, decision, miner_results FROM cycles WHERE id = @id",
        r => new CycleRecord(r.GetString(0), ParseIso(r.GetString(1)), r.GetString(2), r.GetDouble(3), r.GetDouble(4), r.GetString(5), r.GetDouble(6),
            r.IsDBNull(7) ? null : r.GetDouble(7), r.GetString(8), r.GetString(9), r.GetString(10)), ("id", id)).FirstOrDefault();

    /// <summary>Deletes decision cycles older than <paramref name="before"/>; audit and DR records are never purged.</summary>
    public int PurgeCycles(DateTimeOffset before)
    {
        var n = Query("SELECT COUNT(*) FROM cycles WHERE time < @t", r => Convert.ToInt32(r.GetValue(0), CultureInfo.InvariantCulture), ("t", Iso(before)))[0];
        Execute("DELETE FROM cycles WHERE time < @t", ("t", Iso(before)));
        return n;
    }

    public int CycleCount() => Query("SELECT COUNT(*) FROM cycles", r => Convert.ToInt32(r.GetValue(0), CultureInfo.InvariantCulture))[0];

    public void Audit(AuditEntry e) => Execute(AuditStatement(e));

    public IReadOnlyList<AuditEntry> AuditLog(int limit) => Query(
        $"SELECT time, actor, role, action, old_value, new_value FROM audit ORDER BY time DESC LIMIT {Math.Clamp(limit, 1, 10000)}",
        r => new AuditEntry(ParseIso(r.GetString(0)), r.GetString(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5)));

    public void SaveGroupStates(IReadOnlyList<string> names, IReadOnlyList<GroupState> states)
    {
        for (var i = 0; i < names.Count; i++)
            Execute("INSERT INTO group_states VALUES (@g, @m, @s, @f) ON CONFLICT (group_name) DO UPDATE SET mode = @m, since_ticks = @s, fraction = @f",
                ("g", names[i]), ("m", states[i].Mode.ToString()), ("s", states[i].SinceTicks), ("f", states[i].PowerFraction));
    }

    public Dictionary<string, GroupState> LoadGroupStates() => Query("SELECT group_name, mode, since_ticks, fraction FROM group_states",
        r => (Name: r.GetString(0), State: new GroupState(Enum.Parse<GroupMode>(r.GetString(1)), r.GetInt64(2), r.GetDouble(3))))
        .ToDictionary(x => x.Name, x => x.State);

    public void SaveSetting<T>(string name, T value) => Execute(SettingStatement(name, value));

    public T? LoadSetting<T>(string name) => Query("SELECT value FROM settings WHERE name = @n", r => r.GetString(0), ("n", name)) is [var v]
        ? JsonSerializer.Deserialize<T>(v, Json) : default;

    public void SaveEvent(DispatchEvent e) => Execute(EventStatement(e));

    public IReadOnlyList<DispatchEvent> Events(int limit = 200) => Query(
        $"SELECT body, test FROM dr_events ORDER BY received DESC LIMIT {Math.Clamp(limit, 1, 10000)}", ReadEvent);

    public DispatchEvent? Event(string id) => Query("SELECT body, test FROM dr_events WHERE id = @id", ReadEvent, ("id", id)).FirstOrDefault();

    // The column is the flag of record: bodies written before the flag existed do not mention it.
    private static DispatchEvent ReadEvent(DbDataReader r) => JsonSerializer.Deserialize<DispatchEvent>(r.GetString(0), Json)! with { Test = r.GetBoolean(1) };

    public void SaveEventInterval(EventIntervalRecord e) => Execute(
        "INSERT INTO dr_intervals VALUES (@e, @t, @a, @c, @b) ON CONFLICT (event_id, interval_start) DO UPDATE SET achieved_mw = @a",
        ("e", e.EventId), ("t", Iso(e.IntervalStart)), ("a", e.AchievedMw), ("c", e.CeilingMw), ("b", e.BaselineMw));

    public IReadOnlyList<EventIntervalRecord> EventIntervals(string eventId) => Query(
        "SELECT event_id, interval_start, achieved_mw, ceiling_mw, baseline_mw FROM dr_intervals WHERE event_id = @e ORDER BY interval_start",
        r => new EventIntervalRecord(r.GetString(0), ParseIso(r.GetString(1)), r.GetDouble(2), r.GetDouble(3), r.GetDouble(4)), ("e", eventId));

    /// <summary>Writes one minute of an event's load trace; writing the same (event, minute) again replaces it.</summary>
    public void SaveTraceMinute(LoadTraceMinute m) => Execute(
        "INSERT INTO dr_trace (event_id, minute_start, load_mw, samples, source) VALUES (@e, @t, @l, @n, @s) " +
        "ON CONFLICT (event_id, minute_start) DO UPDATE SET load_mw = @l, samples = @n, source = @s",
        ("e", m.EventId), ("t", Iso(m.MinuteStart)), ("l", m.LoadMw), ("n", m.Samples), ("s", SourceName(m.Source)));

    public IReadOnlyList<LoadTraceMinute> LoadTrace(string eventId) => Query(
        "SELECT event_id, minute_start, load_mw, samples, source FROM dr_trace WHERE event_id = @e ORDER BY minute_start", ReadTraceMinute, ("e", eventId));

    public LoadTraceMinute? TraceMinute(string eventId, DateTimeOffset minuteStart) => Query(
        "SELECT event_id, minute_start, load_mw, samples, source FROM dr_trace WHERE event_id = @e AND minute_start = @t", ReadTraceMinute,
        ("e", eventId), ("t", Iso(minuteStart))).FirstOrDefault();

    private static LoadTraceMinute ReadTraceMinute(DbDataReader r) => new(r.GetString(0), ParseIso(r.GetString(1)), r.GetDouble(2), r.GetInt32(3),
        Enum.Parse<LoadTraceSource>(r.GetString(4), ignoreCase: true));

    private static string SourceName(LoadTraceSource s) => s.ToString().ToLowerInvariant();

    private void Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        _gate.Wait();
        try
        {
            using var c = _connect();
            c.Open();
            foreach (var statement in sql.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                using var cmd = c.CreateCommand();
                cmd.CommandText = statement;
                Bind(cmd, parameters);
                cmd.ExecuteNonQuery();
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private List<T> Query<T>(string sql, Func<DbDataReader, T> map, params (string Name, object? Value)[] parameters)
    {
        _gate.Wait();
        try
        {
            using var c = _connect();
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            Bind(cmd, parameters);
            using var reader = cmd.ExecuteReader();
            var result = new List<T>();
            while (reader.Read()) result.Add(map(reader));
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static void Bind(DbCommand cmd, (string Name, object? Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            if (!cmd.CommandText.Contains('@' + name, StringComparison.Ordinal)) continue;
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            cmd.Parameters.Add(p);
        }
    }

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseIso(string s) => DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    public void Dispose() => _gate.Dispose();
}
