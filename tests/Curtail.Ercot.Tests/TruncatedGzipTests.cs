using Curtail.Core;
using Curtail.Ercot.Prices;
using Curtail.Ercot.Reading;

namespace Curtail.Ercot.Tests;

/// <summary>A gzip file cut short is refused as such, whatever the flags, instead of passing for a file with one bad row.</summary>
public class TruncatedGzipTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string CutShipped2023(double keep)
    {
        var bytes = File.ReadAllBytes(TestFiles.Shipped.RealTimeHubsFile(2023));
        var path = Path.Combine(_dir.Path, "rtm_spp_hubs_15min_2023.csv.gz");
        File.WriteAllBytes(path, bytes[..(int)(bytes.Length * keep)]);
        return path;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ATruncatedShippedFileIsRefusedWithOrWithoutSkippingBadRows(bool skipBadRows)
    {
        var path = CutShipped2023(0.2);
        var e = Assert.Throws<InvalidInputException>(() =>
            PriceLoader.Load([path], "HB_WEST", options: new PriceReadOptions { SkipBadRows = skipBadRows }));
        Assert.Equal(path, e.Location);
        Assert.Matches(@"ends early \(truncated gzip\) after line \d+", e.Message);
        Assert.DoesNotContain("fields", e.Message);
        // The line named is the last whole line that was read: a fifth of a year of 15-minute rows for several hubs.
        var line = int.Parse(System.Text.RegularExpressions.Regex.Match(e.Message, @"after line (\d+)").Groups[1].Value);
        Assert.InRange(line, 10_000, 150_000);
    }

    [Fact]
    public void TheWholeFileStillLoads()
    {
        var path = Path.Combine(_dir.Path, "whole.csv.gz");
        File.Copy(TestFiles.Shipped.RealTimeHubsFile(2023), path);
        var result = PriceLoader.Load([path], "HB_WEST");
        Assert.Equal(365 * 96, result.Series.Count);
    }

    [Fact]
    public void AHandMadeGzipCutInsideItsTrailerIsRefused()
    {
        var content = "interval_start_utc,interval_start_local,settlement_point,spp\n2021-06-01T05:00Z,local,HB_WEST,20.5\n";
        var path = _dir.Write("small.csv.gz", content, gzip: true);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^3]);
        var e = Assert.Throws<InvalidInputException>(() => PriceLoader.Load([path], "HB_WEST", options: new PriceReadOptions { SkipBadRows = true }));
        Assert.Contains("ends early (truncated gzip)", e.Message);
    }
}
