using Curtail.Controller.DemandResponse;
using Curtail.Controller.Storage;
using Curtail.Core.Prices;
using Curtail.Core.Sites;
using Curtail.Core.Time;
using Curtail.Forecasting.FourCp;
using Microsoft.Extensions.Logging.Abstractions;

namespace Curtail.Controller.Tests;

public class FourCpWatchTests
{
    // July 2023 (CPT). Every day peaks at 17:00 local (hour starting); day 20 sets a new monthly high, all others are flat.
    private static readonly DateOnly RecordDay = new(2023, 7, 20);

    /// <summary>Day chance rises steeply once a day's peak beats the month-to-date maximum (weights: bias, % above max, month left, weekday).</summary>
    private static readonly FourCpPeakModel Model = FourCpPeakModel.FromWeights([-4, 2, 0, 0]);

    private static PriceSeries JulyLoad(bool withRecordDay = true)
    {
        var starts = new List<long>();
        var loads = new List<double>();
        for (var d = new DateOnly(2023, 7, 1); d < new DateOnly(2023, 8, 1); d = d.AddDays(1))
        {
            var dayStart = CentralPrevailingTime.StartOfDayUtc(d);
            for (var h = 0; h < 24; h++)
            {
                starts.Add(dayStart.AddHours(h).UtcTicks);
                var peak = d == RecordDay && withRecordDay ? 84_000.0 : 80_000.0;
                loads.Add(peak - 600 * Math.Abs(h - 17));
            }
        }
        return new PriceSeries("ERCOT", starts.ToArray(), starts.Select(s => s + TimeSpan.TicksPerHour).ToArray(), loads.ToArray());
    }

    private static ControllerStore NewStore() => ControllerStore.Sqlite(Path.Combine(Path.GetTempPath(), $"curtail-4cp-{Guid.NewGuid():N}.db"));

    private static FourCpWatch Watch(ControllerStore store, double budgetHours = 12, FourCpPeakModel? model = null, PriceSeries? load = null) =>
        new(new FourCpSiteSettings(true, 0.05, budgetHours, 75), store, NullLogger.Instance, _ => (model ?? Model, load ?? JulyLoad()));

    private static DateTimeOffset At(DateOnly day, int hour, int minute = 0) =>
        CentralPrevailingTime.StartOfDayUtc(day).AddHours(hour).AddMinutes(minute);

    [Fact]
    public void CurtailsThroughTheLikelyPeakHourAndRecordsTheForecastOnce()
    {
        using var store = NewStore();
        var watch = Watch(store);

        var peak = watch.Evaluate(At(RecordDay, 17, 5));
        Assert.NotNull(peak);
        Assert.True(peak.Curtail, peak.Reason);
        Assert.True(peak.Probability >= 0.05, $"p = {peak.Probability}");
        Assert.Equal(At(RecordDay, 17), peak.HourStart);
        Assert.Equal(At(RecordDay, 17, 5), peak.IssuedAt);

        // An ordinary day's peak hour is not likely the month's peak: the site runs.
        var ordinary = watch.Evaluate(At(new DateOnly(2023, 7, 12), 17, 5));
        Assert.NotNull(ordinary);
        Assert.False(ordinary.Curtail, ordinary.Reason);
        Assert.Contains("below the threshold", ordinary.Reason);

        // A restart with a model that would now say otherwise keeps the hour as first decided.
        var restarted = Watch(store, model: FourCpPeakModel.FromWeights([-40, 0, 0, 0]));
        var again = restarted.Evaluate(At(RecordDay, 17, 50));
        Assert.Equal(peak, again);
        Assert.Single(store.FourCpHours(At(RecordDay, 17), At(RecordDay, 18)));
    }

    [Fact]
    public void StopsCurtailingWhenTheMonthsBudgetIsSpent()
    {
        using var store = NewStore();
        var watch = Watch(store, budgetHours: 1);
        var likely = Enumerable.Range(14, 7).Select(h => watch.Evaluate(At(RecordDay, h))!).ToList();

        Assert.Equal(1, likely.Count(h => h.Curtail));
        var spent = likely.Where(h => !h.Curtail && h.Probability >= 0.05).ToList();
        Assert.NotEmpty(spent);
        Assert.All(spent, h => Assert.Contains("watch hours are spent", h.Reason));
        Assert.Equal(1, store.FourCpCurtailedHours(At(new DateOnly(2023, 7, 1), 0), At(new DateOnly(2023, 8, 1), 0)));
    }

