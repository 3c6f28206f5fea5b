using Curtail.Core;
using Curtail.Ercot.Economics;
using Curtail.Ercot.Load;
using Curtail.Ercot.Reading;

namespace Curtail.Ercot.Tests;

public class NativeLoadAndHashpriceTests : IDisposable
{
    private const string LoadHeader = "hour_ending_label,delivery_date,hour_ending,repeated_hour_flag,interval_start_utc,coast_mw,east_mw,fwest_mw,north_mw,ncent_mw,south_mw,scent_mw,west_mw,ercot_mw\n";
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void ShippedNativeLoadHasEveryHourAndThe2023Peak()
    {
        var result = NativeLoadReader.Read(TestFiles.Shipped.NativeLoadFile);
        var load = result.Series;
        Assert.Equal(26_280, load.Count);
        Assert.Empty(result.Problems);
        Assert.Equal(["coast", "east", "fwest", "ncent", "north", "scent", "south", "west"], load.Zones.Order().ToArray());
        var peak = load.IndexAt(TestFiles.Utc("2023-08-10T22:30Z"));
        Assert.Equal(85464.1, load.ErcotMw[peak]);
        Assert.Equal(load.ErcotMw.ToArray().Max(), load.ErcotMw[peak]);
        Assert.Equal(5856.3, load.ZoneMw("fwest")[peak]);
        Assert.Equal(TestFiles.Utc("2023-08-10T22:00Z"), load.HourStart(peak));
        for (var i = 1; i < load.Count; i++) Assert.Equal(TimeSpan.TicksPerHour, load.HourStartTicks[i] - load.HourStartTicks[i - 1]);
        Assert.Null(load.ErcotMwAt(TestFiles.Utc("2024-01-01T06:00Z")));
    }

    [Fact]
    public void NativeLoadProblemsAreReportedWithLines()
    {
        var path = _dir.Write("load.csv.gz", LoadHeader +
            "x,2021-01-01,1,N,2021-01-01T06:00Z,1,1,1,1,1,1,1,1,8\n" +
            "x,2021-01-01,2,N,2021-01-01T07:00Z,1,1,1,1,1,1,1,-5,8\n" +
            "x,2021-01-01,3,N,2021-01-01T08:00Z,1,1,1,1,1,1,1,1,8\n" +
            "x,2021-01-01,3,N,2021-01-01T08:00Z,1,1,1,1,1,1,1,1,8\n" +
            "x,2021-01-01,5,N,2021-01-01T10:00Z,1,1,1,1,1,1,1,1,8\n" +
            "x,2021-01-01,6,N,2021-01-01T11:00Z,1,1,1,1,1,1,1,1,lots\n", gzip: true);
        var e = Assert.Throws<InvalidInputException>(() => NativeLoadReader.Read(path));
        Assert.Equal(3, e.Line);
        Assert.Contains("west_mw -5 MW is outside the plausible range", e.Message);
        Assert.Contains("load.csv.gz:5: duplicate load hour 2021-01-01T08:00Z (first at line 4)", e.Message);
        Assert.Contains("load.csv.gz:6: 1 load hour(s) missing from 2021-01-01T09:00Z", e.Message);
        Assert.Contains("load.csv.gz:7: ercot_mw 'lots' is not a number", e.Message);
        var skipped = NativeLoadReader.Read(path, new PriceReadOptions { SkipBadRows = true });
        Assert.Equal(3, skipped.SkippedRows);
        Assert.Equal(3, skipped.Series.Count);
    }

    [Fact]
    public void ShippedHashpriceSeriesIsDailyAndMatchesKnownDays()
    {
        var series = HashpriceCsvReader.Read(TestFiles.Shipped.HashpriceFile);
        Assert.Equal(new DateOnly(2018, 1, 1), series.FirstDate);
        Assert.Equal(new DateOnly(2026, 8, 21), series.LastDate);
        Assert.Equal(0.325856, series.On(new DateOnly(2021, 7, 3)));
        Assert.Equal(0.126459, series.On(new DateOnly(2023, 5, 8)));
    }

    [Fact]
    public void HashpriceNeedsOnlyItsTwoColumnsInAnyOrder()
    {
        var path = _dir.Write("h.csv", "note,hashprice_usd_per_th_day,date\nA,0.1,2024-01-01\nB,0.2,2024-01-02\n");
        var series = HashpriceCsvReader.Read(path);
        Assert.Equal(0.2, series.On(new DateOnly(2024, 1, 2)));
    }

    [Fact]
    public void HashpriceBadRowsAreReportedWithLine()
    {
        var path = _dir.Write("h.csv",
            "date,hashprice_usd_per_th_day\n2024-01-01,0.1\n2024-01-02,abc\n2024-01-03,0.1\n2024-01-03,0.1\n2024-01-06,0.1\n01/07/2024,0.1\n2024-01-08,-1\n");
        var e = Assert.Throws<InvalidInputException>(() => HashpriceCsvReader.Read(path));
        Assert.Equal(3, e.Line);
        Assert.Contains("hashprice_usd_per_th_day 'abc' is not a number", e.Message);
        Assert.Contains("h.csv:5: duplicate day 2024-01-03 (first at line 4)", e.Message);
        Assert.Contains("h.csv:6: 2 day(s) missing from 2024-01-04 to 2024-01-06", e.Message);
        Assert.DoesNotContain("h.csv:8:", e.Message); // only the first five problems are named
        Assert.Contains("h.csv:7: date '01/07/2024' is not a date like 2021-01-01", e.Message);
        Assert.Contains("6 problem(s) in total, 4 bad row(s)", e.Message);
        Assert.Contains("h.csv:4: 1 day(s) missing from 2024-01-02 to 2024-01-03", e.Message);
    }

    [Fact]
    public void HashpriceWithoutRequiredColumnIsRefused()
    {
        var path = _dir.Write("h.csv", "date,btc_usd\n2024-01-01,40000\n");
        var e = Assert.Throws<InvalidInputException>(() => HashpriceCsvReader.Read(path));
        Assert.Equal(1, e.Line);
        Assert.Contains("needs columns date and hashprice_usd_per_th_day", e.Message);
    }
}
