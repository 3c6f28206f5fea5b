using Curtail.Controller.Storage;

namespace Curtail.Controller.Dashboard;

/// <summary>One time bucket of the day's load chart: the mean and extremes of the measured load, the lowest target.</summary>
public sealed record LoadBucket(DateTimeOffset Time, double MeasuredKw, double MinMeasuredKw, double MaxMeasuredKw, double TargetKw, double? GensetAvailableKw, int Cycles);

/// <summary>A stretch of cycles whose target was below nameplate, and what limited the first of them.</summary>
public sealed record CurtailmentSpan(DateTimeOffset Start, DateTimeOffset End, string LimitedBy, double LowestTargetKw, bool Ongoing);

/// <summary>
/// Shapes the recorded cycles for the dashboard's day view. The load chart keeps the whole window by averaging cycles
/// into at most a fixed number of buckets (dropping old cycles scrolled the morning's curtailment off by evening);
/// the lowest target in a bucket is kept so a short cut still shows.
/// </summary>
public static class LoadHistory
{
    public static IReadOnlyList<LoadBucket> Downsample(IReadOnlyList<CyclePoint> cycles, DateTimeOffset from, DateTimeOffset to, int maxPoints)
    {
        if (cycles.Count <= maxPoints)
            return cycles.Select(c => new LoadBucket(c.Time, c.MeasuredKw, c.MeasuredKw, c.MeasuredKw, c.TargetKw, c.GensetAvailableKw, 1)).ToList();
        var width = Math.Max(1, (to - from).Ticks / maxPoints);
        return cycles.GroupBy(c => (c.Time - from).Ticks / width).OrderBy(g => g.Key).Select(g =>
        {
            var genset = g.Where(c => c.GensetAvailableKw is not null).Select(c => c.GensetAvailableKw!.Value).ToList();
            return new LoadBucket(from.AddTicks(g.Key * width), g.Average(c => c.MeasuredKw), g.Min(c => c.MeasuredKw), g.Max(c => c.MeasuredKw),
                g.Min(c => c.TargetKw), genset.Count > 0 ? genset.Average() : null, g.Count());
        }).ToList();
    }

    public static IReadOnlyList<CurtailmentSpan> Curtailments(IReadOnlyList<CyclePoint> cycles, double fullKw, DateTimeOffset now)
    {
        var spans = new List<CurtailmentSpan>();
        CyclePoint? first = null;
        var lowest = double.MaxValue;
        foreach (var c in cycles)
        {
            var curtailed = c.TargetKw < 0.99 * fullKw;
            if (curtailed)
            {
                first ??= c;
                lowest = Math.Min(lowest, c.TargetKw);
            }
            else if (first is not null)
            {
                spans.Add(new CurtailmentSpan(first.Time, c.Time, first.LimitedBy, lowest, false));
                (first, lowest) = (null, double.MaxValue);
            }
        }
        if (first is not null) spans.Add(new CurtailmentSpan(first.Time, now, first.LimitedBy, lowest, true));
        return spans;
    }
}