    [Fact]
    public void IsIdleOutsideThePeakMonthsAndSaysSoWithoutAForecast()
    {
        using var store = NewStore();
        var watch = Watch(store);
        Assert.Null(watch.Evaluate(At(new DateOnly(2023, 1, 20), 17)));
        Assert.Null(watch.Problem);

        Assert.Null(watch.Evaluate(At(new DateOnly(2023, 8, 20), 17)));
        Assert.Contains("no load forecast for 2023-08-20", watch.Problem);
        Assert.Empty(watch.Day(At(new DateOnly(2023, 8, 20), 17)));

        var off = new FourCpWatch(null, store, NullLogger.Instance, _ => throw new InvalidOperationException("not set up when off"));
        Assert.Null(off.Evaluate(At(RecordDay, 17)));
    }

    [Fact]
    public async Task CallersArrivingDuringTheSetupSeeItsResult()
    {
        using var store = NewStore();
        var calls = 0;
        var watch = new FourCpWatch(new FourCpSiteSettings(true, 0.05, 12, 75), store, NullLogger.Instance, _ =>
        {
            Interlocked.Increment(ref calls);
            Thread.Sleep(300); // a cold load of the shipped native load takes about this long
            return (Model, JulyLoad());
        });
        using var start = new Barrier(2);
        var day = Task.Run(() => { start.SignalAndWait(); return watch.Day(At(RecordDay, 9)).Count; });
        var hour = Task.Run(() => { start.SignalAndWait(); return watch.Evaluate(At(RecordDay, 17)); });
        Assert.Equal(24, await day);
        Assert.True((await hour)?.Curtail);
        Assert.Equal(1, calls);
    }

    [Fact]
    public void PrefersErcotsForecastAndSaysWhichLoadItUsed()
    {
        using var store = NewStore();
        // The history stops before July; ERCOT's forecast covers the month.
        var history = JulyLoad().Slice(new DateTimeOffset(2023, 6, 1, 5, 0, 0, TimeSpan.Zero), At(new DateOnly(2023, 7, 1), 0));
        var watch = new FourCpWatch(new FourCpSiteSettings(true, 0.05, 12, 75), store, NullLogger.Instance, _ => (Model, JulyLoad()));
        var onHistory = watch.Evaluate(At(RecordDay, 17));
        Assert.Contains("load from shipped native load", onHistory!.Reason);

        var onlyForecast = new FourCpWatch(new FourCpSiteSettings(true, 0.05, 12, 75), NewStore(), NullLogger.Instance, _ => (Model, history));
        Assert.Null(onlyForecast.Evaluate(At(RecordDay, 17)));
        Assert.Contains("no load forecast for 2023-07-20", onlyForecast.Problem);
        var withForecast = onlyForecast.Evaluate(At(RecordDay, 17), liveLoad: JulyLoad());
        Assert.True(withForecast!.Curtail, withForecast.Reason);
        Assert.Contains("load from ERCOT's load forecast (NP3-565-CD)", withForecast.Reason);
    }

    [Fact]
    public void ErcotsActualLoadReplacesTheForecastWhereItIsPublished()
    {
        PriceSeries Hours(int from, int count, double mw) => new("ERCOT",
            Enumerable.Range(from, count).Select(h => At(RecordDay, 0).AddHours(h).UtcTicks).ToArray(),
            Enumerable.Range(from, count).Select(h => At(RecordDay, 0).AddHours(h + 1).UtcTicks).ToArray(),
            Enumerable.Repeat(mw, count).ToArray());
        var merged = SystemLoadFeed.Merge(actual: Hours(0, 10, 70_000), forecast: Hours(5, 24, 80_000));
        Assert.Equal(29, merged.Count);
        Assert.Equal(70_000, merged.Prices[9]);
        Assert.Equal(80_000, merged.Prices[10]);
        Assert.Equal(At(RecordDay, 0).AddHours(29), merged.End);
        Assert.Equal(0, SystemLoadFeed.Merge(null, null).Count);
    }

    [Fact]
    public void TheDayViewPeaksAtTheRecordHour()
    {
        using var store = NewStore();
        var day = Watch(store).Day(At(RecordDay, 9));
        Assert.Equal(24, day.Count);
        Assert.Equal(At(RecordDay, 17), day.MaxBy(h => h.Probability).HourStart);
        Assert.Empty(store.FourCpHours(At(RecordDay, 0), At(RecordDay.AddDays(1), 0)));
    }
}
