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
        // The yearly real-time files by name, so other CSVs kept beside them (format samples) are not read as history.
        var rtFiles = Files(data.ErcotDirectory, "rtm_spp_*_15min_*.csv*");
        var realTime = PriceLoader.Load(rtFiles.Length > 0 ? rtFiles : [data.ErcotDirectory], settlementPoint).Series;
        // One file per period (e.g. dam_spp_hourly_2021_2023 and dam_spp_hourly_2024): every one present is read.
        var damFiles = Files(data.ErcotDirectory, "dam_spp_hourly_*.csv*");
        PriceSeries? dayAhead = damFiles.Length > 0
            ? Merge(damFiles.Select(f => DayAheadPriceReader.Read(f).SeriesByPoint.GetValueOrDefault(settlementPoint)))
            : null;
        var sced = Merge(Files(data.ErcotDirectory, "sced_lmp_5min_hubs_*.csv*")
            .Select(f => ScedLmpReader.Read(f).SeriesByPoint.GetValueOrDefault(settlementPoint)));
        var load = Merge(Files(data.ErcotDirectory, "native_load_hourly_*.csv*")
            .Select(f => NativeLoadReader.Read(f).Series.ToPriceSeries()));
        var hashFile = File.Exists(data.HashpriceFile) ? data.HashpriceFile : Path.ChangeExtension(data.HashpriceFile, null);
        var hashprice = File.Exists(hashFile) ? HashpriceCsvReader.Read(hashFile) : null;
        return new MarketHistory(realTime, dayAhead, sced, load, hashprice);
    }

    private static string[] Files(string directory, string pattern) =>
        Directory.Exists(directory) ? Directory.GetFiles(directory, pattern).Order(StringComparer.Ordinal).ToArray() : [];

    /// <summary>
    /// Joins the series read from several files in time order; an interval already covered by an earlier-starting
    /// file (a month's file next to the year's) is taken once.
    /// </summary>
    public static PriceSeries? Merge(IEnumerable<PriceSeries?> parts)
    {
        var list = parts.Where(p => p is { Count: > 0 }).Select(p => p!).OrderBy(p => p.Start).ThenByDescending(p => p.Count).ToList();
        if (list.Count == 0) return null;
        if (list.Count == 1) return list[0];
        var starts = new List<long>();
        var ends = new List<long>();
        var prices = new List<double>();
        foreach (var p in list)
            for (var i = 0; i < p.Count; i++)
            {
                if (starts.Count > 0 && p.StartTicks[i] < ends[^1]) continue;
                starts.Add(p.StartTicks[i]);
                ends.Add(p.EndTicks[i]);
                prices.Add(p.Prices[i]);
            }
        return new PriceSeries(list[0].SettlementPoint, starts.ToArray(), ends.ToArray(), prices.ToArray());
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
