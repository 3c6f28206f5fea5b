using Curtail.Core.Prices;

namespace Curtail.Ercot.Reading;

/// <summary>How a row's interval ends.</summary>
internal readonly record struct IntervalRule(long FixedLengthTicks, long LastHoldTicks)
{
    /// <summary>Every interval has the same length (15-minute SPP, hourly DAM); absent intervals are reported as missing.</summary>
    public static IntervalRule Fixed(TimeSpan length) => new(length.Ticks, 0);

    /// <summary>
    /// Each value holds until the next row starts (SCED runs come at irregular times); the last one holds for
    /// <paramref name="lastHold"/>. Irregular spacing is normal here, so no interval is ever "missing".
    /// </summary>
    public static IntervalRule HoldUntilNext(TimeSpan lastHold) => new(0, lastHold.Ticks);

    public bool IsFixed => FixedLengthTicks > 0;
}

/// <summary>
/// Joins the accepted rows of one settlement point from one or more files (e.g. one per year) into a PriceSeries,
/// reporting duplicates, rows out of order and missing intervals with the file and line where they show.
/// </summary>
internal static class SeriesAssembler
{
    public static PriceSeries Assemble(string point, IEnumerable<RowBuffer> parts, IntervalRule rule, ProblemLog log,
        long? windowStartTicks = null, long? windowEndTicks = null)
    {
        var ordered = parts.Where(p => p.Count > 0).OrderBy(p => p.Starts[0]).ToList();
        var total = ordered.Sum(p => p.Count);
        var starts = new long[total];
        var ends = new long[total];
        var prices = new double[total];
        var lines = new int[total];
        var files = new string[total];
        var n = 0;
        foreach (var part in ordered)
        {
            var partStarts = part.Starts;
            var partValues = part.Values;
            var partLines = part.Lines;
            for (var i = 0; i < part.Count; i++)
            {
                var start = partStarts[i];
                var line = partLines[i];
                if (rule.IsFixed && start % rule.FixedLengthTicks != 0)
                {
                    log.Add(part.File, line, RowProblemKind.Unparseable,
                        $"{point} interval starting {Utc(start)} is not on the {TimeSpan.FromTicks(rule.FixedLengthTicks).TotalMinutes:0}-minute grid");
                    continue;
                }
                if (n > 0)
                {
                    var previousEnd = rule.IsFixed ? ends[n - 1] : starts[n - 1] + 1;
                    if (start < previousEnd)
                    {
                        // Accepted starts are ascending, so an earlier copy of this interval (e.g. two files of one year) is found by search.
                        var earlier = Array.BinarySearch(starts, 0, n, start);
                        if (earlier >= 0)
                        {
                            log.Add(part.File, line, RowProblemKind.Duplicate,
                                $"duplicate {point} interval starting {Utc(start)} (first at {files[earlier]}:{lines[earlier]})");
                            continue;
                        }
                        log.Add(part.File, line, RowProblemKind.OutOfOrder,
                            $"{point} interval starting {Utc(start)} is out of order: it follows {Utc(starts[n - 1])} ({files[n - 1]}:{lines[n - 1]})");
                        continue;
                    }
                    if (rule.IsFixed && start > previousEnd)
                        log.Add(part.File, line, RowProblemKind.Missing,
                            $"{(start - previousEnd) / rule.FixedLengthTicks} {point} interval(s) missing from {Utc(previousEnd)} to {Utc(start)}");
                }
                starts[n] = start;
                ends[n] = rule.IsFixed ? start + rule.FixedLengthTicks : 0;
                prices[n] = partValues[i];
                lines[n] = line;
                files[n] = part.File;
                n++;
            }
        }
        if (!rule.IsFixed)
            for (var i = 0; i < n; i++)
                ends[i] = i + 1 < n ? starts[i + 1] : starts[i] + rule.LastHoldTicks;
        if (n > 0 && rule.IsFixed)
        {
            if (windowStartTicks is { } from && starts[0] > from)
                log.Add(files[0], lines[0], RowProblemKind.Missing,
                    $"{(starts[0] - from) / rule.FixedLengthTicks} {point} interval(s) missing at the start of the requested range, from {Utc(from)} to {Utc(starts[0])}");
            if (windowEndTicks is { } to && ends[n - 1] < to)
                log.Add(files[n - 1], lines[n - 1], RowProblemKind.Missing,
                    $"{(to - ends[n - 1]) / rule.FixedLengthTicks} {point} interval(s) missing at the end of the requested range, from {Utc(ends[n - 1])} to {Utc(to)}");
        }
        return n == total
            ? new PriceSeries(point, starts, ends, prices)
            : new PriceSeries(point, starts[..n], ends[..n], prices[..n]);
    }

    public static string Utc(long ticks) => new DateTime(ticks, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm'Z'");
}
