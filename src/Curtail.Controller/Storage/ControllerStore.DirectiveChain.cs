using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Curtail.Controller.DemandResponse;
using Curtail.Controller.Trading;

namespace Curtail.Controller.Storage;

/// <summary>One entry of the directives' hash chain, as stored.</summary>
public sealed record ChainEntry(long Seq, string DirectiveId, DateTimeOffset Time, string Kind, string Body, string PrevHash, string Hash);

/// <summary>The outcome of walking the chain: how many entries, and the first broken link if any.</summary>
public sealed record ChainVerification(int Entries, string? HeadHash, long? BrokenAt, string? BrokenDirective, string? Problem)
{
    public bool Intact => BrokenAt is null;
}

/// <summary>
/// The tamper-evident record of SB 6 directives (docs/directives.md): every receipt, acknowledgment, confirmed load,
/// minute of achieved load, operator note and release is an entry whose hash is sha256(previous entry's hash ‖ the
/// entry's canonical JSON), so changing, removing or reordering any entry but the newest breaks every link after it.
/// Each entry is appended in the same transaction as the change it records (the event's row, its audit row), so the
/// chain and the records agree; the transaction also reads the head, so two appends never fork the chain (the second
/// fails on the sequence number's primary key and is retried by its caller).
/// </summary>
public sealed partial class ControllerStore
{
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    private static readonly JsonSerializerOptions Canonical = new() { WriteIndented = false };

    private void MigrateDirectiveChain() => Execute("""
        CREATE TABLE IF NOT EXISTS directive_chain (seq BIGINT PRIMARY KEY, directive_id TEXT NOT NULL, time TEXT NOT NULL, entry_kind TEXT NOT NULL,
            body TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS directive_chain_directive ON directive_chain (directive_id)
        """);

    /// <summary>Saves the event (and its audit row, if any) and appends one chain entry recording it, in one transaction.</summary>
    public ChainEntry SaveEventChained(DispatchEvent e, AuditEntry? audit, DateTimeOffset time, string kind, IReadOnlyDictionary<string, object?> data)
    {
        var statements = audit is null ? new[] { EventStatement(e) } : [EventStatement(e), AuditStatement(audit)];
        return AppendChained(e.Id, time, kind, data, statements);
    }

    /// <summary>Appends one chain entry that changes no other record (a minute of achieved load).</summary>
    public ChainEntry AppendDirectiveEntry(string directiveId, DateTimeOffset time, string kind, IReadOnlyDictionary<string, object?> data) =>
        AppendChained(directiveId, time, kind, data, []);

    public IReadOnlyList<ChainEntry> DirectiveChain(string? directiveId = null) => Query(
        "SELECT seq, directive_id, time, entry_kind, body, prev_hash, hash FROM directive_chain" + (directiveId is null ? "" : " WHERE directive_id = @d") + " ORDER BY seq",
        ReadChainEntry, ("d", directiveId));

    /// <summary>
    /// Walks the whole chain from the first entry: sequence numbers without gaps, each entry's previous hash equal to the
    /// hash of the entry before it, each hash equal to sha256(previous hash ‖ body), and the body's own sequence number,
    /// directive, kind and time equal to the row's. Stops at the first broken link and names it.
    /// </summary>
    public ChainVerification VerifyDirectiveChain()
    {
        var entries = DirectiveChain();
        var previous = GenesisHash;
        long expectedSeq = 1;
        foreach (var e in entries)
        {
            var problem = Check(e, expectedSeq, previous);
            if (problem is not null) return new(entries.Count, null, e.Seq, e.DirectiveId, $"entry {e.Seq} ({e.Kind} of directive {e.DirectiveId} at {e.Time:u}): {problem}");
            previous = e.Hash;
            expectedSeq++;
        }
        return new(entries.Count, entries.Count == 0 ? null : previous, null, null, null);
    }

    private static string? Check(ChainEntry e, long expectedSeq, string previousHash)
    {
        if (e.Seq != expectedSeq) return $"sequence number {e.Seq} where {expectedSeq} was expected (an entry before it is missing)";
        if (e.PrevHash != previousHash) return $"its previous hash {Short(e.PrevHash)} is not the hash {Short(previousHash)} of the entry before it";
        var actual = Hash(e.PrevHash, e.Body);
        if (actual != e.Hash) return $"its hash {Short(e.Hash)} does not match its content (which hashes to {Short(actual)}): the entry was changed";
        try
        {
            using var body = JsonDocument.Parse(e.Body);
            var root = body.RootElement;
            if (root.GetProperty("seq").GetInt64() != e.Seq || root.GetProperty("directive").GetString() != e.DirectiveId
                || root.GetProperty("kind").GetString() != e.Kind || root.GetProperty("time").GetString() != Iso(e.Time))
                return "its row's sequence number, directive, kind or time differ from the hashed body: the row was changed";
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return $"its body is not an entry ({ex.Message})";
        }
        return null;
    }

    private ChainEntry AppendChained(string directiveId, DateTimeOffset time, string kind, IReadOnlyDictionary<string, object?> data, Statement[] alongside)
    {
        _gate.Wait();
        try
        {
            using var c = _connect();
            c.Open();
            using var transaction = c.BeginTransaction();
            long seq = 1;
            var prev = GenesisHash;
            using (var head = c.CreateCommand())
            {
                head.Transaction = transaction;
                head.CommandText = "SELECT seq, hash FROM directive_chain ORDER BY seq DESC LIMIT 1";
                using var r = head.ExecuteReader();
                if (r.Read())
                {
                    seq = Convert.ToInt64(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture) + 1;
                    prev = r.GetString(1);
                }
            }
            var body = CanonicalBody(seq, directiveId, time, kind, data);
            var entry = new ChainEntry(seq, directiveId, time, kind, body, prev, Hash(prev, body));
            var insert = new Statement("INSERT INTO directive_chain VALUES (@s, @d, @t, @k, @b, @p, @h)",
                ("s", entry.Seq), ("d", directiveId), ("t", Iso(time)), ("k", kind), ("b", body), ("p", prev), ("h", entry.Hash));
            foreach (var statement in alongside.Append(insert))
            {
                using var cmd = c.CreateCommand();
                cmd.Transaction = transaction;
                cmd.CommandText = statement.Sql;
                Bind(cmd, statement.Parameters);
                cmd.ExecuteNonQuery();
            }
            transaction.Commit();
            return entry;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The hashed text: a JSON object with keys in ordinal order at every level, no whitespace, times as UTC ISO 8601 with
    /// seven fractional digits, numbers in System.Text.Json's shortest round-trip form. Anyone can recompute a hash from
    /// the stored body alone: sha256 over the previous hash's 64 hex characters followed by the body's UTF-8 bytes.
    /// </summary>
    private static string CanonicalBody(long seq, string directiveId, DateTimeOffset time, string kind, IReadOnlyDictionary<string, object?> data)
    {
        var sortedData = new SortedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (k, v) in data) sortedData[k] = v is DateTimeOffset t ? Iso(t) : v;
        var root = new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["data"] = sortedData, ["directive"] = directiveId, ["kind"] = kind, ["seq"] = seq, ["time"] = Iso(time),
        };
        return JsonSerializer.Serialize(root, Canonical);
    }

    public static string Hash(string previousHash, string body) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(previousHash + body))).ToLowerInvariant();

    private static ChainEntry ReadChainEntry(DbDataReader r) => new(Convert.ToInt64(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture),
        r.GetString(1), ParseIso(r.GetString(2)), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6));

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] + "…" : hash;
}
