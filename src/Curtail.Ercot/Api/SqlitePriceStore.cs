using Curtail.Core.Prices;
using Microsoft.Data.Sqlite;

namespace Curtail.Ercot.Api;

/// <summary>A gap in stored prices: [FromUtc, ToUtc).</summary>
public readonly record struct PriceGap(DateTimeOffset FromUtc, DateTimeOffset ToUtc);

/// <summary>Whether a feed is current: the newest stored interval end, and when the feed last delivered.</summary>
public sealed record FeedStatus(string Report, string SettlementPoint, DateTimeOffset? NewestEndUtc, DateTimeOffset? LastFetchUtc, bool IsStale);

/// <summary>
/// Keeps fetched prices in SQLite, keyed by (report, point, interval start) so a price fetched twice is stored once
/// (a revised value replaces the old one). It finds the gaps a restart or an outage left, for backfill, and says
/// when a feed has gone stale.
/// </summary>
public sealed partial class SqlitePriceStore : IDisposable
{
    private readonly SqliteConnection _db;
    // One connection, which SQLite does not let two threads use at once: the controller's SPP and SCED polls share it.
    private readonly Lock _gate = new();
    private bool _disposed;

    public SqlitePriceStore(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _db.Open();
        Execute("""
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS prices (
                report TEXT NOT NULL, point TEXT NOT NULL, start_utc INTEGER NOT NULL, end_utc INTEGER NOT NULL,
                price REAL NOT NULL, fetched_utc INTEGER NOT NULL,
                PRIMARY KEY (report, point, start_utc)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS fetches (
                report TEXT NOT NULL, point TEXT NOT NULL, last_fetch_utc INTEGER NOT NULL,
                PRIMARY KEY (report, point)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS mcpc_sced (
                sced_utc INTEGER NOT NULL, as_type TEXT NOT NULL, mcpc REAL NOT NULL, fetched_utc INTEGER NOT NULL,
                PRIMARY KEY (sced_utc, as_type)) WITHOUT ROWID;
            """);
    }

