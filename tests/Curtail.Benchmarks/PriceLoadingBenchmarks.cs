using System.IO.Compression;
using BenchmarkDotNet.Attributes;
using Curtail.Ercot;
using Curtail.Ercot.Prices;

namespace Curtail.Benchmarks;

/// <summary>
/// Loading real-time prices of one point from the shipped gzip CSVs (7 hubs x 35,040 rows a year). Targets: one
/// year under 150 ms, four years well under 500 ms. The baseline only gunzips one year, the floor any parser pays.
/// Run: dotnet run -c Release --project tests/Curtail.Benchmarks -- --filter '*PriceLoading*' --job short
/// </summary>
[MemoryDiagnoser]
public class PriceLoadingBenchmarks
{
    private static readonly int[] Years = [2020, 2021, 2022, 2023];
    private ShippedData _data = null!;
    private string[] _fourYears = null!;

    [GlobalSetup]
    public void Setup()
    {
        _data = ShippedData.Locate();
        _fourYears = Years.Select(_data.RealTimeHubsFile).ToArray();
    }

    [Benchmark(Baseline = true)]
    public long GunzipOneYearOnly()
    {
        using var zip = new GZipStream(File.OpenRead(_data.RealTimeHubsFile(2023)), CompressionMode.Decompress);
        var buffer = new byte[1 << 16];
        long total = 0;
        int read;
        while ((read = zip.Read(buffer)) > 0) total += read;
        return total;
    }

    [Benchmark]
    public int OneYearOnePoint() => PriceLoader.Load([_data.RealTimeHubsFile(2023)], "HB_WEST").Series.Count;

    [Benchmark]
    public int FourYearsOnePoint() => PriceLoader.Load(_fourYears, "HB_WEST").Series.Count;

    /// <summary>The whole data folder: also opens the load-zone, DAM, SCED and load files (headers only for the last three).</summary>
    [Benchmark]
    public int FourYearsOnePointFromDirectory() =>
        PriceLoader.Load([_data.ErcotDirectory], "HB_WEST", new DateOnly(2020, 1, 1), new DateOnly(2024, 1, 1)).Series.Count;

    /// <summary>For the forecaster: 15 points x 26,280 hours of day-ahead prices.</summary>
    [Benchmark]
    public int DayAheadAllPointsThreeYears() => DayAheadPriceReader.Read(_data.DayAheadFile).SeriesByPoint.Count;

    /// <summary>For the forecaster and the SCED-cadence backtest: a year of SCED runs, 5 hubs.</summary>
    [Benchmark]
    public int ScedAllPointsOneYear() => ScedLmpReader.Read(_data.ScedFile).SeriesByPoint.Count;
}
