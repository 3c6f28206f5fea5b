using Curtail.Core.Prices;
using Curtail.Core.Time;

namespace Curtail.Forecasting.Features;

/// <summary>
/// The forecaster's inputs for one (decision time, horizon) pair, built only from what is known at the decision
/// time: settled real-time prices, the latest SCED LMPs, the day-ahead price of the target hour, calendar
/// features of the target interval, ERCOT load and the previous day's hashprice. Missing inputs are NaN, which
/// the trees route with a learned default, so a model trained without SCED can still be fed SCED live.
/// </summary>
public static class PriceFeatures
{
    public const int DayIntervals = 96;

    public static readonly IReadOnlyList<string> Names =
    [
        "horizon", "hour_of_day", "weekday", "month", "holiday",
        "spp_last", "spp_lag2", "spp_lag4", "spp_mean_1h", "spp_max_4h", "spp_mean_24h", "spp_std_4h",
        "spp_same_interval_yesterday", "spp_same_interval_last_week",
        "dam_target_hour", "dam_current_hour", "dam_minus_spp_last",
        "load_target_hour", "load_current_hour", "hashprice_prev_day",
        "sced_last", "sced_mean_15m",
    ];

    public static int Count => Names.Count;

    /// <summary>
    /// Fills <paramref name="row"/> for the interval <paramref name="horizon"/>-1 steps after the decision time
    /// (horizon 1 is the interval starting at the decision time). <paramref name="settled"/> is the number of
    /// real-time intervals settled by then (see <see cref="MarketHistory.SettledCount"/>).
    /// </summary>
    public static void Fill(MarketHistory history, DateTimeOffset decisionTime, int settled, int horizon, Span<double> row) =>
        Fill(history, history.RealTime.Prices, decisionTime, settled, horizon, row);

    /// <summary>
    /// The same row with <paramref name="rt"/> read as the settled 15-minute prices, newest last: on the SCED clock, the
    /// 15-minute windows ending at a decision between settlement boundaries (<see cref="Core.Decisions.SlidingWindows"/>),
    /// so the model reads a grid shifted by the decision's offset. Everything else comes from <paramref name="history"/>.
    /// </summary>
    public static void FillOnWindows(MarketHistory history, ReadOnlySpan<double> windows, DateTimeOffset decisionTime, int horizon, Span<double> row) =>
        Fill(history, windows, decisionTime, windows.Length, horizon, row);

    private static void Fill(MarketHistory history, ReadOnlySpan<double> rt, DateTimeOffset decisionTime, int settled, int horizon, Span<double> row)
    {
        if (row.Length != Count) throw new ArgumentException($"feature row needs {Count} slots");
        var targetStart = decisionTime + MarketHistory.Interval * (horizon - 1);
        var local = CentralPrevailingTime.ToLocal(targetStart);
        var date = DateOnly.FromDateTime(local.DateTime);

        row[0] = horizon;
        row[1] = local.Hour + local.Minute / 60.0;
        row[2] = ((int)local.DayOfWeek + 6) % 7;
        row[3] = local.Month;
        row[4] = UsHolidays.IsHoliday(date) ? 1 : 0;

        var last = settled > 0 ? rt[settled - 1] : double.NaN;
        row[5] = last;
        row[6] = settled > 1 ? rt[settled - 2] : double.NaN;
        row[7] = settled > 3 ? rt[settled - 4] : double.NaN;
        row[8] = Mean(rt, settled, 4);
        row[9] = Max(rt, settled, 16);
        row[10] = Mean(rt, settled, DayIntervals);
        row[11] = Std(rt, settled, 16);
        // Same interval one day and one week before the target; both are settled for horizons up to a day.
        var targetIndex = settled + horizon - 1;
        row[12] = Lag(rt, settled, targetIndex - DayIntervals);
        row[13] = Lag(rt, settled, targetIndex - 7 * DayIntervals);

        row[14] = ValueAt(history.DayAhead, targetStart);
        row[15] = ValueAt(history.DayAhead, decisionTime);
        row[16] = row[14] - last;
        row[17] = ValueAt(history.SystemLoad, targetStart);
        row[18] = ValueAt(history.SystemLoad, decisionTime - MarketHistory.Interval);
        row[19] = HashpricePreviousDay(history, decisionTime);

        var (scedLast, scedMean) = Sced(history.Sced, decisionTime);
        row[20] = scedLast;
        row[21] = scedMean;
    }

    private static double Lag(ReadOnlySpan<double> p, int settled, int index) =>
        index >= 0 && index < settled ? p[index] : double.NaN;

    private static double Mean(ReadOnlySpan<double> p, int settled, int n)
    {
        if (settled < n) return double.NaN;
        double s = 0;
        for (var i = settled - n; i < settled; i++) s += p[i];
        return s / n;
    }

    private static double Max(ReadOnlySpan<double> p, int settled, int n)
    {
        if (settled < n) return double.NaN;
        var m = double.NegativeInfinity;
        for (var i = settled - n; i < settled; i++) m = Math.Max(m, p[i]);
        return m;
    }

    private static double Std(ReadOnlySpan<double> p, int settled, int n)
    {
        if (settled < n) return double.NaN;
        var mean = Mean(p, settled, n);
        double s = 0;
        for (var i = settled - n; i < settled; i++) s += (p[i] - mean) * (p[i] - mean);
        return Math.Sqrt(s / n);
    }

    private static double ValueAt(PriceSeries? series, DateTimeOffset t) =>
        series?.PriceAt(t) ?? double.NaN;

    private static double HashpricePreviousDay(MarketHistory history, DateTimeOffset decisionTime)
    {
        if (history.Hashprice is not { } h) return double.NaN;
        var day = DateOnly.FromDateTime(decisionTime.UtcDateTime).AddDays(-1);
        if (!h.IsConstant && (day < h.FirstDate || day > h.LastDate)) return double.NaN;
        return h.On(day);
    }

    /// <summary>The last SCED LMP run at or before the decision time, and the mean over the 15 minutes before it.</summary>
    private static (double Last, double Mean15) Sced(PriceSeries? sced, DateTimeOffset decisionTime)
    {
        if (sced is null || sced.Count == 0) return (double.NaN, double.NaN);
        var k = sced.FirstStartingAtOrAfter(decisionTime.UtcTicks + 1);
        if (k == 0) return (double.NaN, double.NaN);
        var lastStart = sced.StartTicks[k - 1];
        // A SCED price older than 30 minutes says nothing about now: treat the feed as missing.
        if (decisionTime.UtcTicks - lastStart > TimeSpan.FromMinutes(30).Ticks) return (double.NaN, double.NaN);
        var from = decisionTime.UtcTicks - MarketHistory.Interval.Ticks;
        double sum = 0;
        var n = 0;
        for (var i = k - 1; i >= 0 && sced.StartTicks[i] >= from; i--)
        {
            sum += sced.Prices[i];
            n++;
        }
        return (sced.Prices[k - 1], n > 0 ? sum / n : double.NaN);
    }
}
