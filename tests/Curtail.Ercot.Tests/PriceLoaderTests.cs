using Curtail.Core;
using Curtail.Core.Time;
using Curtail.Ercot.Prices;
using Curtail.Ercot.Reading;

namespace Curtail.Ercot.Tests;

/// <summary>The loader over the shipped data and hand-made files: compression, layouts, directories, date ranges.</summary>
public class PriceLoaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private static ShippedData Shipped => TestFiles.Shipped;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void GzipAndPlainGiveTheSameSeriesWhateverTheFileIsCalled()
    {
        var content = File.ReadAllText(TestFiles.Fixture("np6-905-cd_format_samples_derived.csv"));
        var plainNamedGz = _dir.Write("plain.csv.gz", content);
        var gzipNamedCsv = _dir.Write("gzip.csv", content, gzip: true);
        Assert.False(Csv.DecompressingFile.IsGzip(plainNamedGz));
        Assert.True(Csv.DecompressingFile.IsGzip(gzipNamedCsv));
        var day = new DateOnly(2021, 11, 7);
        var plain = PriceLoader.Load([plainNamedGz], "HB_WEST", day, day.AddDays(1)).Series;
        var gzip = PriceLoader.Load([gzipNamedCsv], "HB_WEST", day, day.AddDays(1)).Series;
        Assert.Equal(100, plain.Count);
        Assert.Equal(plain.StartTicks.ToArray(), gzip.StartTicks.ToArray());
        Assert.Equal(plain.Prices.ToArray(), gzip.Prices.ToArray());
    }

    [Fact]
    public void OneShippedYearIsAFullFifteenMinuteGrid()
    {
        var result = PriceLoader.Load([Shipped.RealTimeHubsFile(2023)], "HB_WEST");
        Assert.Equal(35_040, result.Series.Count);
        Assert.Equal(TimeSpan.FromMinutes(15), result.Series.UniformStep());
        Assert.Equal(TestFiles.Utc("2023-01-01T06:00Z"), result.Series.Start);
        Assert.Equal(TestFiles.Utc("2024-01-01T06:00Z"), result.Series.End);
        Assert.Equal(5236.81, result.Series.PriceAt(TestFiles.Utc("2023-08-18T00:35Z")));
    }

    [Fact]
    public void YearsAreJoinedAndLeapYearCounted()
    {
        var files = new[] { 2022, 2020, 2021 }.Select(Shipped.RealTimeHubsFile).ToArray();
        var series = PriceLoader.Load(files, "HB_WEST").Series;
        Assert.Equal(35_136 + 35_040 + 35_040, series.Count);
        Assert.Equal(TimeSpan.FromMinutes(15), series.UniformStep());
        Assert.Equal(9310.49, series.Prices.ToArray().Where((_, i) => series.StartTicks[i] < TestFiles.Utc("2022-01-01T06:00Z").UtcTicks).Max());
        Assert.Equal(-251, series.Prices.ToArray().Min());
    }

    [Fact]
    public void MissingYearBetweenFilesIsReported()
    {
        var e = Assert.Throws<InvalidInputException>(() =>
            PriceLoader.Load([Shipped.RealTimeHubsFile(2020), Shipped.RealTimeHubsFile(2022)], "HB_PAN"));
        Assert.Equal(Shipped.RealTimeHubsFile(2022), e.Location);
        Assert.Contains("35040 HB_PAN interval(s) missing from 2021-01-01T06:00Z to 2022-01-01T06:00Z", e.Message);
    }

    [Fact]
    public void OverlappingFilesAreReportedAsDuplicates()
    {
        var e = Assert.Throws<InvalidInputException>(() =>
            PriceLoader.Load([Shipped.RealTimeHubsFile(2021), Shipped.RealTimeHubsFile(2021)], "HB_WEST"));
        Assert.Contains("duplicate HB_WEST interval starting 2021-01-01T06:00Z", e.Message);
        Assert.Contains("35040 problem(s) in total", e.Message);
    }

    [Fact]
    public void DirectoryUsesOnlyTheRealTimeFilesThatMayHoldThePoint()
    {
        var result = PriceLoader.Load([Shipped.ErcotDirectory], "HB_NORTH", new DateOnly(2023, 12, 1), new DateOnly(2024, 1, 1));
        Assert.Equal(31 * 96, result.Series.Count);
        Assert.Equal(5, result.FilesRead.Count); // the hub files of 2020-2024
        Assert.All(result.FilesRead, f => Assert.Contains("rtm_spp_hubs_15min_", f));
        var zone = PriceLoader.Load([Shipped.ErcotDirectory], "LZ_WEST", new DateOnly(2020, 2, 1), new DateOnly(2020, 2, 2));
        Assert.Equal(96, zone.Series.Count);
        Assert.All(zone.FilesRead, f => Assert.Contains("rtm_spp_loadzones_15min_", f));
    }

    [Fact]
    public void NamedFileOfAnotherLayoutIsRefused()
    {
        var e = Assert.Throws<InvalidInputException>(() => PriceLoader.Load([Shipped.DayAheadFile], "HB_WEST"));
        Assert.Equal(1, e.Line);
        Assert.Contains("recognised as: tidy dam_spp", e.Message);
    }

    [Fact]
    public void DateRangeIsCentralPrevailingTimeAcrossBothDstChanges()
    {
        var file = Shipped.RealTimeHubsFile(2023);
        var spring = PriceLoader.Load([file], "HB_SOUTH", new DateOnly(2023, 3, 12), new DateOnly(2023, 3, 13)).Series;
        Assert.Equal(92, spring.Count);
        Assert.Equal(TestFiles.Utc("2023-03-12T06:00Z"), spring.Start);
        Assert.Equal(TestFiles.Utc("2023-03-13T05:00Z"), spring.End);

        var fall = PriceLoader.Load([file], "HB_SOUTH", new DateOnly(2023, 11, 5), new DateOnly(2023, 11, 6)).Series;
        Assert.Equal(100, fall.Count);
        Assert.Equal(TestFiles.Utc("2023-11-05T05:00Z"), fall.Start);
        Assert.Equal(TestFiles.Utc("2023-11-06T06:00Z"), fall.End);

        var summer = PriceLoader.Load([file], "HB_SOUTH", new DateOnly(2023, 3, 12), new DateOnly(2023, 11, 6)).Series;
        Assert.Equal(CentralPrevailingTime.StartOfDayUtc(new DateOnly(2023, 3, 12)), summer.Start);
        Assert.Equal(CentralPrevailingTime.StartOfDayUtc(new DateOnly(2023, 11, 6)), summer.End);
        Assert.Equal((summer.End - summer.Start).Ticks / TimeSpan.FromMinutes(15).Ticks, summer.Count);
    }

    [Fact]
    public void RangeOutsideTheFilesIsRefused()
    {
        var e = Assert.Throws<InvalidInputException>(() =>
            PriceLoader.Load([Shipped.RealTimeHubsFile(2023)], "HB_WEST", new DateOnly(2024, 1, 1), new DateOnly(2024, 2, 1)));
        Assert.Contains("no HB_WEST prices from 2024-01-01 to 2024-02-01 (CPT)", e.Message);
        Assert.Throws<InvalidInputException>(() =>
            PriceLoader.Load([Shipped.RealTimeHubsFile(2023)], "HB_WEST", new DateOnly(2023, 2, 1), new DateOnly(2023, 2, 1)));
    }

    [Fact]
    public void LoadZoneColumnChoiceHighByDefault()
    {
        var file = Shipped.RealTimeLoadZonesFile(2022);
        var day = new DateOnly(2022, 1, 1);
        // First LZ_HOUSTON row of 2022 in the shipped file: spp_lo 52.74, spp_hi 52.75.
        double First(LoadZonePrice? choice) =>
            PriceLoader.Load([file], "LZ_HOUSTON", day, day.AddDays(1), choice is { } c ? new PriceReadOptions { LoadZonePrice = c } : null).Series.Prices[0];
        Assert.Equal(52.75, First(null));
        Assert.Equal(52.74, First(LoadZonePrice.Low));
        Assert.Equal(52.75, First(LoadZonePrice.High));
        Assert.Equal(52.745, First(LoadZonePrice.Mid), 9);
    }

    [Fact]
    public void Np6785ErUsesTheLzRowNotTheEnergyWeightedOne()
    {
        var fixture = TestFiles.Fixture("np6-785-er_2021-11-07_sample.csv");
        var lz = PriceLoader.Load([fixture], "LZ_WEST").Series;
        Assert.Equal(20, lz.Count);
        Assert.Equal(TestFiles.Utc("2021-11-07T05:00Z"), lz.Start);
        Assert.Equal(TestFiles.Utc("2021-11-07T10:00Z"), lz.End);
        var low = PriceLoader.Load([Shipped.RealTimeLoadZonesFile(2021)], "LZ_WEST", new DateOnly(2021, 11, 7), new DateOnly(2021, 11, 8),
            new PriceReadOptions { LoadZonePrice = LoadZonePrice.Low }).Series.Slice(lz.Start, lz.End);
        // The fixture's LZ rows carry the shipped spp_lo values, its LZEW rows spp_hi.
        Assert.Equal(low.Prices.ToArray(), lz.Prices.ToArray());
        Assert.Equal(low.StartTicks.ToArray(), lz.StartTicks.ToArray());
    }

    [Fact]
    public void Np6785ErHubMatchesTheTidyFileIncludingTheRepeatedHour()
    {
        var hub = PriceLoader.Load([TestFiles.Fixture("np6-785-er_2021-11-07_sample.csv")], "HB_WEST").Series;
        var tidy = PriceLoader.Load([Shipped.RealTimeHubsFile(2021)], "HB_WEST", new DateOnly(2021, 11, 7), new DateOnly(2021, 11, 8)).Series
            .Slice(hub.Start, hub.End);
        Assert.Equal(20, tidy.Count);
        Assert.Equal(tidy.StartTicks.ToArray(), hub.StartTicks.ToArray());
        Assert.Equal(tidy.Prices.ToArray(), hub.Prices.ToArray());
    }

    [Fact]
    public void ErcotLayoutChecksDstFlagAndHours()
    {
        const string header = "DeliveryDate,DeliveryHour,DeliveryInterval,SettlementPointName,SettlementPointType,SettlementPointPrice,DSTFlag\n";
        var path = _dir.Write("np6905.csv", header +
            "\"06/01/2021\",\"1\",\"1\",\"HB_WEST\",\"HU\",\"20\",\"Y\"\n" +
            "03/14/2021,3,1,HB_WEST,HU,20,N\n" +
            "03/14/2021,25,1,HB_WEST,HU,20,N\n" +
            "03/14/2021,4,5,HB_WEST,HU,20,N\n" +
            "03/14/2021,4,1,HB_WEST,LZ,20,N\n" +
            "03/14/2021,4,1,AEEC,RN,20,N\n" +
            "2021-03-14,4,1,HB_WEST,HU,20,N\n");
        var result = PriceLoader.Load([path], "HB_WEST", options: new PriceReadOptions { SkipBadRows = true });
        var reasons = result.Problems.Select(p => p.ToString()).ToList();
        Assert.Equal(5, result.SkippedRows);
        Assert.Contains(reasons, r => r.StartsWith($"{path}:2: hour ending 1 interval 1: 06/01/2021 is not a fall-back day"));
        Assert.Contains(reasons, r => r.StartsWith($"{path}:3: hour ending 3 interval 1: 2021-03-14 02:00 does not exist"));
        Assert.Contains(reasons, r => r.StartsWith($"{path}:4: delivery hour '25' is not an hour ending 1..24"));
        Assert.Contains(reasons, r => r.StartsWith($"{path}:5: delivery interval '5' is not 1..4"));
        Assert.Contains(reasons, r => r.StartsWith($"{path}:6: settlement point type 'LZ' does not match HB_WEST (type HU)"));
        Assert.DoesNotContain(reasons, r => r.Contains(":7:"));
        Assert.Equal([TestFiles.Utc("2021-03-14T08:00Z").UtcTicks], result.Series.StartTicks.ToArray());
    }

    [Fact]
    public void CorruptGzipIsBadInputNamingTheFile()
    {
        var bytes = File.ReadAllBytes(Shipped.RealTimeHubsFile(2020));
        for (var i = 100_000; i < 100_400; i++) bytes[i] ^= 0x5A;
        var path = Path.Combine(_dir.Path, "corrupt.csv.gz");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidInputException>(() => PriceLoader.Load([path], "HB_WEST"));
        Assert.Equal(path, e.Location);
        Assert.True(e.Line > 1000);
        Assert.Contains("gzip data is corrupt", e.Message);
    }

    [Fact]
    public void DirectoryWithoutAFileForThePointIsRefused()
    {
        _dir.Write("dam.csv", "DeliveryDate,HourEnding,SettlementPoint,SettlementPointPrice,DSTFlag\n06/01/2021,01:00,HB_WEST,20.1,N\n");
        _dir.Write("notes.txt", "not a price file\n");
        var e = Assert.Throws<InvalidInputException>(() => PriceLoader.Load([_dir.Path], "HB_WEST"));
        Assert.Contains("no real-time price files that may hold HB_WEST in", e.Message);
    }
}
