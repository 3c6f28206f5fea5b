namespace Curtail.Ercot.Tests;

public class LayoutDetectionTests
{
    [Theory]
    [InlineData("ercot/rtm_spp_hubs_15min_2020.csv.gz", ErcotFileLayout.TidyRealTimeHubs)]
    [InlineData("ercot/rtm_spp_loadzones_15min_2023.csv.gz", ErcotFileLayout.TidyRealTimeLoadZones)]
    [InlineData("ercot/dam_spp_hourly_2021_2023.csv.gz", ErcotFileLayout.TidyDayAhead)]
    [InlineData("ercot/sced_lmp_5min_hubs_2024.csv.gz", ErcotFileLayout.TidySced)]
    [InlineData("ercot/native_load_hourly_2021_2023.csv.gz", ErcotFileLayout.TidyNativeLoad)]
    [InlineData("bitcoin/hashprice_daily.csv.gz", ErcotFileLayout.HashpriceDaily)]
    public void ShippedFilesAreRecognised(string relativePath, ErcotFileLayout expected) =>
        Assert.Equal(expected, ErcotFileLayouts.Detect(Path.Combine(TestFiles.Shipped.Root, relativePath)));

    [Theory]
    [InlineData("np6-905-cd_format_samples_derived.csv", ErcotFileLayout.Np6905Cd)]
    [InlineData("np6-785-er_2021-11-07_sample.csv", ErcotFileLayout.Np6785Er)]
    [InlineData("np4-190-cd_2021-11-07_sample.csv", ErcotFileLayout.Np4190Cd)]
    [InlineData("np6-788-cd_2024-01-15_sample.csv", ErcotFileLayout.Np6788Cd)]
    public void ErcotLayoutsAreRecognised(string fixture, ErcotFileLayout expected) =>
        Assert.Equal(expected, ErcotFileLayouts.Detect(TestFiles.Fixture(fixture)));

    [Theory]
    [InlineData("Delivery Date,Hour Ending,Repeated Hour Flag,Settlement Point,Settlement Point Price", ErcotFileLayout.Np4180Er)]
    [InlineData("time,price", ErcotFileLayout.Unknown)]
    [InlineData("", ErcotFileLayout.Unknown)]
    public void HeadersAreComparedWithoutCaseSpacesOrUnderscores(string header, ErcotFileLayout expected)
    {
        using var dir = new TempDirectory();
        Assert.Equal(expected, ErcotFileLayouts.Detect(dir.Write("f.csv", header)));
    }
}
