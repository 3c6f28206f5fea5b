using Curtail.Core.Prices;
using Curtail.Core.Economics;
using Curtail.Ercot;
using Curtail.Ercot.Api;
using Curtail.Ercot.Economics;
using Curtail.Ercot.Load;
using Curtail.Ercot.Prices;

namespace Curtail.Forecasting.Data;

/// <summary>Builds a <see cref="MarketHistory"/> from the shipped data folder (or a copy of its layout).</summary>
public static class MarketData
{
    /// <summary>
    /// Loads every input the forecaster knows for one settlement point: 15-minute real-time prices of every year
    /// present, the day-ahead prices, ERCOT native load, hashprice, and SCED LMPs when the point has any.
    /// </summary>
    public static MarketHistory Load(ShippedData data, string settlementPoint)
    {
        var realTime = PriceLoader.Load([data.ErcotDirectory], settlementPoint).Series;
        PriceSeries? dayAhead = data.DayAheadFiles.Count > 0 ? DayAheadPriceReader.Read(data.DayAheadFiles).For(settlementPoint) : null;
        PriceSeries? sced = null;
        if (File.Exists(data.ScedFile))
        {
            var scedAll = ScedLmpReader.Read(data.ScedFile);
            scedAll.SeriesByPoint.TryGetValue(settlementPoint, out sced);
        }
        var load = data.ReadNativeLoad();
        var hashprice = File.Exists(data.HashpriceFile) ? HashpriceCsvReader.Read(data.HashpriceFile) : null;
        return new MarketHistory(realTime, dayAhead, sced, load, hashprice);
    }

    /// <summary>
    /// The live history: what the price store holds for a point in [fromUtc, toUtc) — real-time SPP, DAM and SCED —
    /// plus load and hashprice from elsewhere. A report with nothing stored is left out (its features are missing).
    /// </summary>
    public static MarketHistory FromStore(SqlitePriceStore store, string settlementPoint, DateTimeOffset fromUtc, DateTimeOffset toUtc,
        PriceSeries? systemLoad = null, HashpriceSeries? hashprice = null)
    {
        PriceSeries? Optional(ErcotReport report)
        {
            var s = store.Read(report.EmilId, settlementPoint, fromUtc, toUtc);
            return s.Count == 0 ? null : s;
        }
        var realTime = Optional(ErcotReport.RealTimeSpp)
            ?? throw new Core.InvalidInputException($"the price store has no {settlementPoint} real-time prices between {fromUtc:u} and {toUtc:u}; run `curtail prices fetch` first");
        return new MarketHistory(realTime, Optional(ErcotReport.DayAheadSpp), Optional(ErcotReport.ScedLmp), systemLoad, hashprice);
    }
}
