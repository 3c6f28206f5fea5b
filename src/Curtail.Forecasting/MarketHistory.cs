using Curtail.Core.Economics;
using Curtail.Core.Prices;

namespace Curtail.Forecasting;

/// <summary>
/// Everything a forecaster may look at: settled 15-minute prices of one settlement point, and optionally the
/// day-ahead prices, SCED LMPs, ERCOT system load and hashprice. Forecasters pick out what was known at the
/// decision time; the history itself may extend beyond it (a backtest holds the whole period).
/// </summary>
public sealed class MarketHistory
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(15);

    /// <summary>Real-time settlement point prices on a 15-minute grid.</summary>
    public PriceSeries RealTime { get; }
    /// <summary>Day-ahead hourly prices (published the day before, so known for any target up to a day ahead).</summary>
    public PriceSeries? DayAhead { get; }
    /// <summary>SCED LMPs, one interval per SCED run.</summary>
    public PriceSeries? Sced { get; }
    /// <summary>ERCOT system load in MW (hourly); in backtests actual native load stands in for ERCOT's load forecast.</summary>
    public PriceSeries? SystemLoad { get; }
    public HashpriceSeries? Hashprice { get; }

    /// <summary>
    /// ERCOT's latest RTD run (NP6-970-CD): its time and indicative LMPs for the next 12 five-minute intervals. Live
    /// only (RTD has no history, so backtests have none and no model is trained on it); null when absent.
    /// <see cref="Models.RtdAdjustedForecaster"/> applies it to a forecast.
    /// </summary>
    public RtdLookAhead? Rtd { get; init; }

    public MarketHistory(PriceSeries realTime, PriceSeries? dayAhead = null, PriceSeries? sced = null,
        PriceSeries? systemLoad = null, HashpriceSeries? hashprice = null)
    {
        if (realTime.Count == 0) throw new ArgumentException("real-time price history is empty");
        RealTime = realTime;
        DayAhead = dayAhead;
        Sced = sced;
        SystemLoad = systemLoad;
        Hashprice = hashprice;
    }

    public string SettlementPoint => RealTime.SettlementPoint;

    /// <summary>
    /// The same history cut at <paramref name="end"/>: every series keeps only what starts before it (hashprice is a
    /// daily series read a day back, and is kept whole). A tuning run that must not see a later year reads this.
    /// </summary>
    public MarketHistory Until(DateTimeOffset end)
    {
        static PriceSeries? Cut(PriceSeries? s, DateTimeOffset end) =>
            s is null ? null : s.Slice(new DateTimeOffset(s.Count == 0 ? end.UtcTicks : Math.Min(s.StartTicks[0], end.UtcTicks), TimeSpan.Zero), end);
        return new MarketHistory(Cut(RealTime, end)!, Cut(DayAhead, end), Cut(Sced, end), Cut(SystemLoad, end), Hashprice)
        {
            // A run is known once it has run; its prices look ahead of it by design.
            Rtd = Rtd is { } rtd && rtd.RunUtc < end ? rtd : null,
        };
    }

    /// <summary>Floors an instant to the 15-minute grid.</summary>
    public static DateTimeOffset FloorToInterval(DateTimeOffset t) =>
        new(t.UtcTicks - t.UtcTicks % Interval.Ticks, TimeSpan.Zero);

    /// <summary>
    /// Number of real-time intervals settled by <paramref name="decisionTime"/>: those ending at or before it.
    /// </summary>
    public int SettledCount(DateTimeOffset decisionTime)
    {
        var k = RealTime.FirstStartingAtOrAfter(decisionTime.UtcTicks);
        while (k > 0 && RealTime.EndTicks[k - 1] > decisionTime.UtcTicks) k--;
        return k;
    }
}
