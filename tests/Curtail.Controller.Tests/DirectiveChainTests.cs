using System.Security.Cryptography;
using System.Text;
using Curtail.Controller.DemandResponse;
using Curtail.Controller.Storage;
using Microsoft.Data.Sqlite;

namespace Curtail.Controller.Tests;

/// <summary>The SB 6 directives' hash chain in SQLite: appends link to the previous entry; any change to a row is found and named.</summary>
public sealed class DirectiveChainTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 8, 3, 21, 0, 0, TimeSpan.Zero);
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"curtail-chain-{Guid.NewGuid():N}.db");
    private readonly ControllerStore _store;

    public DirectiveChainTests() => _store = ControllerStore.Sqlite(_path);

    public void Dispose() => _store.Dispose();

    private static DispatchEvent Directive(string id) => new()
    {
        Id = id, Program = DemandResponseProgram.Sb6, Directive = DirectiveKind.CurtailToLevel, ReceivedAt = T0, AcknowledgedAt = T0,
        Deadline = T0.AddMinutes(30), TargetMw = 2, BaselineMw = 9.5, Source = "api",
    };

    private void Fill()
    {
        var e = Directive("sb6-a");
        _store.SaveEventChained(e, null, T0, "received", new Dictionary<string, object?> { ["kind"] = "curtail_to_level", ["level_mw"] = 2.0 });
        _store.AppendDirectiveEntry(e.Id, T0, "acknowledged", new Dictionary<string, object?> { ["acknowledged_at"] = T0 });
        for (var m = 0; m < 4; m++)
            _store.AppendDirectiveEntry(e.Id, T0.AddMinutes(m + 1), "load_minute",
                new Dictionary<string, object?> { ["minute_start"] = T0.AddMinutes(m), ["load_mw"] = 9.5 - 2 * m, ["samples"] = 60 });
        _store.SaveEventChained(e with { ReleasedAt = T0.AddMinutes(5) }, null, T0.AddMinutes(5), "released", new Dictionary<string, object?> { ["by"] = "otto" });
    }

    private void Sql(string sql)
    {
        using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _path, Pooling = false }.ToString());
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        Assert.Equal(1, cmd.ExecuteNonQuery());
    }

    [Fact]
    public void EachEntryIsTheSha256OfThePreviousHashAndItsCanonicalBody()
    {
        Fill();
        var chain = _store.DirectiveChain("sb6-a");
        Assert.Equal(["received", "acknowledged", "load_minute", "load_minute", "load_minute", "load_minute", "released"], chain.Select(e => e.Kind));
        Assert.Equal(Enumerable.Range(1, 7).Select(i => (long)i), chain.Select(e => e.Seq));
        Assert.Equal(ControllerStore.GenesisHash, chain[0].PrevHash);
        for (var i = 0; i < chain.Count; i++)
        {
            // Recomputed here from the stored text alone, as an outside auditor would.
            var expected = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(chain[i].PrevHash + chain[i].Body))).ToLowerInvariant();
            Assert.Equal(expected, chain[i].Hash);
            if (i > 0) Assert.Equal(chain[i - 1].Hash, chain[i].PrevHash);
        }
        // Keys in ordinal order at every level, no whitespace.
        Assert.StartsWith("{\"data\":{\"load_mw\":5.5,\"minute_start\":\"2026-08-03T21:02:00.0000000Z\",\"samples\":60},\"directive\":\"sb6-a\",\"kind\":\"load_minute\",\"seq\":5,",
            chain[4].Body);
        var ok = _store.VerifyDirectiveChain();
        Assert.True(ok.Intact);
        Assert.Equal(7, ok.Entries);
        Assert.Equal(chain[^1].Hash, ok.HeadHash);
    }

    [Fact]
    public void ChangingAnEntrysBodyIsFoundAndTheEntryNamed()
    {
        Fill();
        // Someone "improves" the achieved load of the third minute.
        Sql("UPDATE directive_chain SET body = replace(body, '\"load_mw\":5.5', '\"load_mw\":1.5') WHERE seq = 5");
        var result = _store.VerifyDirectiveChain();
        Assert.False(result.Intact);
        Assert.Equal(5, result.BrokenAt);
        Assert.Equal("sb6-a", result.BrokenDirective);
        Assert.Contains("entry 5 (load_minute of directive sb6-a", result.Problem);
        Assert.Contains("does not match its content", result.Problem);
    }

    [Fact]
    public void RehashingAChangedEntryBreaksTheNextLinkAndDeletingOneLeavesAGap()
    {
        Fill();
        var fifth = _store.DirectiveChain()[4];
        var forged = fifth.Body.Replace("\"load_mw\":5.5", "\"load_mw\":1.5", StringComparison.Ordinal);
        Sql($"UPDATE directive_chain SET body = '{forged}', hash = '{ControllerStore.Hash(fifth.PrevHash, forged)}' WHERE seq = 5");
        var rehashed = _store.VerifyDirectiveChain();
        Assert.Equal(6, rehashed.BrokenAt);
        Assert.Contains("is not the hash", rehashed.Problem);

        Sql("DELETE FROM directive_chain WHERE seq = 3");
        var deleted = _store.VerifyDirectiveChain();
        Assert.Equal(4, deleted.BrokenAt);
        Assert.Contains("sequence number 4 where 3 was expected", deleted.Problem);
    }

    [Fact]
    public void ChangingARowsColumnsOutsideTheBodyIsFound()
    {
        Fill();
        Sql("UPDATE directive_chain SET time = '2026-08-03T20:59:00.0000000Z' WHERE seq = 1");
        var result = _store.VerifyDirectiveChain();
        Assert.Equal(1, result.BrokenAt);
        Assert.Contains("differ from the hashed body", result.Problem);
    }

    [Fact]
    public void AnEmptyChainVerifiesWithNoEntries()
    {
        var result = _store.VerifyDirectiveChain();
        Assert.True(result.Intact);
        Assert.Equal(0, result.Entries);
        Assert.Null(result.HeadHash);
    }
}
