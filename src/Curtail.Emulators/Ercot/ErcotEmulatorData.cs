using Curtail.Core.Prices;
using Curtail.Ercot;
using Curtail.Ercot.Prices;

namespace Curtail.Emulators.Ercot;

/// <summary>The history an <see cref="ErcotApiEmulator"/> serves: per report, one price series per settlement point.</summary>
public sealed class ErcotEmulatorData
{
    public IReadOnlyDictionary<string, PriceSeries> RealTime { get; }
    public IReadOnlyDictionary<string, PriceSeries> DayAhead { get; }
    public IReadOnlyDictionary<string, PriceSeries> Sced { get; }

    /// <summary>Hourly ERCOT system load (MW) served as the seven-day load forecast (NP3-565-CD); null when absent.</summary>
    public PriceSeries? SystemLoad { get; }

    public ErcotEmulatorData(IReadOnlyDictionary<string, PriceSeries> realTime, IReadOnlyDictionary<string, PriceSeries>? dayAhead = null,
        IReadOnlyDictionary<string, PriceSeries>? sced = null, PriceSeries? systemLoad = null)
    {
        RealTime = realTime;
        DayAhead = dayAhead ?? new Dictionary<string, PriceSeries>();
        Sced = sced ?? new Dictionary<string, PriceSeries>();
        SystemLoad = systemLoad;
    }

    /// <summary>Loads the shipped files (or a folder of the same layout) for the given points.</summary>
    public static ErcotEmulatorData Load(ShippedData data, IReadOnlyList<string> points)
    {
        var rt = points.ToDictionary(p => p, p => PriceLoader.Load([data.ErcotDirectory], p).Series);
        var dam = data.DayAheadFiles.Count > 0
            ? DayAheadPriceReader.Read(data.DayAheadFiles).SeriesByPoint.Where(kv => points.Contains(kv.Key)).ToDictionary()
            : [];
        var sced = File.Exists(data.ScedFile)
            ? ScedLmpReader.Read(data.ScedFile).SeriesByPoint.Where(kv => points.Contains(kv.Key)).ToDictionary()
            : [];
        var load = data.ReadNativeLoad();
        return new ErcotEmulatorData(rt, dam, sced, load);
    }

    /// <summary>The first instant any real-time series covers.</summary>
    public DateTimeOffset EarliestRealTime => RealTime.Values.Where(s => s.Count > 0).Min(s => s.Start);
}
