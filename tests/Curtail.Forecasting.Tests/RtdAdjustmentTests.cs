using Curtail.Core.Prices;
using Curtail.Core.Time;
using Curtail.Ercot;
using Curtail.Forecasting.Data;
using Curtail.Forecasting.Models;
using Curtail.Forecasting.Policies;

namespace Curtail.Forecasting.Tests;

/// <summary>
/// RTD indicative LMPs as a live forecaster input: the shipped default model's forecast on real HB_WEST history, moved
/// toward an RTD run where the run covers an interval, and left alone where it does not or when the run is stale.
/// </summary>
public class RtdAdjustmentTests
{
    private static readonly ShippedData Data = ShippedData.Locate();
    private static readonly Lazy<GbrtPriceForecaster> Model = new(() =>
        ModelFile.Load(Path.Combine(Path.GetDirectoryName(Data.Root)!, "models", "hb_west_2021_2024" + ModelFile.Extension)));
    private static readonly Lazy<MarketHistory> Shipped = new(() => MarketData.Load(Data, "HB_WEST"));

    // A quiet spring afternoon (HB_WEST settled near $20-30): 14:07 CDT, 7 minutes into the 14:00 interval.
    private static readonly DateTimeOffset Now = CentralPrevailingTime.LocalToUtc(new DateOnly(2024, 4, 10), 14, 7, false);

    // A breakeven of the market-2026 reference fleet (100 TH/s at 3,050 W, $0.045/TH/day): about $61.5/MWh.
    private const double Breakeven = 100 * 0.045 / 24 / 0.00305;

    /// <summary>An RTD run at <paramref name="run"/> pricing the 12 five-minute intervals after it, as ERCOT posts them.</summary>
    private static RtdLookAhead Run(DateTimeOffset run, double lmp)
    {
        var step = TimeSpan.FromMinutes(5).Ticks;
        var first = run.UtcTicks - run.UtcTicks % step + step;
        var starts = Enumerable.Range(0, 12).Select(k => first + k * step).ToArray();
        return new RtdLookAhead(run, new PriceSeries("HB_WEST", starts, starts.Select(s => s + step).ToArray(), Enumerable.Repeat(lmp, 12).ToArray()));
    }

    private static MarketHistory With(RtdLookAhead? rtd)
    {
        var h = Shipped.Value;
        return new MarketHistory(h.RealTime, h.DayAhead, h.Sced, h.SystemLoad, h.Hashprice) { Rtd = rtd };
    }

    private static double Exceedance(IntervalForecast f) => QuantileDistribution.Of(f).Exceedance(Breakeven);

    [Fact]
    public void A_spike_in_the_rtd_run_raises_the_chance_of_exceeding_breakeven_in_the_intervals_it_covers_and_nowhere_else()
    {
        var forecaster = new RtdAdjustedForecaster(Model.Value);
        var without = forecaster.Forecast(With(null), Now, 8);
        // Run at 14:05:20: it prices 14:10 .. 15:10, a third of the 14:00 interval, all of 14:15-15:00 and two thirds of 15:00.
        var run = Run(Now.AddMinutes(-1).AddSeconds(-40), 1500);
        var with = forecaster.Forecast(With(run), Now, 8);
        Assert.Equal(without.IssuedAt, with.IssuedAt);

        double[] shares = [1 / 3.0, 1, 1, 1, 2 / 3.0, 0, 0, 0];
        for (var i = 0; i < shares.Length; i++)
        {
            var (b, a) = (without.Intervals[i], with.Intervals[i]);
            Assert.Equal(shares[i], RtdAdjustment.Coverage(run.Prices, b.StartUtc, b.EndUtc).Share, 9);
            if (shares[i] == 0)
            {
                Assert.Equal(b, a); // not reached by the run: the model's forecast, unchanged
                continue;
            }
            // Quiet before: the model gives the interval a small chance of settling above breakeven.
            Assert.True(Exceedance(b) < 0.3, $"interval {i}: {Exceedance(b):F3} before RTD");
            Assert.True(Exceedance(a) > Exceedance(b) + 0.5, $"interval {i}: {Exceedance(b):F3} -> {Exceedance(a):F3}");
            // The rule: each quantile and the mean move to c·r + (1 − c)·x; the spike probability to (1 − c)·p + c.
            var c = shares[i];
            Assert.Equal(c * 1500 + (1 - c) * b.P50, a.P50, 6);
            Assert.Equal(c * 1500 + (1 - c) * b.Mean, a.Mean, 6);
            Assert.Equal((1 - c) * b.SpikeProbability + c, a.SpikeProbability, 9);
        }
        // Wholly covered intervals are RTD's price.
        Assert.Equal(1500, with.Intervals[2].P10, 6);
        Assert.Equal(1, Exceedance(with.Intervals[2]), 6);
    }

    [Fact]
    public void A_stale_run_or_one_posted_after_the_decision_is_ignored()
    {
        var forecaster = new RtdAdjustedForecaster(Model.Value);
        var without = forecaster.Forecast(With(null), Now, 8);
        var fresh = Run(Now - RtdAdjustment.MaxRunAge, 1500);
        var stale = Run(Now - RtdAdjustment.MaxRunAge - TimeSpan.FromSeconds(1), 1500);
        var later = Run(Now.AddSeconds(20), 1500);
        Assert.NotEqual(without.Intervals, forecaster.Forecast(With(fresh), Now, 8).Intervals); // 10 minutes old: still used
        Assert.Equal(without.Intervals, forecaster.Forecast(With(stale), Now, 8).Intervals);
        Assert.Equal(without.Intervals, forecaster.Forecast(With(later), Now, 8).Intervals);
        // The model alone reads no RTD: the wrapper's forecast without a run is the model's.
        Assert.Equal(Model.Value.Forecast(With(null), Now, 8).Intervals, without.Intervals);
    }

    [Fact]
    public void A_history_cut_keeps_a_run_made_before_the_cut_and_drops_a_later_one()
    {
        var run = Run(Now.AddMinutes(-2), 1500);
        Assert.Same(run, With(run).Until(Now).Rtd);
        Assert.Null(With(run).Until(Now.AddMinutes(-3)).Rtd);
        Assert.Equal(Model.Value.Provenance.TrainTo, ForecastGatedPolicy.TrainedThrough(new MemoForecaster(new RtdAdjustedForecaster(Model.Value))));
    }
}
