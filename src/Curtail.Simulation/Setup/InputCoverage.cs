using Curtail.Core;
using Curtail.Core.Prices;
using Curtail.Core.Time;

namespace Curtail.Simulation.Setup;

/// <summary>Checks that a series of extra inputs (day-ahead prices, system load) covers a backtest window: missing hours are reported, never read as zero.</summary>
public static class InputCoverage
{
    /// <summary>The stretches of [fromTicks, toTicks) that no interval of <paramref name="series"/> covers, in order.</summary>
    public static IReadOnlyList<(DateTimeOffset From, DateTimeOffset To)> Missing(PriceSeries series, long fromTicks, long toTicks)
    {
        var gaps = new List<(DateTimeOffset, DateTimeOffset)>();
        var starts = series.StartTicks;
        var ends = series.EndTicks;
        var t = fromTicks;
        // The first interval that ends after t; intervals are sorted and do not overlap.
        var k = series.Count == 0 ? 0 : Math.Max(0, series.FirstStartingAtOrAfter(t) - 1);
        while (t < toTicks)
        {
            while (k < series.Count && ends[k] <= t) k++;
            if (k >= series.Count)
            {
                gaps.Add((Utc(t), Utc(toTicks)));
                break;
            }
            if (starts[k] > t)
            {
                var gapEnd = Math.Min(starts[k], toTicks);
                gaps.Add((Utc(t), Utc(gapEnd)));
                t = gapEnd;
                continue;
            }
            t = ends[k];
        }
        return gaps;
    }

    /// <summary>
    /// Throws an <see cref="InvalidInputException"/> naming the option, the files and the missing stretches (UTC and
    /// CPT) unless <paramref name="series"/> covers [fromTicks, toTicks).
    /// </summary>
    public static void Require(PriceSeries series, long fromTicks, long toTicks, string option, string what, IReadOnlyList<string> files)
    {
        var gaps = Missing(series, fromTicks, toTicks);
        if (gaps.Count == 0) return;
        var hours = gaps.Sum(g => (g.To - g.From).TotalHours);
        var shown = string.Join("; ", gaps.Take(3).Select(g =>
            $"{g.From:yyyy-MM-ddTHH:mm}Z..{g.To:yyyy-MM-ddTHH:mm}Z (CPT {CentralPrevailingTime.ToLocal(g.From):yyyy-MM-dd HH:mm}..{CentralPrevailingTime.ToLocal(g.To):yyyy-MM-dd HH:mm})"));
        throw new InvalidInputException(option, null,
            $"{what} in {string.Join(", ", files)} are missing for {hours:0.##} h of the window " +
            $"{Utc(fromTicks):yyyy-MM-ddTHH:mm}Z..{Utc(toTicks):yyyy-MM-ddTHH:mm}Z: {shown}{(gaps.Count > 3 ? $" and {gaps.Count - 3} more gaps" : "")}; " +
            "give files that cover the window (missing inputs are never read as zero)");
    }

    private static DateTimeOffset Utc(long ticks) => new(ticks, TimeSpan.Zero);
}
