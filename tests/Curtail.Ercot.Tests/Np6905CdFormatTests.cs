using Curtail.Core.Prices;
using Curtail.Ercot.Prices;

namespace Curtail.Ercot.Tests;

/// <summary>ERCOT's NP6-905-CD layout, on real prices rewritten in that layout (fixture), against the tidy files.</summary>
public class Np6905CdFormatTests
{
    private static readonly string Fixture = TestFiles.Fixture("np6-905-cd_format_samples_derived.csv");

    private static PriceSeries LoadDay(string point, DateOnly day) =>
        PriceLoader.Load([Fixture], point, day, day.AddDays(1)).Series;

    [Theory]
    [InlineData("HB_WEST")]
    [InlineData("HB_NORTH")]
    [InlineData("HB_HUBAVG")]
    [InlineData("HB_BUSAVG")]
    public void SpringForwardDayHas92IntervalsCovering23Hours(string point)
    {
        var day = LoadDay(point, new DateOnly(2021, 3, 14));
        Assert.Equal(92, day.Count);
        Assert.Equal(TestFiles.Utc("2021-03-14T06:00Z"), day.Start);
        Assert.Equal(TestFiles.Utc("2021-03-15T05:00Z"), day.End);
        Assert.Equal(TimeSpan.FromMinutes(15), day.UniformStep());
    }

    [Theory]
    [InlineData("HB_WEST")]
    [InlineData("HB_BUSAVG")]
    public void FallBackDayHas100IntervalsWithTheFlaggedHourInStandardTime(string point)
    {
        var day = LoadDay(point, new DateOnly(2021, 11, 7));
        Assert.Equal(100, day.Count);
        Assert.Equal(TestFiles.Utc("2021-11-07T05:00Z"), day.Start);
        Assert.Equal(TestFiles.Utc("2021-11-08T06:00Z"), day.End);
        Assert.Equal(TimeSpan.FromMinutes(15), day.UniformStep());
    }

    [Fact]
    public void RepeatedHourRowsMapToCdtThenCst()
    {
        // Fixture lines for HB_WEST hour ending 2, interval 1: DSTFlag=N (CDT, 06:00Z) and DSTFlag=Y (CST, 07:00Z).
        var rows = File.ReadAllLines(Fixture);
        var cdt = rows.Single(r => r.StartsWith("11/07/2021,2,1,HB_WEST,") && r.EndsWith(",N")).Split(',')[5];
        var cst = rows.Single(r => r.StartsWith("11/07/2021,2,1,HB_WEST,") && r.EndsWith(",Y")).Split(',')[5];
        Assert.NotEqual(cdt, cst);
        var day = LoadDay("HB_WEST", new DateOnly(2021, 11, 7));
        Assert.Equal(double.Parse(cdt), day.PriceAt(TestFiles.Utc("2021-11-07T06:00Z")));
        Assert.Equal(double.Parse(cst), day.PriceAt(TestFiles.Utc("2021-11-07T07:00Z")));
        var cstHour = day.Slice(TestFiles.Utc("2021-11-07T07:00Z"), TestFiles.Utc("2021-11-07T08:00Z"));
        Assert.Equal(4, cstHour.Count);
    }

    [Fact]
    public void HeatWaveSpikeIsAt1930CdtOnAugust17()
    {
        var day = LoadDay("HB_WEST", new DateOnly(2023, 8, 17));
        Assert.Equal(96, day.Count);
        var spike = day.IndexAt(TestFiles.Utc("2023-08-18T00:30Z"));
        Assert.Equal(5236.81, day.Prices[spike]);
        Assert.Equal(5236.81, day.Prices.ToArray().Max());
    }

    [Theory]
    [InlineData("HB_WEST", 2021, 2, 15)]
    [InlineData("HB_WEST", 2021, 3, 14)]
    [InlineData("HB_WEST", 2021, 11, 7)]
    [InlineData("HB_NORTH", 2021, 11, 7)]
    [InlineData("HB_HUBAVG", 2023, 8, 17)]
    [InlineData("HB_BUSAVG", 2021, 3, 14)]
    public void MatchesTheTidyFileForTheSameUtcIntervals(string point, int year, int month, int dayOfMonth)
    {
        var day = new DateOnly(year, month, dayOfMonth);
        var ercotLayout = LoadDay(point, day);
        var tidy = PriceLoader.Load([TestFiles.Shipped.RealTimeHubsFile(year)], point, day, day.AddDays(1)).Series;
        Assert.True(tidy.Count >= 92);
        Assert.Equal(tidy.StartTicks.ToArray(), ercotLayout.StartTicks.ToArray());
        Assert.Equal(tidy.EndTicks.ToArray(), ercotLayout.EndTicks.ToArray());
        Assert.Equal(tidy.Prices.ToArray(), ercotLayout.Prices.ToArray());
    }

    [Fact]
    public void WholeFixtureWithoutDateRangeReportsTheGapsBetweenItsFourDays()
    {
        var result = PriceLoader.Load([Fixture], "HB_WEST", options: new() { SkipBadRows = true });
        Assert.Equal(96 + 92 + 100 + 96, result.Series.Count);
        Assert.Equal(0, result.SkippedRows);
        Assert.Equal(3, result.Problems.Count);
        Assert.All(result.Problems, p => Assert.Equal(Reading.RowProblemKind.Missing, p.Kind));
    }
}
