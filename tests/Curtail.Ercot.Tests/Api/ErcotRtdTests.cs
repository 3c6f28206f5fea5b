using System.Net;
using System.Text;
using System.Text.Json;
using Curtail.Core;
using Curtail.Core.Time;
using Curtail.Ercot.Api;

namespace Curtail.Ercot.Tests.Api;

/// <summary>
/// NP6-970-CD (RTD indicative LMPs) through the client: the fixture is one RTD run of 2024-05-08 17:05:15 CDT in the
/// Public API's JSON layout (12 five-minute intervals, prices copied from the shipped SCED runs).
/// </summary>
public class ErcotRtdTests
{
    private static readonly TimeSpan Cdt = TimeSpan.FromHours(-5);

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    [Fact]
    public async Task ReadsARunsTwelveIntervalsInUtcAndAsksForTheRunTimesInCpt()
    {
        var fixture = await File.ReadAllTextAsync(TestFiles.Fixture("np6-970-cd_2024-05-08_sample.json"));
        var handler = new ScriptedHandler((req, _) => req.Method == HttpMethod.Post
            ? ScriptedHandler.Token()
            : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(fixture, Encoding.UTF8, "application/json") });
        var client = new ErcotApiClient(new HttpClient(handler), new ErcotApiCredentials("u", "p", "k"),
            ErcotApiOptions.ForBaseUrl("http://127.0.0.1:9/api/public-reports") with { RequestsPerMinute = 1000 }, new FixedTime(new DateTimeOffset(2024, 5, 8, 17, 7, 0, Cdt)));

        var rows = await ErcotRtd.GetAsync(client, "HB_WEST", new DateTimeOffset(2024, 5, 8, 17, 0, 0, Cdt), new DateTimeOffset(2024, 5, 8, 17, 7, 0, Cdt), CancellationToken.None);

        var get = handler.Requests.Single(r => r.Method == HttpMethod.Get).RequestUri!;
        Assert.Equal("/api/public-reports/np6-970-cd/rtd_lmp_node_zone_hub", get.AbsolutePath);
        Assert.Contains("RTDTimestampFrom=2024-05-08T17%3A00%3A00", get.Query);
        Assert.Contains("RTDTimestampTo=2024-05-08T17%3A07%3A00", get.Query);
        Assert.Contains("settlementPoint=HB_WEST", get.Query);
        Assert.Equal(ErcotRtd.LookAheadIntervals, rows.Count);
        Assert.All(rows, r => Assert.Equal(new DateTimeOffset(2024, 5, 8, 22, 5, 15, TimeSpan.Zero), r.RunUtc));
        Assert.Equal(new DateTimeOffset(2024, 5, 8, 22, 10, 0, TimeSpan.Zero), rows[0].IntervalStartUtc);
        Assert.Equal(new DateTimeOffset(2024, 5, 8, 22, 15, 0, TimeSpan.Zero), rows[0].IntervalEndUtc);
        Assert.Equal(1731.3, rows[0].Lmp);
        Assert.Equal(new DateTimeOffset(2024, 5, 8, 23, 10, 0, TimeSpan.Zero), rows[^1].IntervalEndUtc);
        for (var i = 1; i < rows.Count; i++) Assert.Equal(rows[i - 1].IntervalEndUtc, rows[i].IntervalStartUtc);

        var ahead = ErcotRtd.LatestRun(rows, "HB_WEST");
        Assert.Equal(12, ahead.Count);
        Assert.Equal(rows.Select(r => r.Lmp), ahead.Prices.ToArray());
        Assert.Equal(TimeSpan.FromMinutes(5), ahead.UniformStep());
    }

    private static readonly string[] Fields = ["RTDTimestamp", "repeatHourFlag", "intervalId", "intervalEnding", "intervalRepeatHourFlag", "settlementPoint", "settlementPointType", "LMP"];

    private static RtdPrice Parse(string row) => ErcotRtd.ParseRow(Fields, JsonDocument.Parse(row).RootElement, 3);

    [Fact]
    public void TheRepeatedHourFlagsPlaceRunAndIntervalInTheRightCopyOfTheHour()
    {
        // 2024-11-03: 01:00-02:00 comes twice; the second (CST) copy is flagged.
        var first = Parse("""["2024-11-03T01:30:10", false, 1, "2024-11-03T01:40:00", false, "HB_WEST", "HU", 20.5]""");
        var second = Parse("""["2024-11-03T01:30:10", true, 1, "2024-11-03T01:40:00", true, "HB_WEST", "HU", 21.5]""");
        Assert.Equal(TimeSpan.FromHours(1), second.RunUtc - first.RunUtc);
        Assert.Equal(CentralPrevailingTime.LocalToUtc(new DateOnly(2024, 11, 3), 1, 35, true), second.IntervalStartUtc);
        // A run late in the first copy looking into the second: the interval's own flag decides.
        var across = Parse("""["2024-11-03T01:55:10", false, 1, "2024-11-03T01:05:00", true, "HB_WEST", "HU", 22]""");
        Assert.Equal(CentralPrevailingTime.LocalToUtc(new DateOnly(2024, 11, 3), 1, 55, false, 10), across.RunUtc);
        Assert.Equal(CentralPrevailingTime.LocalToUtc(new DateOnly(2024, 11, 3), 1, 0, true), across.IntervalStartUtc);
    }

    [Theory]
    [InlineData("""["2024-05-08 17:05", false, 1, "2024-05-08T17:15:00", false, "HB_WEST", "HU", 1]""", "RTDTimestamp '2024-05-08 17:05'")]
    [InlineData("""["2024-05-08T17:05:15", false, 1, "2024-05-08T17:15:00", "maybe", "HB_WEST", "HU", 1]""", "intervalRepeatHourFlag")]
    [InlineData("""["2024-05-08T17:05:15", false, 1, "2024-05-08T17:15:00", false, "HB_WEST", "HU", "n/a"]""", "LMP")]
    [InlineData("""["2024-05-08T17:05:15", false, 1, "2024-05-08T16:50:00", false, "HB_WEST", "HU", 1]""", "before its run")]
    [InlineData("""["2024-03-10T02:05:15", false, 1, "2024-03-10T03:15:00", false, "HB_WEST", "HU", 1]""", "does not exist")]
    public void ABadRowIsRefusedNamingTheRowAndTheField(string row, string expected)
    {
        var ex = Assert.Throws<InvalidInputException>(() => Parse(row));
        Assert.Contains("np6-970-cd", ex.Message);
        Assert.Contains("row 3", ex.Message);
        Assert.Contains(expected, ex.Message);
    }
}
