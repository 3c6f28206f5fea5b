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

    private ControllerStore(Func<DbConnection> connect, bool postgres, string site)
    {
        _connect = connect;
        _postgres = postgres;
        _site = site;
    }

    /// <summary>The site whose rows this store reads and writes: one database may hold several sites (`controller.site_id`).</summary>
    private readonly string _site;

    public string Site => _site;

    public string Description { get; private init; } = "";

    public const string DefaultSite = "default";

    public static ControllerStore Sqlite(string path, string site = DefaultSite)
    {
        var cs = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString();
        var store = new ControllerStore(() => new SqliteConnection(cs), postgres: false, site) { Description = $"sqlite:{path}" };
        store.Migrate();
        return store;
    }

    public static ControllerStore Postgres(string connectionString, string site = DefaultSite)
    {
        var store = new ControllerStore(() => new NpgsqlConnection(connectionString), postgres: true, site) { Description = "postgres" };
        store.Migrate();
        return store;
    }

    /// <summary>A PostgreSQL store opened only to read what the sites' controllers wrote (`curtail sites status`): no migration.</summary>
    public static ControllerStore PostgresForReading(string connectionString) =>
        new(() => new NpgsqlConnection(connectionString), postgres: true, DefaultSite) { Description = "postgres" };

    /// <summary>
    /// Every table, keyed by site: (name, columns after <c>site</c>, primary key). A database from before sites had the
    /// same tables without the column; <see cref="Migrate"/> rebuilds those with the configured site in every row.
    /// </summary>
    private static readonly (string Name, string Columns, string? Key)[] Tables =
    [
        ("cycles", "id TEXT NOT NULL, time TEXT NOT NULL, trigger_name TEXT NOT NULL, target_kw DOUBLE PRECISION NOT NULL, " +
            "price_target_kw DOUBLE PRECISION NOT NULL, limited_by TEXT NOT NULL, measured_kw DOUBLE PRECISION NOT NULL, expected_kw DOUBLE PRECISION, " +
            "inputs TEXT NOT NULL, decision TEXT NOT NULL, miner_results TEXT NOT NULL", "site, id"),
        ("audit", "time TEXT NOT NULL, actor TEXT NOT NULL, role TEXT NOT NULL, action TEXT NOT NULL, old_value TEXT, new_value TEXT, " +
            "miner TEXT, command TEXT, outcome TEXT, latency_ms DOUBLE PRECISION, detail TEXT", null),
        ("group_states", "group_name TEXT NOT NULL, mode TEXT NOT NULL, since_ticks BIGINT NOT NULL, fraction DOUBLE PRECISION NOT NULL", "site, group_name"),
        ("settings", "name TEXT NOT NULL, value TEXT NOT NULL", "site, name"),
        ("dr_events", "id TEXT NOT NULL, received TEXT NOT NULL, body TEXT NOT NULL, test BOOLEAN NOT NULL DEFAULT FALSE", "site, id"),
        ("dr_intervals", "event_id TEXT NOT NULL, interval_start TEXT NOT NULL, achieved_mw DOUBLE PRECISION NOT NULL, " +
            "ceiling_mw DOUBLE PRECISION NOT NULL, baseline_mw DOUBLE PRECISION NOT NULL", "site, event_id, interval_start"),
        ("four_cp_hours", "hour_start TEXT NOT NULL, probability DOUBLE PRECISION NOT NULL, issued_at TEXT NOT NULL, curtail INTEGER NOT NULL, reason TEXT NOT NULL",
            "site, hour_start"),
        ("dr_trace", "event_id TEXT NOT NULL, minute_start TEXT NOT NULL, load_mw DOUBLE PRECISION NOT NULL, samples INTEGER NOT NULL, source TEXT NOT NULL",
            "site, event_id, minute_start"),
        // One hash chain per site (ControllerStore.DirectiveChain.cs).
        ("directive_chain", "seq BIGINT NOT NULL, directive_id TEXT NOT NULL, time TEXT NOT NULL, entry_kind TEXT NOT NULL, body TEXT NOT NULL, " +
            "prev_hash TEXT NOT NULL, hash TEXT NOT NULL", "site, seq"),
    ];

    /// <summary>
    /// Creates what is missing and brings a database from an older version up to date, in one transaction; on
    /// PostgreSQL under an advisory lock, so controllers starting at once on one database migrate it once, in turn.
    /// </summary>
    private void Migrate()
    {
        _gate.Wait();
        try
        {
            using var c = _connect();
            c.Open();
            using var tx = c.BeginTransaction();
            if (_postgres) Scalar(c, tx, "SELECT COUNT(*) FROM (SELECT pg_advisory_xact_lock(7242012)) AS locked");
            foreach (var (name, columns, key) in Tables)
            {
                var definition = $"(site TEXT NOT NULL, {columns}{(key is null ? "" : $", PRIMARY KEY ({key})")})";
                if (!TableExists(c, tx, name))
                {
                    Run(c, tx, $"CREATE TABLE {name} {definition}");
                    continue;
                }
                // Databases created before events carried the test flag have dr_events without it; every event in them
                // was recorded as real, which the default keeps.
                if (name == "dr_events" && !ColumnExists(c, tx, name, "test")) Run(c, tx, "ALTER TABLE dr_events ADD COLUMN test BOOLEAN NOT NULL DEFAULT FALSE");
                // Columns added when miner commands joined the audit log; older rows (API changes) leave them empty.
                if (name == "audit")
                    foreach (var (column, type) in CommandAuditColumns)
                        if (!ColumnExists(c, tx, name, column)) Run(c, tx, $"ALTER TABLE audit ADD COLUMN {column} {type}");
                if (ColumnExists(c, tx, name, "site")) continue;
                // Before sites: rebuilt with the configured site in every row (a new table, since neither engine can
                // change a primary key in place and SQLite cannot add one).
                var names = string.Join(", ", columns.Split(", ").Select(col => col.Split(' ')[0]));
                Run(c, tx, $"CREATE TABLE {name}_with_site {definition}");
                Run(c, tx, $"INSERT INTO {name}_with_site (site, {names}) SELECT @site, {names} FROM {name}", ("site", _site));
                Run(c, tx, $"DROP TABLE {name}");
                Run(c, tx, $"ALTER TABLE {name}_with_site RENAME TO {name}");
            }
            Run(c, tx, "CREATE INDEX IF NOT EXISTS cycles_site_time ON cycles (site, time)");
            Run(c, tx, "CREATE INDEX IF NOT EXISTS audit_site_time ON audit (site, time)");
            if (_postgres) MigrateCluster(c, tx);
            tx.Commit();
        }
        finally
        {
            _gate.Release();
        }
    }

    private bool TableExists(DbConnection c, DbTransaction tx, string table) => Scalar(c, tx, _postgres
        ? "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = @t"
        : "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = @t", ("t", table)) > 0;

    private bool ColumnExists(DbConnection c, DbTransaction tx, string table, string column) => Scalar(c, tx, _postgres
        ? "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = @t AND column_name = @c"
        : "SELECT COUNT(*) FROM pragma_table_info(@t) WHERE name = @c", ("t", table), ("c", column)) > 0;

    private static long Scalar(DbConnection c, DbTransaction tx, string sql, params (string Name, object? Value)[] parameters)
    {
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        Bind(cmd, parameters);
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    // A cycle is written as decided, before its commands, and again with their outcome: an upsert by cycle id.
    private const string CycleSql = "INSERT INTO cycles (site, id, time, trigger_name, target_kw, price_target_kw, limited_by, measured_kw, expected_kw, inputs, decision, miner_results) " +
        "VALUES (@site, @id, @time, @trigger, @target, @price, @limited, @measured, @expected, @inputs, @decision, @miners) " +
        "ON CONFLICT (site, id) DO UPDATE SET expected_kw = @expected, miner_results = @miners";

    private const string GroupStateSql = "INSERT INTO group_states (site, group_name, mode, since_ticks, fraction) VALUES (@site, @g, @m, @s, @f) ON CONFLICT (site, group_name) DO UPDATE SET mode = @m, since_ticks = @s, fraction = @f";

    private static (string, object?)[] CycleParameters(CycleRecord r) =>
    [
        ("id", r.Id), ("time", Iso(r.Time)), ("trigger", r.Trigger), ("target", r.TargetKw), ("price", r.PriceTargetKw), ("limited", r.LimitedBy),
        ("measured", r.MeasuredLoadKw), ("expected", r.ExpectedLoadKw), ("inputs", r.InputsJson), ("decision", r.DecisionJson), ("miners", r.MinerResultsJson),
    ];

    public void SaveCycle(CycleRecord r) => Execute(CycleSql, CycleParameters(r));

    public IReadOnlyList<CycleRecord> RecentCycles(int limit) => Query(
        $"SELECT id, time, trigger_name, target_kw, price_target_kw, limited_by, measured_kw, expected_kw, inputs, decision, miner_results FROM cycles WHERE site = @site ORDER BY time DESC LIMIT {Math.Clamp(limit, 1, 10000)}",
        r => new CycleRecord(r.GetString(0), ParseIso(r.GetString(1)), r.GetString(2), r.GetDouble(3), r.GetDouble(4), r.GetString(5), r.GetDouble(6),
            r.IsDBNull(7) ? null : r.GetDouble(7), r.GetString(8), r.GetString(9), r.GetString(10)));

    public CycleRecord? Cycle(string id) => Query(
        "SELECT id, time, trigger_name, target_kw, price_target_kw, limited_by, measured_kw, expected_kw, inputs, decision, miner_results FROM cycles WHERE site = @site AND id = @id",
        r => new CycleRecord(r.GetString(0), ParseIso(r.GetString(1)), r.GetString(2), r.GetDouble(3), r.GetDouble(4), r.GetString(5), r.GetDouble(6),
            r.IsDBNull(7) ? null : r.GetDouble(7), r.GetString(8), r.GetString(9), r.GetString(10)), ("id", id)).FirstOrDefault();

    /// <summary>Deletes decision cycles older than <paramref name="before"/> (the audit has its own, <see cref="PurgeAudit"/>; DR records are kept).</summary>
    public int PurgeCycles(DateTimeOffset before)
    {
        var n = Query("SELECT COUNT(*) FROM cycles WHERE site = @site AND time < @t", r => Convert.ToInt32(r.GetValue(0), CultureInfo.InvariantCulture), ("t", Iso(before)))[0];
        Execute("DELETE FROM cycles WHERE site = @site AND time < @t", ("t", Iso(before)));
        return n;
    }

    public int CycleCount() => Query("SELECT COUNT(*) FROM cycles WHERE site = @site", r => Convert.ToInt32(r.GetValue(0), CultureInfo.InvariantCulture))[0];

    public void Audit(AuditEntry e) => Execute(AuditStatement(e));

    public IReadOnlyList<AuditEntry> AuditLog(int limit) => Query(
        $"SELECT time, actor, role, action, old_value, new_value FROM audit WHERE site = @site ORDER BY time DESC LIMIT {Math.Clamp(limit, 1, 10000)}",
        r => new AuditEntry(ParseIso(r.GetString(0)), r.GetString(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5)));

    public void SaveGroupStates(IReadOnlyList<string> names, IReadOnlyList<GroupState> states)
    {
        for (var i = 0; i < names.Count; i++)
            Execute(GroupStateSql, ("g", names[i]), ("m", states[i].Mode.ToString()), ("s", states[i].SinceTicks), ("f", states[i].PowerFraction));
    }

    public Dictionary<string, GroupState> LoadGroupStates() => Query("SELECT group_name, mode, since_ticks, fraction FROM group_states WHERE site = @site",
        r => (Name: r.GetString(0), State: new GroupState(Enum.Parse<GroupMode>(r.GetString(1)), r.GetInt64(2), r.GetDouble(3))))
        .ToDictionary(x => x.Name, x => x.State);

    public void SaveSetting<T>(string name, T value) => Execute(SettingStatement(name, value));

    public T? LoadSetting<T>(string name) => Query("SELECT value FROM settings WHERE site = @site AND name = @n", r => r.GetString(0), ("n", name)) is [var v]
        ? JsonSerializer.Deserialize<T>(v, Json) : default;

    public void SaveEvent(DispatchEvent e) => Execute(EventStatement(e));

    public IReadOnlyList<DispatchEvent> Events(int limit = 200) => Query(
        $"SELECT body, test FROM dr_events WHERE site = @site ORDER BY received DESC LIMIT {Math.Clamp(limit, 1, 10000)}", ReadEvent);

    public DispatchEvent? Event(string id) => Query("SELECT body, test FROM dr_events WHERE site = @site AND id = @id", ReadEvent, ("id", id)).FirstOrDefault();

    // The column is the flag of record: bodies written before the flag existed do not mention it.
    private static DispatchEvent ReadEvent(DbDataReader r) => JsonSerializer.Deserialize<DispatchEvent>(r.GetString(0), Json)! with { Test = r.GetBoolean(1) };

    public void SaveEventInterval(EventIntervalRecord e) => Execute(
        "INSERT INTO dr_intervals (site, event_id, interval_start, achieved_mw, ceiling_mw, baseline_mw) VALUES (@site, @e, @t, @a, @c, @b) ON CONFLICT (site, event_id, interval_start) DO UPDATE SET achieved_mw = @a",
        ("e", e.EventId), ("t", Iso(e.IntervalStart)), ("a", e.AchievedMw), ("c", e.CeilingMw), ("b", e.BaselineMw));

    public IReadOnlyList<EventIntervalRecord> EventIntervals(string eventId) => Query(
        "SELECT event_id, interval_start, achieved_mw, ceiling_mw, baseline_mw FROM dr_intervals WHERE site = @site AND event_id = @e ORDER BY interval_start",
        r => new EventIntervalRecord(r.GetString(0), ParseIso(r.GetString(1)), r.GetDouble(2), r.GetDouble(3), r.GetDouble(4)), ("e", eventId));

    /// <summary>Writes one minute of an event's load trace; writing the same (event, minute) again replaces it.</summary>
    public void SaveTraceMinute(LoadTraceMinute m) => Execute(
        "INSERT INTO dr_trace (site, event_id, minute_start, load_mw, samples, source) VALUES (@site, @e, @t, @l, @n, @s) " +
        "ON CONFLICT (site, event_id, minute_start) DO UPDATE SET load_mw = @l, samples = @n, source = @s",
        ("e", m.EventId), ("t", Iso(m.MinuteStart)), ("l", m.LoadMw), ("n", m.Samples), ("s", SourceName(m.Source)));

    public IReadOnlyList<LoadTraceMinute> LoadTrace(string eventId) => Query(
        "SELECT event_id, minute_start, load_mw, samples, source FROM dr_trace WHERE site = @site AND event_id = @e ORDER BY minute_start", ReadTraceMinute, ("e", eventId));

    public LoadTraceMinute? TraceMinute(string eventId, DateTimeOffset minuteStart) => Query(
        "SELECT event_id, minute_start, load_mw, samples, source FROM dr_trace WHERE site = @site AND event_id = @e AND minute_start = @t", ReadTraceMinute,
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
                BindWithSite(cmd, parameters);
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
            BindWithSite(cmd, parameters);
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

    /// <summary>Binds the parameters the statement names, and <c>@site</c> as this store's site unless given.</summary>
    private void BindWithSite(DbCommand cmd, (string Name, object? Value)[] parameters) =>
        Bind(cmd, parameters.Any(p => p.Name == "site") ? parameters : [.. parameters, ("site", _site)]);

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
