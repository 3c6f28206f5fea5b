using Curtail.Core.Prices;

namespace Curtail.Ercot.Load;

/// <summary>
/// ERCOT hourly native load: the system total and each weather zone, by UTC hour start. Hours are sorted and
/// unique; each value covers [start, start + 1 h).
/// </summary>
public sealed class SystemLoadSeries
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    /// <summary>The system total's name as a series: the forecaster's and the 4CP model's load, ERCOT's load reports.</summary>
    public const string SeriesName = "ERCOT";

    private readonly long[] _hourStartTicks;
    private readonly double[] _ercotMw;
    private readonly Dictionary<string, double[]> _zoneMw;

    public SystemLoadSeries(long[] hourStartTicks, double[] ercotMw, IReadOnlyDictionary<string, double[]> zoneMw)
    {
        if (ercotMw.Length != hourStartTicks.Length || zoneMw.Values.Any(z => z.Length != hourStartTicks.Length))
            throw new ArgumentException("hour, total and zone arrays differ in length");
        for (var i = 1; i < hourStartTicks.Length; i++)
            if (hourStartTicks[i] <= hourStartTicks[i - 1])
                throw new ArgumentException($"load hour {i} is not after the one before");
        _hourStartTicks = hourStartTicks;
        _ercotMw = ercotMw;
        _zoneMw = new Dictionary<string, double[]>(zoneMw, StringComparer.Ordinal);
    }

    public int Count => _hourStartTicks.Length;

    /// <summary>UTC ticks of each hour's start.</summary>
    public ReadOnlySpan<long> HourStartTicks => _hourStartTicks;

    /// <summary>ERCOT system native load in MW.</summary>
    public ReadOnlySpan<double> ErcotMw => _ercotMw;

    /// <summary>Weather zones present, as named by the file's columns without "_mw" (coast, east, fwest, north, ncent, south, scent, west).</summary>
    public IReadOnlyCollection<string> Zones => _zoneMw.Keys;

    /// <summary>Load of one weather zone in MW, aligned with <see cref="HourStartTicks"/>.</summary>
    public ReadOnlySpan<double> ZoneMw(string zone) =>
        _zoneMw.TryGetValue(zone, out var values) ? values : throw new ArgumentException($"no weather zone '{zone}'; zones: {string.Join(", ", Zones)}");

    public DateTimeOffset HourStart(int index) => new(_hourStartTicks[index], TimeSpan.Zero);

    /// <summary>Index of the hour containing <paramref name="instant"/>, or -1 when outside the series or in a gap.</summary>
    public int IndexAt(DateTimeOffset instant)
    {
        var ticks = instant.UtcTicks;
        var i = Array.BinarySearch(_hourStartTicks, ticks);
        if (i < 0) i = ~i - 1;
        return i >= 0 && ticks < _hourStartTicks[i] + Interval.Ticks ? i : -1;
    }

    /// <summary>ERCOT system load at an instant, if the series covers it.</summary>
    public double? ErcotMwAt(DateTimeOffset instant)
    {
        var i = IndexAt(instant);
        return i < 0 ? null : _ercotMw[i];
    }

    /// <summary>The system total as an hourly series (MW), the shape the forecaster and the 4CP model read.</summary>
    public PriceSeries ToPriceSeries()
    {
        var ends = _hourStartTicks.Select(s => s + Interval.Ticks).ToArray();
        return new PriceSeries(SeriesName, _hourStartTicks.ToArray(), ends, _ercotMw.ToArray());
    }
}
