using Curtail.Core;
using Curtail.Ercot.Prices;
using Curtail.Ercot.Reading;

namespace Curtail.Ercot.Tests;

public class DayAheadAndScedReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private static ShippedData Shipped => TestFiles.Shipped;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void ShippedDayAheadFileHasFifteenPointsOfThreeFullYears()
    {
        var result = DayAheadPriceReader.Read(Shipped.DayAheadFile);
        Assert.Equal(15, result.SeriesByPoint.Count);
        Assert.Empty(result.Problems);
        foreach (var series in result.SeriesByPoint.Values)
        {
            Assert.Equal(3 * 365 * 24, series.Count);
            Assert.Equal(TimeSpan.FromHours(1), series.UniformStep());
            Assert.Equal(TestFiles.Utc("2021-01-01T06:00Z"), series.Start);
            Assert.Equal(TestFiles.Utc("2024-01-01T06:00Z"), series.End);
        }
        // Uri: delivery 2021-02-16 hour ending 20 (19:00 CST) cleared at 6505.82.
        Assert.Equal(6505.82, result.For("HB_WEST").PriceAt(TestFiles.Utc("2021-02-17T01:30Z")));
    }

    [Fact]
    public void ShippedDayAheadFilesOf2021To2024JoinIntoOneSeries()
    {
        Assert.Equal(["dam_spp_hourly_2021_2023.csv.gz", "dam_spp_hourly_2024.csv.gz"], Shipped.DayAheadFiles.Select(f => Path.GetFileName(f)).ToArray());
        var west = DayAheadPriceReader.Read(Shipped.DayAheadFiles).For("HB_WEST");
        Assert.Equal(3 * 365 * 24 + 366 * 24, west.Count);
        Assert.Equal(TimeSpan.FromHours(1), west.UniformStep());
        Assert.Equal(TestFiles.Utc("2025-01-01T06:00Z"), west.End);
    }

    [Fact]
    public void Np4190CdFixtureMatchesTheTidyFileIncludingTheRepeatedHour()
    {
        var ercot = DayAheadPriceReader.Read(TestFiles.Fixture("np4-190-cd_2021-11-07_sample.csv"));
        var tidy = DayAheadPriceReader.Read(Shipped.DayAheadFile);
        Assert.Equal(["HB_WEST", "LZ_WEST"], ercot.SeriesByPoint.Keys.Order().ToArray());
        foreach (var point in new[] { "HB_WEST", "LZ_WEST" })
        {
            var day = ercot.For(point);
            Assert.Equal(25, day.Count);
            Assert.Equal(TestFiles.Utc("2021-11-07T05:00Z"), day.Start);
            Assert.Equal(TestFiles.Utc("2021-11-08T06:00Z"), day.End);
            var same = tidy.For(point).Slice(day.Start, day.End);
            Assert.Equal(same.StartTicks.ToArray(), day.StartTicks.ToArray());
            Assert.Equal(same.Prices.ToArray(), day.Prices.ToArray());
        }
        // Hour ending 02:00 flagged Y is the CST copy, 07:00-08:00 UTC.
        Assert.Equal(23.20, ercot.For("HB_WEST").PriceAt(TestFiles.Utc("2021-11-07T07:00Z")));
        Assert.Equal(6.59, ercot.For("HB_WEST").PriceAt(TestFiles.Utc("2021-11-07T06:00Z")));
    }

    [Fact]
    public void DayAheadProblemsAreReportedAndUnknownPointsCanBeIgnored()
    {
        var path = _dir.Write("dam.csv",
            "DeliveryDate,HourEnding,SettlementPoint,SettlementPointPrice,DSTFlag\n" +
            "06/01/2021,01:00,HB_WEST,20.1,N\n" +
            "06/01/2021,01:00,AEEC_RN,19.9,N\n" +
            "06/01/2021,02:00,HB_WEST,21.1,N\n" +
            "06/01/2021,04:00,HB_WEST,23.1,N\n");
        var e = Assert.Throws<InvalidInputException>(() => DayAheadPriceReader.Read(path));
        Assert.Equal(3, e.Line);
        Assert.Contains("unknown settlement point 'AEEC_RN'", e.Message);
        Assert.Contains("dam.csv:5: 1 HB_WEST interval(s) missing from 2021-06-01T07:00Z to 2021-06-01T08:00Z", e.Message);

        var lenient = DayAheadPriceReader.Read(path, new PriceReadOptions { SkipBadRows = true, IgnoreUnknownPoints = true });
        Assert.Equal(0, lenient.SkippedRows);
        Assert.Equal(RowProblemKind.Missing, Assert.Single(lenient.Problems).Kind);
        Assert.Equal([20.1, 21.1, 23.1], lenient.For("HB_WEST").Prices.ToArray());
        var missing = Assert.Throws<InvalidInputException>(() => lenient.For("AEEC_RN"));
        Assert.Contains("points present: HB_WEST", missing.Message);
    }

    [Fact]
    public void ShippedScedFileHoldsEachRunUntilTheNext()
    {
        var result = ScedLmpReader.Read(Shipped.ScedFile);
        Assert.Equal(["HB_HOUSTON", "HB_NORTH", "HB_PAN", "HB_SOUTH", "HB_WEST"], result.SeriesByPoint.Keys.Order().ToArray());
        var west = result.For("HB_WEST");
        Assert.Equal(107_031, west.Count);
        Assert.Equal(TestFiles.Utc("2024-01-01T06:00:27Z"), west.Start);
        for (var i = 0; i + 1 < west.Count; i++) Assert.Equal(west.StartTicks[i + 1], west.EndTicks[i]);
        // The last run of the year (2024-12-31 23:55:09 CST) holds for SCED's nominal 5 minutes.
        Assert.Equal(TestFiles.Utc("2025-01-01T06:00:09Z"), west.End);
        Assert.Equal(18.87, west.Prices[^1]);
        Assert.Equal(18.87, west.PriceAt(TestFiles.Utc("2025-01-01T05:59:00Z")));
    }

    [Fact]
    public void Np6788CdFixtureMatchesTheTidyFile()
    {
        var ercot = ScedLmpReader.Read(TestFiles.Fixture("np6-788-cd_2024-01-15_sample.csv"));
        var tidy = ScedLmpReader.Read(Shipped.ScedFile);
        foreach (var point in new[] { "HB_WEST", "HB_NORTH" })
        {
            var runs = ercot.For(point);
            Assert.Equal(12, runs.Count);
            Assert.Equal(TestFiles.Utc("2024-01-16T00:00:26Z"), runs.Start);
            var same = tidy.For(point).Slice(runs.Start, runs.End);
            Assert.Equal(same.StartTicks.ToArray(), runs.StartTicks.ToArray());
            Assert.Equal(same.Prices.ToArray(), runs.Prices.ToArray());
        }
    }

    [Fact]
    public void ScedDuplicateAndOutOfOrderRunsAreReported()
    {
        var path = _dir.Write("sced.csv",
            "SCEDTimestamp,RepeatedHourFlag,SettlementPoint,LMP\n" +
            "01/15/2024 18:00:26,N,HB_WEST,10\n" +
            "01/15/2024 18:05:21,N,HB_WEST,11\n" +
            "01/15/2024 18:05:21,N,HB_WEST,12\n" +
            "01/15/2024 18:02:00,N,HB_WEST,13\n" +
            "01/15/2024 18:10:00,N,HB_WEST,-300\n" +
            "01/15/2024 25:10:00,N,HB_WEST,14\n");
        var e = Assert.Throws<InvalidInputException>(() => ScedLmpReader.Read(path));
        Assert.Equal(4, e.Line);
        Assert.Contains("duplicate HB_WEST interval starting 2024-01-16T00:05Z (first at", e.Message);
        Assert.Contains("sced.csv:5: HB_WEST interval starting 2024-01-16T00:02Z is out of order", e.Message);
        Assert.Contains("sced.csv:6: price -300 $/MWh of HB_WEST is outside", e.Message);
        Assert.Contains("sced.csv:7: SCED timestamp '01/15/2024 25:10:00' is not like", e.Message);
        var skipped = ScedLmpReader.Read(path, new PriceReadOptions { SkipBadRows = true });
        Assert.Equal(4, skipped.SkippedRows);
        Assert.Equal([10, 11], skipped.For("HB_WEST").Prices.ToArray());
    }

    [Fact]
    public void ReadersRefuseFilesOfOtherLayouts()
    {
        Assert.Contains("not a day-ahead hourly price layout", Assert.Throws<InvalidInputException>(() => DayAheadPriceReader.Read(Shipped.ScedFile)).Message);
        Assert.Contains("not a SCED LMP layout", Assert.Throws<InvalidInputException>(() => ScedLmpReader.Read(Shipped.DayAheadFile)).Message);
    }

    [Fact]
    public void DirectoryGivesTheReaderItsOwnFilesOnly()
    {
        var result = ScedLmpReader.Read([Shipped.ErcotDirectory]);
        Assert.Equal([Shipped.ScedFile], result.FilesRead);
    }

    [Fact]
    public void Np4180ErAnnualLayoutReadsHourEndingNumbersAndTheRepeatedHourFlag()
    {
        var path = _dir.Write("np4-180-er.csv",
            "Delivery Date,Hour Ending,Repeated Hour Flag,Settlement Point,Settlement Point Price\n" +
            "11/07/2021,1,N,HB_WEST,13.79\n11/07/2021,2,N,HB_WEST,6.59\n11/07/2021,2,Y,HB_WEST,23.20\n11/07/2021,3,N,HB_WEST,23.10\n");
        var west = DayAheadPriceReader.Read(path).For("HB_WEST");
        Assert.Equal(
            new[] { "2021-11-07T05:00Z", "2021-11-07T06:00Z", "2021-11-07T07:00Z", "2021-11-07T08:00Z" }.Select(t => TestFiles.Utc(t).UtcTicks).ToArray(),
            west.StartTicks.ToArray());
        Assert.Equal([13.79, 6.59, 23.20, 23.10], west.Prices.ToArray());
    }
}
