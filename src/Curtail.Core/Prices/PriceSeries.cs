namespace Curtail.Core.Prices;

/// <summary>
/// Prices of one settlement point as sorted, non-overlapping, half-open UTC intervals [start, end).
/// Stored as parallel arrays of UTC ticks so that lookups are a binary search and backtests stay cache friendly.
/// </summary>
public sealed class PriceSeries
{
    private readonly long[] _startTicks;
    private readonly long[] _endTicks;
    private readonly double[] _prices;

    public string SettlementPoint { get; }
    public int Count => _prices.Length;
    public ReadOnlySpan<double> Prices => _prices;
    public ReadOnlySpan<long> StartTicks => _startTicks;
    public ReadOnlySpan<long> EndTicks => _endTicks;

    public PriceSeries(string settlementPoint, long[] startTicks, long[] endTicks, double[] prices)
    {
        if (startTicks.Length != endTicks.Length || startTicks.Length != prices.Length)
            throw new ArgumentException("start, end and price arrays differ in length");
        for (var i = 0; i < startTicks.Length; i++)
        {
            if (endTicks[i] <= startTicks[i])
                throw new ArgumentException($"interval {i} of {settlementPoint} ends before it starts");
            if (i > 0 && startTicks[i] < endTicks[i - 1])
                throw new ArgumentException($"interval {i} of {settlementPoint} ({new DateTimeOffset(startTicks[i], TimeSpan.Zero):u}) overlaps or precedes the one before");
        }
        SettlementPoint = settlementPoint;
        _startTicks = startTicks;
        _endTicks = endTicks;
        _prices = prices;
    }

    public static PriceSeries FromIntervals(string settlementPoint, IReadOnlyList<PriceInterval> intervals)
    {
        var s = new long[intervals.Count];
        var e = new long[intervals.Count];
        var p = new double[intervals.Count];
        for (var i = 0; i < intervals.Count; i++)
        {
            s[i] = intervals[i].StartUtc.UtcTicks;
            e[i] = intervals[i].EndUtc.UtcTicks;
            p[i] = intervals[i].Price;
        }
        return new PriceSeries(settlementPoint, s, e, p);
    }

    public PriceInterval this[int index] => new(
        new DateTimeOffset(_startTicks[index], TimeSpan.Zero), new DateTimeOffset(_endTicks[index], TimeSpan.Zero), _prices[index]);

    public DateTimeOffset Start => new(_startTicks[0], TimeSpan.Zero);
    public DateTimeOffset End => new(_endTicks[^1], TimeSpan.Zero);

    /// <summary>Index of the interval containing <paramref name="instant"/>, or -1 when no interval covers it.</summary>
    public int IndexAt(DateTimeOffset instant)
    {
        var t = instant.UtcTicks;
        var i = FirstStartingAtOrAfter(t + 1) - 1;
        return i >= 0 && t < _endTicks[i] ? i : -1;
    }

    /// <summary>The price in force at an instant, if any.</summary>
    public double? PriceAt(DateTimeOffset instant)
    {
        var i = IndexAt(instant);
        return i < 0 ? null : _prices[i];
    }

    /// <summary>Index of the first interval whose start is at or after <paramref name="ticks"/> (Count when none).</summary>
    public int FirstStartingAtOrAfter(long ticks)
    {
        var i = Array.BinarySearch(_startTicks, ticks);
        return i >= 0 ? i : ~i;
    }

    /// <summary>The intervals starting in [from, to).</summary>
    public PriceSeries Slice(DateTimeOffset from, DateTimeOffset to)
    {
        var a = FirstStartingAtOrAfter(from.UtcTicks);
        var b = FirstStartingAtOrAfter(to.UtcTicks);
        return new PriceSeries(SettlementPoint, _startTicks[a..b], _endTicks[a..b], _prices[a..b]);
    }

    /// <summary>Joins series of one point (e.g. one file per year); they must not overlap.</summary>
    public static PriceSeries Concat(IEnumerable<PriceSeries> parts)
    {
        var ordered = parts.OrderBy(p => p.Count == 0 ? long.MaxValue : p._startTicks[0]).ToList();
        if (ordered.Count == 0) throw new ArgumentException("no price series to join");
        var point = ordered[0].SettlementPoint;
        if (ordered.Any(p => p.SettlementPoint != point))
            throw new ArgumentException("cannot join series of different settlement points");
        return new PriceSeries(point,
            ordered.SelectMany(p => p._startTicks).ToArray(),
            ordered.SelectMany(p => p._endTicks).ToArray(),
            ordered.SelectMany(p => p._prices).ToArray());
    }

    /// <summary>The common interval length, or null when intervals differ in length or leave gaps.</summary>
    public TimeSpan? UniformStep()
    {
        if (Count == 0) return null;
        var step = _endTicks[0] - _startTicks[0];
        for (var i = 0; i < Count; i++)
            if (_endTicks[i] - _startTicks[i] != step || (i > 0 && _startTicks[i] != _endTicks[i - 1]))
                return null;
        return TimeSpan.FromTicks(step);
    }
}

/// <summary>One price over the half-open UTC interval [StartUtc, EndUtc), in $/MWh.</summary>
public readonly record struct PriceInterval(DateTimeOffset StartUtc, DateTimeOffset EndUtc, double Price);
