using Curtail.Core;

namespace Curtail.Ercot.Tests;

public class ShippedDataTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void FoundByWalkingUpFromTheTestBinary()
    {
        var data = ShippedData.Locate(null, [AppContext.BaseDirectory]);
        Assert.True(File.Exists(data.HashpriceFile));
        Assert.True(File.Exists(data.DayAheadFile));
        Assert.True(File.Exists(data.NativeLoadFile));
        Assert.True(File.Exists(data.ScedFile));
        Assert.Equal(2, data.DayAheadFiles.Count);
        Assert.Equal(2, data.NativeLoadFiles.Count);
        Assert.Equal([data.ScedFile], data.ScedFiles);
        Assert.All(data.DayAheadFiles.Concat(data.NativeLoadFiles), f => Assert.True(File.Exists(f)));
        foreach (var year in new[] { 2020, 2021, 2022, 2023, 2024 })
        {
            Assert.True(File.Exists(data.RealTimeHubsFile(year)));
            Assert.True(File.Exists(data.RealTimeLoadZonesFile(year)));
        }
        Assert.Equal("data", Path.GetFileName(data.Root));
    }

    [Fact]
    public void OverrideAcceptsTheDataFolderOrTheFolderAboveIt()
    {
        Directory.CreateDirectory(Path.Combine(_dir.Path, "data", "ercot"));
        var start = Path.Combine(_dir.Path, "nowhere");
        Assert.Equal(Path.Combine(_dir.Path, "data"), ShippedData.Locate(Path.Combine(_dir.Path, "data"), [start]).Root);
        Assert.Equal(Path.Combine(_dir.Path, "data"), ShippedData.Locate(_dir.Path, [start]).Root);
        var e = Assert.Throws<InvalidInputException>(() => ShippedData.Locate(Path.Combine(_dir.Path, "data", "ercot"), [AppContext.BaseDirectory]));
        Assert.Contains("CURTAIL_DATA", e.Message);
    }

    [Fact]
    public void WalksUpFromANestedDirectory()
    {
        Directory.CreateDirectory(Path.Combine(_dir.Path, "data", "ercot"));
        var nested = Directory.CreateDirectory(Path.Combine(_dir.Path, "a", "b", "c")).FullName;
        Assert.Equal(Path.Combine(_dir.Path, "data"), ShippedData.Locate(null, [nested]).Root);
    }

    [Fact]
    public void ClearErrorWhenNotFound()
    {
        var e = Assert.Throws<InvalidInputException>(() => ShippedData.Locate(null, [Path.GetTempPath()]));
        Assert.Contains("shipped data not found", e.Message);
        Assert.Contains("CURTAIL_DATA", e.Message);
    }
}
