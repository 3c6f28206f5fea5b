using Curtail.Ercot.Prices;

namespace Curtail.Ercot.Api;

/// <summary>Ancillary-service clearing prices per SCED run (NP6-332-CD), for the dashboard and later valuations.</summary>
public sealed partial class SqlitePriceStore
{
    /// <summary>Stores MCPCs; a (run, AS type) already stored is replaced (ERCOT may correct a price). Returns rows written.</summary>
    public int UpsertMcpc(IEnumerable<McpcPrice> prices, DateTimeOffset fetchedAt)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            using var tx = _db.BeginTransaction();
            using var cmd = _db.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = """
                INSERT INTO mcpc_sced (sced_utc, as_type, mcpc, fetched_utc) VALUES ($t, $a, $m, $f)
                ON CONFLICT (sced_utc, as_type) DO UPDATE SET mcpc = excluded.mcpc, fetched_utc = excluded.fetched_utc
                """;
            var t = cmd.Parameters.Add("$t", Microsoft.Data.Sqlite.SqliteType.Integer);
            var a = cmd.Parameters.Add("$a", Microsoft.Data.Sqlite.SqliteType.Text);
            var m = cmd.Parameters.Add("$m", Microsoft.Data.Sqlite.SqliteType.Real);
            cmd.Parameters.AddWithValue("$f", fetchedAt.UtcTicks);
            var n = 0;
            foreach (var p in prices)
            {
                t.Value = p.ScedUtc.UtcTicks;
                a.Value = p.AsType;
                m.Value = p.Mcpc;
                n += cmd.ExecuteNonQuery();
            }
            tx.Commit();
            return n;
        }
    }

    /// <summary>MCPCs of SCED runs in [fromUtc, toUtc), oldest first, AS types in ordinal order within a run.</summary>
    public IReadOnlyList<McpcPrice> ReadMcpc(DateTimeOffset fromUtc, DateTimeOffset toUtc)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT sced_utc, as_type, mcpc FROM mcpc_sced WHERE sced_utc >= $f AND sced_utc < $t ORDER BY sced_utc, as_type";
            cmd.Parameters.AddWithValue("$f", fromUtc.UtcTicks);
            cmd.Parameters.AddWithValue("$t", toUtc.UtcTicks);
            using var r = cmd.ExecuteReader();
            var result = new List<McpcPrice>();
            while (r.Read()) result.Add(new McpcPrice(new DateTimeOffset(r.GetInt64(0), TimeSpan.Zero), r.GetString(1), r.GetDouble(2)));
            return result;
        }
    }
}
