using BenchmarkDotNet.Attributes;
using Curtail.Core.Time;
using Curtail.Ercot;
using Curtail.Forecasting;
using Curtail.Forecasting.Data;
using Curtail.Forecasting.Features;
using Curtail.Forecasting.Models;
using Curtail.Forecasting.Training;

namespace Curtail.Benchmarks;

/// <summary>
/// The forecasting issue's targets: training the five LightGBM models on 2021-2024 (&lt; 30 s on 2 cores) and one
/// live forecast of the next 24 intervals with the shipped model (&lt; 5 ms). The data folder is CURTAIL_DATA (it
/// must hold 2024: the shipped folder or /work/shared/data); the training rows are built once, outside the timing.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 3, invocationCount: 1, id: "train")]
public class ForecastTrainingBenchmarks
{
    private FeatureMatrix _x = null!;
    private double[] _y = null!;

    [GlobalSetup]
    public void Setup()
    {
        var history = MarketData.Load(ShippedData.Locate(), "HB_WEST");
        var plan = new TrainingPlan
        {
            Name = "bench", TrainFrom = CentralPrevailingTime.StartOfDayUtc(new DateOnly(2021, 1, 1)),
            TrainTo = CentralPrevailingTime.StartOfDayUtc(new DateOnly(2025, 1, 1)),
        };
        var data = ForecastDataset.Build(history, plan.TrainFrom, plan.TrainTo, plan.Horizon, plan.TrainStrideIntervals, plan.HorizonsPerDecision, plan.Gbrt.Seed);
        (_x, _y) = (data.X, data.Y);
        Console.WriteLine($"// training rows: {data.Rows:N0} x {data.X.Columns}");
    }

    [Benchmark(Description = "train 5 LightGBM models, 2021-2024, 2 threads")]
    public int TrainFive()
    {
        var models = ForecastTrainer.TrainModels(_x, _y, 100, new GbrtOptions());
        foreach (var m in models) m.Dispose();
        return models.Length;
    }
}

[MemoryDiagnoser]
public class ForecastLatencyBenchmarks
{
    private GbrtPriceForecaster _model = null!;
    private MarketHistory _history = null!;
    private DateTimeOffset _at;
    private readonly double[] _row = new double[PriceFeatures.Count];

    [GlobalSetup]
    public void Setup()
    {
        var data = ShippedData.Locate();
        _model = ModelFile.Load(Path.Combine(ModelsDirectory(), "hb_west_2021_2024" + ModelFile.Extension));
        _history = MarketData.Load(data, "HB_WEST");
        _at = _history.RealTime.End.AddDays(-2);
        PriceFeatures.Fill(_history, _at, _history.SettledCount(_at), 1, _row);
    }

    /// <summary>The repository's models/ folder, found above the benchmark binary.</summary>
    internal static string ModelsDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "models", "hb_west_2021_2024" + ModelFile.Extension))) return Path.Combine(dir.FullName, "models");
        throw new InvalidOperationException("models/hb_west_2021_2024 not found above " + AppContext.BaseDirectory);
    }

    [Benchmark(Description = "live forecast, 24 intervals x 5 models")]
    public double Forecast24() => _model.Forecast(_history, _at, 24).Intervals[0].P50;

    [Benchmark(Description = "one feature row x 5 models")]
    public double PredictOne() => _model.Predict(_row, _at).P50;
}