    private void Execute(string sql)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>Stores prices; returns how many were new or changed (the rest were duplicates).</summary>
    public int Upsert(string report, IEnumerable<ApiPrice> prices, DateTimeOffset fetchedAt)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            using var tx = _db.BeginTransaction();
            using var cmd = _db.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = """
                INSERT INTO prices (report, point, start_utc, end_utc, price, fetched_utc) VALUES ($r, $p, $s, $e, $v, $f)
                ON CONFLICT (report, point, start_utc) DO UPDATE SET end_utc = excluded.end_utc, price = excluded.price, fetched_utc = excluded.fetched_utc
                WHERE prices.price <> excluded.price OR prices.end_utc <> excluded.end_utc
                """;
            var r = cmd.Parameters.Add("$r", SqliteType.Text);
            var p = cmd.Parameters.Add("$p", SqliteType.Text);
            var s = cmd.Parameters.Add("$s", SqliteType.Integer);
            var e = cmd.Parameters.Add("$e", SqliteType.Integer);
            var v = cmd.Parameters.Add("$v", SqliteType.Real);
            var f = cmd.Parameters.Add("$f", SqliteType.Integer);
            var changed = 0;
            var points = new HashSet<string>(StringComparer.Ordinal);
            foreach (var price in prices)
            {
                r.Value = report;
                p.Value = price.SettlementPoint;
                s.Value = price.StartUtc.UtcTicks;
                e.Value = price.EndUtc.UtcTicks;
                v.Value = price.Price;
                f.Value = fetchedAt.UtcTicks;
                changed += cmd.ExecuteNonQuery();
                points.Add(price.SettlementPoint);
            }
            tx.Commit();
            return changed;
        }
    }

    /// <summary>Records that a fetch for the point succeeded (even with no rows), for staleness.</summary>
    public void RecordFetch(string report, string point, DateTimeOffset at)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "INSERT INTO fetches (report, point, last_fetch_utc) VALUES ($r, $p, $t) ON CONFLICT (report, point) DO UPDATE SET last_fetch_utc = excluded.last_fetch_utc";
            cmd.Parameters.AddWithValue("$r", report);
            cmd.Parameters.AddWithValue("$p", point);
            cmd.Parameters.AddWithValue("$t", at.UtcTicks);
            cmd.ExecuteNonQuery();
        }
    }

    /// <summary>Stored prices of a point starting in [from, to), as a series.</summary>
    public PriceSeries Read(string report, string point, DateTimeOffset fromUtc, DateTimeOffset toUtc)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT start_utc, end_utc, price FROM prices WHERE report = $r AND point = $p AND start_utc >= $a AND start_utc < $b ORDER BY start_utc";
            cmd.Parameters.AddWithValue("$r", report);
            cmd.Parameters.AddWithValue("$p", point);
            cmd.Parameters.AddWithValue("$a", fromUtc.UtcTicks);
            cmd.Parameters.AddWithValue("$b", toUtc.UtcTicks);
            var s = new List<long>();
            var e = new List<long>();
            var v = new List<double>();
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                s.Add(reader.GetInt64(0));
                e.Add(reader.GetInt64(1));
                v.Add(reader.GetDouble(2));
            }
            return new PriceSeries(point, s.ToArray(), e.ToArray(), v.ToArray());
        }
    }

    /// <summary>
    /// Parts of [from, to) not covered by stored intervals. For reports on a fixed grid (15-minute, hourly) that is
    /// exact; for SCED, a hole longer than <paramref name="tolerance"/> between runs counts as a gap.
    /// </summary>
    public IReadOnlyList<PriceGap> Gaps(string report, string point, DateTimeOffset fromUtc, DateTimeOffset toUtc, TimeSpan tolerance = default)
    {
        var stored = Read(report, point, fromUtc, toUtc);
        var gaps = new List<PriceGap>();
        var cursor = fromUtc.UtcTicks;
        for (var i = 0; i < stored.Count; i++)
        {
            var start = stored.StartTicks[i];
            if (start - cursor > tolerance.Ticks) gaps.Add(new PriceGap(new(cursor, TimeSpan.Zero), new(start, TimeSpan.Zero)));
            cursor = Math.Max(cursor, stored.EndTicks[i]);
        }
        if (toUtc.UtcTicks - cursor > tolerance.Ticks) gaps.Add(new PriceGap(new(cursor, TimeSpan.Zero), toUtc));
        return gaps;
    }

    /// <summary>Stale when the newest stored interval ended more than <paramref name="maxAge"/> before <paramref name="now"/>.</summary>
    public FeedStatus Status(string report, string point, DateTimeOffset now, TimeSpan maxAge)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            using var cmd = _db.CreateCommand();
            cmd.CommandText = """
                SELECT (SELECT MAX(end_utc) FROM prices WHERE report = $r AND point = $p),
                       (SELECT last_fetch_utc FROM fetches WHERE report = $r AND point = $p)
                """;
            cmd.Parameters.AddWithValue("$r", report);
            cmd.Parameters.AddWithValue("$p", point);
            using var reader = cmd.ExecuteReader();
            reader.Read();
            DateTimeOffset? newest = reader.IsDBNull(0) ? null : new DateTimeOffset(reader.GetInt64(0), TimeSpan.Zero);
            DateTimeOffset? fetched = reader.IsDBNull(1) ? null : new DateTimeOffset(reader.GetInt64(1), TimeSpan.Zero);
            return new FeedStatus(report, point, newest, fetched, newest is null || now - newest.Value > maxAge);
        }
    }

    /// <summary>Every (report, point) the store holds prices for.</summary>
    public IReadOnlyList<(string Report, string Point, int Rows)> Feeds()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT report, point, COUNT(*) FROM prices GROUP BY report, point ORDER BY report, point";
            var result = new List<(string, string, int)>();
            using var reader = cmd.ExecuteReader();
            while (reader.Read()) result.Add((reader.GetString(0), reader.GetString(1), reader.GetInt32(2)));
            return result;
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _db.Dispose();
        }
    }
}
