using System.Text.Json;
using Curtail.Core;
using Curtail.Core.Time;
using Curtail.Ercot.Api;

namespace Curtail.Ercot.Tests.Api;

/// <summary>Rows of NP3-565-CD and NP6-345-CD as the Public API returns them (values in the order of <c>fields</c>).</summary>
public class ErcotSystemLoadRowTests
{
    private static readonly string[] Fields = ["postedDatetime", "deliveryDate", "hourEnding", "coast", "systemTotal", "model", "inUseFlag", "DSTFlag"];

    private static (long StartTicks, DateTime Posted, double Mw)? Parse(string row) =>
        ErcotSystemLoad.ParseForecastRow(Fields, JsonDocument.Parse(row).RootElement, 7);

    [Fact]
    public void ReadsTheSystemTotalOfAnInUseRowAtItsHour()
    {
        var hour = Parse("""["2024-07-14T23:30:00", "2024-07-15", "17:00", 21000.5, 81234.5, "E", true, false]""");
        Assert.NotNull(hour);
        Assert.Equal(CentralPrevailingTime.LocalToUtc(new DateOnly(2024, 7, 15), 16, 0, false).UtcTicks, hour.Value.StartTicks);
        Assert.Equal(81234.5, hour.Value.Mw);
        Assert.Equal(new DateTime(2024, 7, 14, 23, 30, 0), hour.Value.Posted);

        var repeated = Parse("""["2024-11-02T23:30:00", "2024-11-03", "02:00", 1, 40000, "E", true, true]""");
        Assert.Equal(CentralPrevailingTime.LocalToUtc(new DateOnly(2024, 11, 3), 1, 0, true).UtcTicks, repeated!.Value.StartTicks);
        Assert.Null(Parse("""["2024-07-14T23:30:00", "2024-07-15", "17:00", 1, 90000, "A", false, false]"""));
    }

    [Theory]
    [InlineData("""["2024-07-14T23:30:00", "15/07/2024", "17:00", 1, 81234.5, "E", true, false]""", "deliveryDate '15/07/2024'")]
    [InlineData("""["2024-07-14T23:30:00", "2024-07-15", "25:00", 1, 81234.5, "E", true, false]""", "hourEnding '25:00'")]
    [InlineData("""["2024-07-14T23:30:00", "2024-07-15", "17:00", 1, "n/a", "E", true, false]""", "systemTotal")]
    [InlineData("""["2024-07-14T23:30:00", "2024-07-15", "17:00", 1, 81234.5, "E", true, "maybe"]""", "DSTFlag")]
    [InlineData("""["2024-03-09T23:30:00", "2024-03-10", "03:00", 1, 81234.5, "E", true, false]""", "does not exist")]
    public void ABadRowIsRefusedNamingTheRowAndTheField(string row, string expected)
    {
        var ex = Assert.Throws<InvalidInputException>(() => Parse(row));
        Assert.Contains("row 7", ex.Message);
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void ReadsTheTotalOfAnActualLoadRow()
    {
        string[] fields = ["operatingDay", "hourEnding", "coast", "total", "DSTFlag"];
        var hour = ErcotSystemLoad.ParseActualRow(fields, JsonDocument.Parse("""["07/15/2024", "17:00", 21000.5, 83120.25, false]""").RootElement, 3);
        Assert.Equal(CentralPrevailingTime.LocalToUtc(new DateOnly(2024, 7, 15), 16, 0, false).UtcTicks, hour!.Value.StartTicks);
        Assert.Equal(83120.25, hour.Value.Mw);
        var ex = Assert.Throws<InvalidInputException>(() =>
            ErcotSystemLoad.ParseActualRow(fields, JsonDocument.Parse("""["07/15/2024", "17:00", 21000.5, -1, false]""").RootElement, 3));
        Assert.Contains("row 3 total -1 is not a load in MW", ex.Message);
    }
}
