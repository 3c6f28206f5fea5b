using Curtail.Core;
using Curtail.Ercot.Prices;

namespace Curtail.Ercot.Tests;

/// <summary>
/// The post-RTC+B layouts (operating days from 2025-12-05): ERCOT renamed DSTFlag to RepeatedHourFlag in NP6-905-CD and
/// NP4-190-CD (gridstatus/gridstatus#736). The fixtures are the v1 fixtures with that column renamed, so both versions
/// of one day must give the same prices, the repeated hour of the 2021-11-07 fall-back included.
/// </summary>
public class RtcBLayoutTests
{
    [Theory]
    [InlineData("np6-905-cd_format_samples_derived.csv", ErcotFileLayout.Np6905Cd, "NP6-905-CD v1")]
    [InlineData("np6-905-cd_rtcb_format_samples_derived.csv", ErcotFileLayout.Np6905CdRtcB, "NP6-905-CD v2 RTC+B")]
    [InlineData("np4-190-cd_2021-11-07_sample.csv", ErcotFileLayout.Np4190Cd, "NP4-190-CD v1")]
    [InlineData("np4-190-cd_rtcb_2021-11-07_derived.csv", ErcotFileLayout.Np4190CdRtcB, "NP4-190-CD v2 RTC+B")]
    [InlineData("np6-785-er_2021-11-07_sample.csv", ErcotFileLayout.Np6785Er, "NP6-785-ER")]
    public void EachVersionIsRecognisedAndNamed(string fixture, ErcotFileLayout expected, string name)
    {
        var layout = ErcotFileLayouts.Detect(TestFiles.Fixture(fixture));
        Assert.Equal(expected, layout);
        Assert.StartsWith(name, layout.VersionName());
    }

    [Theory]
    [InlineData("HB_WEST")]
    [InlineData("HB_BUSAVG")]
    public void RealTimePricesReadTheSameFromBothVersions(string point)
    {
        var day = new DateOnly(2021, 11, 7);
        var v1 = PriceLoader.Load([TestFiles.Fixture("np6-905-cd_format_samples_derived.csv")], point, day, day.AddDays(1)).Series;
        var v2 = PriceLoader.Load([TestFiles.Fixture("np6-905-cd_rtcb_format_samples_derived.csv")], point, day, day.AddDays(1)).Series;
        Assert.Equal(100, v2.Count);
        Assert.Equal(v1.Start, v2.Start);
        Assert.Equal(Enumerable.Range(0, v1.Count).Select(i => v1[i]), Enumerable.Range(0, v2.Count).Select(i => v2[i]));
    }

    [Fact]
    public void DayAheadPricesReadTheSameFromBothVersions()
    {
        var v1 = DayAheadPriceReader.Read(TestFiles.Fixture("np4-190-cd_2021-11-07_sample.csv"));
        var v2 = DayAheadPriceReader.Read(TestFiles.Fixture("np4-190-cd_rtcb_2021-11-07_derived.csv"));
        var a = v1.For("HB_WEST");
        var b = v2.For("HB_WEST");
        Assert.Equal(25, b.Count);
        Assert.Equal(Enumerable.Range(0, a.Count).Select(i => a[i]), Enumerable.Range(0, b.Count).Select(i => b[i]));
    }

    [Fact]
    public void AnUnknownLayoutIsRefusedNamingTheFileTheColumnsAndTheVersionsKnown()
    {
        using var dir = new TempDirectory();
        // A made-up future rename of the flag: ERCOT's columns otherwise, so it must not be read as any known version.
        var path = dir.Write("np6-905-cd_future.csv",
            "DeliveryDate,DeliveryHour,DeliveryInterval,SettlementPointName,SettlementPointType,SettlementPointPrice,IntervalRepeatFlag\n02/15/2021,1,1,HB_WEST,HU,10.5,N\n");
        var e = Assert.Throws<InvalidInputException>(() => PriceLoader.Load([path], "HB_WEST"));
        Assert.Contains("np6-905-cd_future.csv", e.Message);
        Assert.Contains("columns found: DeliveryDate,DeliveryHour,DeliveryInterval,SettlementPointName,SettlementPointType,SettlementPointPrice,IntervalRepeatFlag", e.Message);
        Assert.Contains("NP6-905-CD v1 (DSTFlag", e.Message);
        Assert.Contains("NP6-905-CD v2 RTC+B (RepeatedHourFlag", e.Message);

        var dam = dir.Write("np4-190-cd_future.csv", "DeliveryDate,HourEnding,SettlementPoint,SettlementPointPrice\n11/07/2021,01:00,HB_WEST,13.79\n");
        var d = Assert.Throws<InvalidInputException>(() => DayAheadPriceReader.Read(dam));
        Assert.Contains("columns found: DeliveryDate,HourEnding,SettlementPoint,SettlementPointPrice", d.Message);
        Assert.Contains("NP4-190-CD v2 RTC+B", d.Message);
    }
}
