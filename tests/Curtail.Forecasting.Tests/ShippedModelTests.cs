using Curtail.Core.Time;
using Curtail.Ercot;
using Curtail.Forecasting.Data;
using Curtail.Forecasting.FourCp;
using Curtail.Forecasting.Models;

namespace Curtail.Forecasting.Tests;

/// <summary>The model and data that ship in the repository, as a user gets them.</summary>
public class ShippedModelTests
{
    private static readonly ShippedData Data = ShippedData.Locate();
    private static string ModelPath => Path.Combine(Path.GetDirectoryName(Data.Root)!, "models", "hb_west_2021_2022" + ModelFile.Extension);

    [Fact]
    public void The_default_model_loads_was_trained_before_2023_and_sees_the_august_2023_spike_coming_from_its_inputs()
    {
        var model = ModelFile.Load(ModelPath);
        Assert.Equal("HB_WEST", model.Provenance.SettlementPoint);
        Assert.True(model.Provenance.TrainTo <= CentralPrevailingTime.StartOfDayUtc(new DateOnly(2023, 1, 1)));
        Assert.DoesNotContain("sced_lmp", model.Provenance.InputsUsed);

        var history = MarketData.Load(Data, "HB_WEST");
        // 2023-08-17 18:00 CDT: HB_WEST settled above $4,000 and peaked at $5,236.81 at 19:30.
        var spike = model.Forecast(history, CentralPrevailingTime.LocalToUtc(new DateOnly(2023, 8, 17), 18, 0, false), 24);
        var quiet = model.Forecast(history, CentralPrevailingTime.LocalToUtc(new DateOnly(2023, 4, 12), 3, 0, false), 24);
        Assert.True(spike.Intervals[0].P50 > 1000, $"P50 {spike.Intervals[0].P50}");
        Assert.True(spike.Intervals[0].SpikeProbability > 0.5);
        Assert.True(quiet.Intervals[0].P50 < 100, $"P50 {quiet.Intervals[0].P50}");
        Assert.True(quiet.Intervals[0].SpikeProbability < 0.1);
        foreach (var f in spike.Intervals.Concat(quiet.Intervals))
            Assert.True(f.P10 <= f.P50 && f.P50 <= f.P90);
    }

    [Theory]
    [InlineData("hb_west_2021_2022", 2023)]
    [InlineData("hb_west_2021_2023", 2024)]
    [InlineData("hb_west_2021_2024", 2025)]
    public void Every_shipped_model_loads_from_its_file_and_forecasts_ordered_quantiles(string name, int trainedBefore)
    {
        var model = ModelFile.Load(Path.Combine(Path.GetDirectoryName(Data.Root)!, "models", name + ModelFile.Extension));
        Assert.Equal(name, model.Provenance.Name);
        Assert.Equal(CentralPrevailingTime.StartOfDayUtc(new DateOnly(trainedBefore, 1, 1)), model.Provenance.TrainTo);
        var history = MarketData.Load(Data, "HB_WEST");
        var forecast = model.Forecast(history, history.RealTime.End.AddDays(-3), 24);
        Assert.Equal(24, forecast.Intervals.Count);
        Assert.All(forecast.Intervals, f => Assert.True(f.P10 <= f.P50 && f.P50 <= f.P90 && f.SpikeProbability is >= 0 and <= 1));
    }

    [Fact]
    public void The_4cp_model_fitted_on_2021_2022_ranks_the_2023_peak_hours_above_ordinary_summer_hours()
    {
        var load = Ercot.Load.NativeLoadReader.Read(Data.NativeLoadFile).Series.ToPriceSeries();
        var model = FourCpPeakModel.Fit(load, 2021, 2022);
        var peaks = FourCpPeakModel.ActualPeaks(load, 2023);
        Assert.Equal([6, 7, 8, 9], peaks.Select(p => p.Month));
        Assert.Equal(CentralPrevailingTime.LocalToUtc(new DateOnly(2023, 8, 10), 17, 0, false), peaks[2].PeakHourStart);
        var atPeaks = peaks.Select(p => model.HourProbability(load, p.PeakHourStart)).ToList();
        // A quiet early-morning hour in the same months.
        var ordinary = peaks.Select(p => model.HourProbability(load, p.PeakHourStart.AddHours(-12))).ToList();
        Assert.All(atPeaks.Zip(ordinary), x => Assert.True(x.First > 10 * x.Second, $"peak {x.First:F4} vs ordinary {x.Second:F4}"));
        // At the default threshold the load model alone flags June and July 2023 (0.08); August and September (0.04, 0.02) fall below it.
        Assert.True(atPeaks.Count(p => p >= new FourCpSettings().ProbabilityThreshold) >= 2, string.Join(", ", atPeaks.Select(p => p.ToString("F4"))));
        Assert.Equal(0, model.HourProbability(load, CentralPrevailingTime.LocalToUtc(new DateOnly(2023, 1, 10), 17, 0, false)));
    }
}
