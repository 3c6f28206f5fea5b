using System.Globalization;

namespace Curtail.Core.LoadFollowing;

/// <summary>
/// Available genset power over time, as a flare-gas supply allows it: a sorted series of (offset, available kW)
/// points, each holding until the next. Read from a CSV (<c>time,available_kw</c>; time is either seconds from
/// the start or an ISO-8601 instant) or generated as a seeded random walk with gas-pressure drops.
/// Used by the genset emulator and by genset-profile backtests.
/// </summary>
public sealed class GensetSupplyProfile
{
    private readonly TimeSpan[] _offsets;
    private readonly double[] _availableKw;

    public GensetSupplyProfile(IReadOnlyList<(TimeSpan Offset, double AvailableKw)> points, DateTimeOffset? start = null, TimeSpan? lastPointDuration = null)
    {
        if (points.Count == 0) throw new ArgumentException("a supply profile needs at least one point", nameof(points));
        _offsets = points.Select(p => p.Offset).ToArray();
        _availableKw = points.Select(p => p.AvailableKw).ToArray();
        for (var i = 1; i < _offsets.Length; i++)
            if (_offsets[i] <= _offsets[i - 1]) throw new ArgumentException($"point {i} is not after point {i - 1}", nameof(points));
        Start = start;
        var tail = lastPointDuration ?? (_offsets.Length > 1 ? _offsets[^1] - _offsets[^2] : TimeSpan.FromSeconds(1));
        Duration = _offsets[^1] + tail;
    }

    /// <summary>Absolute start when the CSV gave instants; null for relative profiles.</summary>
    public DateTimeOffset? Start { get; }
    /// <summary>Length of the profile (last point + one step).</summary>
    public TimeSpan Duration { get; }
    public int Count => _offsets.Length;
    public IEnumerable<(TimeSpan Offset, double AvailableKw)> Points => _offsets.Zip(_availableKw);

    /// <summary>Available kW at <paramref name="offset"/> from the start; wraps around when <paramref name="loop"/>.</summary>
    public double AvailableKwAt(TimeSpan offset, bool loop = true)
    {
        if (offset < TimeSpan.Zero) offset = TimeSpan.Zero;
        if (loop && offset >= Duration) offset = TimeSpan.FromTicks(offset.Ticks % Duration.Ticks);
        var i = Array.BinarySearch(_offsets, offset);
        if (i < 0) i = Math.Max(0, ~i - 1);
        return _availableKw[i];
    }

    /// <summary>Available kW at an absolute instant (profiles with instants), else relative to <paramref name="origin"/>.</summary>
    public double AvailableKwAt(DateTimeOffset time, DateTimeOffset origin, bool loop = true) =>
        AvailableKwAt(time - (Start ?? origin), loop);

    public static GensetSupplyProfile LoadCsv(string path)
    {
        using var reader = new StreamReader(path);
        return ParseCsv(reader, path);
    }

    /// <summary>Parses <c>time,available_kw</c> rows. Bad rows throw <see cref="InvalidInputException"/> naming the line.</summary>
    public static GensetSupplyProfile ParseCsv(TextReader reader, string source)
    {
        var header = reader.ReadLine() ?? throw new InvalidInputException(source, 1, "empty file; expected header 'time,available_kw'");
        var columns = header.Split(',').Select(c => c.Trim().ToLowerInvariant()).ToArray();
        var timeCol = Array.IndexOf(columns, "time");
        var kwCol = Array.IndexOf(columns, "available_kw");
        if (timeCol < 0 || kwCol < 0)
            throw new InvalidInputException(source, 1, $"header must have columns 'time' and 'available_kw', got '{header}'");
        var points = new List<(TimeSpan, double)>();
        DateTimeOffset? start = null;
        bool? absolute = null;
        var lineNo = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line) || line.TrimStart().StartsWith('#')) continue;
            var cells = line.Split(',');
            if (cells.Length <= Math.Max(timeCol, kwCol))
                throw new InvalidInputException(source, lineNo, $"expected {columns.Length} columns, got {cells.Length}");
            var timeText = cells[timeCol].Trim();
            TimeSpan offset;
            if (double.TryParse(timeText, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds))
            {
                if (absolute == true) throw new InvalidInputException(source, lineNo, "mixes seconds and instants in the time column");
                absolute = false;
                offset = TimeSpan.FromSeconds(seconds);
            }
            else if (DateTimeOffset.TryParse(timeText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant))
            {
                if (absolute == false) throw new InvalidInputException(source, lineNo, "mixes seconds and instants in the time column");
                absolute = true;
                start ??= instant;
                offset = instant - start.Value;
            }
            else throw new InvalidInputException(source, lineNo, $"time '{timeText}' is neither seconds nor an ISO-8601 instant");
            if (!double.TryParse(cells[kwCol].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var kw) || !double.IsFinite(kw) || kw < 0)
                throw new InvalidInputException(source, lineNo, $"available_kw '{cells[kwCol].Trim()}' is not a non-negative number");
            if (points.Count > 0 && offset <= points[^1].Item1)
                throw new InvalidInputException(source, lineNo, $"time '{timeText}' is not after the previous row (rows must be sorted, no duplicates)");
            points.Add((offset, kw));
        }
        if (points.Count == 0) throw new InvalidInputException(source, lineNo, "no data rows");
        if (points[0].Item1 < TimeSpan.Zero) throw new InvalidInputException(source, 2, "time must not be negative");
        return new GensetSupplyProfile(points, start);
    }

    /// <summary>
    /// A seeded random walk around 95 % of rated with occasional gas-pressure drops (to 45-75 % for 20-120 s,
    /// then a ramp back over about a minute). The same seed gives the same profile.
    /// </summary>
    public static GensetSupplyProfile RandomWalk(int seed, double ratedKw, TimeSpan duration, TimeSpan? step = null, double dropsPerHour = 6)
    {
        var dt = step ?? TimeSpan.FromSeconds(1);
        var rng = new Random(seed);
        var n = Math.Max(1, (int)(duration.Ticks / dt.Ticks));
        var points = new List<(TimeSpan, double)>(n);
        var level = 0.95;
        var dropLeft = 0;
        var dropDepth = 1.0;
        var recovery = 1.0;
        var dropChance = dropsPerHour * dt.TotalHours;
        for (var i = 0; i < n; i++)
        {
            level = Math.Clamp(level + (rng.NextDouble() - 0.5) * 0.01, 0.85, 1.0);
            if (dropLeft == 0 && recovery >= 1 && rng.NextDouble() < dropChance)
            {
                dropLeft = (int)(rng.Next(20, 121) / dt.TotalSeconds) + 1;
                dropDepth = 0.45 + rng.NextDouble() * 0.30;
                recovery = dropDepth;
            }
            double factor;
            if (dropLeft > 0)
            {
                dropLeft--;
                factor = dropDepth;
            }
            else
            {
                recovery = Math.Min(1, recovery + dt.TotalSeconds / 60);
                factor = recovery;
            }
            points.Add((dt * i, Math.Round(ratedKw * Math.Min(level, factor * level), 1)));
        }
        return new GensetSupplyProfile(points, null, dt);
    }
}
