using Curtail.Core;
using Curtail.Ercot.Api;
using Curtail.Ercot.Prices;

namespace Curtail.Ercot.Tests;

/// <summary>
/// NP6-332-CD (AS clearing prices per SCED run) in the layout gridstatus reads (SCEDTimestamp, RepeatedHourFlag, ASType,
/// MCPC). The fixture's values are invented (no real file is in the shared data); its layout is the report's.
/// </summary>
public class McpcScedReaderTests
{
    private static readonly string Fixture = TestFiles.Fixture("np6-332-cd_format_sample_synthetic.csv");

    [Fact]
    public void RunsAreReadInCentralTimeToUtcWithEachAsType()
    {
        using var file = File.OpenText(Fixture);
        var prices = McpcScedReader.Read(file, Fixture);
        Assert.Equal(15, prices.Count);
        // 2025-12-07 00:00:17 CST is 06:00:17 UTC.
        Assert.Equal(new DateTimeOffset(2025, 12, 7, 6, 0, 17, TimeSpan.Zero), prices[0].ScedUtc);
        Assert.Equal(["ECRS", "NSPIN", "REGDN", "REGUP", "RRS"], prices.Take(5).Select(p => p.AsType));
        Assert.Equal(5.05, prices.Single(p => p.AsType == "REGUP" && p.ScedUtc.Minute == 5).Mcpc);
    }

    [Fact]
    public void AnotherLayoutIsRefusedNamingTheColumnsAndTheVersionKnown()
    {
        var e = Assert.Throws<InvalidInputException>(() => McpcScedReader.Read(new StringReader("SCEDTimestamp,ASType,Price\n12/07/2025 00:00:17,REGUP,4\n"), "mcpc.csv"));
        Assert.Contains("mcpc.csv", e.Message);
        Assert.Contains("columns found: SCEDTimestamp,ASType,Price", e.Message);
        Assert.Contains(McpcScedReader.KnownVersion, e.Message);
        var bad = Assert.Throws<InvalidInputException>(() => McpcScedReader.Read(new StringReader("SCEDTimestamp,RepeatedHourFlag,ASType,MCPC\n12/07/2025 00:00:17,N,REGUP,abc\n"), "mcpc.csv"));
        Assert.Equal(2, bad.Line);
    }

    [Fact]
    public void TheStoreKeepsOneRowPerRunAndAsTypeAndTheLatestValue()
    {
        using var dir = new TempDirectory();
        using var store = new SqlitePriceStore(Path.Combine(dir.Path, "prices.db"));
        using var file = File.OpenText(Fixture);
        var prices = McpcScedReader.Read(file, Fixture);
        var at = new DateTimeOffset(2025, 12, 7, 7, 0, 0, TimeSpan.Zero);
        Assert.Equal(15, store.UpsertMcpc(prices, at));
        // A corrected price replaces the stored one.
        store.UpsertMcpc([prices[3] with { Mcpc = 9.99 }], at.AddMinutes(1));
        var back = store.ReadMcpc(prices[0].ScedUtc, prices[^1].ScedUtc.AddSeconds(1));
        Assert.Equal(15, back.Count);
        Assert.Equal(9.99, back.Single(p => p.ScedUtc == prices[3].ScedUtc && p.AsType == "REGUP").Mcpc);
        Assert.Equal(prices.Where((_, i) => i != 3).Select(p => p.Mcpc), back.Where(p => !(p.ScedUtc == prices[3].ScedUtc && p.AsType == "REGUP")).Select(p => p.Mcpc));
    }
}
