namespace Curtail.Core.Decisions;

/// <summary>
/// The 15-minute windows that end at a SCED decision: ERCOT settles 15-minute intervals, but a controller deciding on
/// the SCED clock at 5 or 10 minutes into an interval can read the last 15 minutes as one more "settled" interval on a
/// grid shifted by that offset. A rule chosen on 15-minute prices (a strike, its confirmation, a forecast's veto) then
/// runs unchanged at every SCED run, on the freshest 15 minutes (docs/forecasting.md, "SCED windows").
/// <para>
/// With the decision at <c>t</c> (floored to 5 minutes), <c>k</c> 5-minute parts of the running interval elapsed
/// (0, 1 or 2) and <c>S</c> the settled 15-minute prices (newest last), the window ending at <c>t</c> is
/// <c>W0 = ((3 − k)·S[^1] + L1 + … + Lk) / 3</c>, with <c>L</c> the SCED LMPs of the running interval's elapsed parts
/// (the last <c>k</c> SCED prices), and an older window <c>Wm = ((3 − k)·S[^(m+1)] + k·S[^m]) / 3</c>. At <c>k = 0</c>
/// the windows are the settled prices themselves, so the rule decides exactly as on the 15-minute clock.
/// </para>
/// <para>
/// Live, the last settled price may still be the one before the previous interval for a few minutes after an interval
/// ends (ERCOT posts SPPs shortly after the interval): every 5-minute part after the last settled interval is then read
/// from its SCED run instead (the overload with the last settled interval's end), not from an older settled price.
/// </para>
/// </summary>
public static class SlidingWindows
{
    public const int PartsPerInterval = 3;
    private static readonly long PartTicks = TimeSpan.FromMinutes(5).Ticks;
    private static readonly long IntervalTicks = TimeSpan.FromMinutes(15).Ticks;

    /// <summary>The decision time floored to the SCED clock's 5 minutes.</summary>
    public static long FloorToPart(long ticks) => ticks - ticks % PartTicks;

    /// <summary>Elapsed 5-minute parts of the 15-minute interval holding <paramref name="ticks"/> (0, 1 or 2).</summary>
    public static int ElapsedParts(long ticks) => (int)(FloorToPart(ticks) % IntervalTicks / PartTicks);

    /// <summary>
    /// Fills the end of <paramref name="windows"/> with the last windows ending at the decision, oldest first, and returns
    /// how many it filled: <c>windows[^n..]</c> (fewer than asked when the settled history is short; 0 without a settled price).
    /// <paramref name="lastSettledEndTicks"/> is when the last settled interval ended (0: the interval before the running
    /// one, as in a backtest). Every 5-minute part after it is read from the SCED LMPs (newest last, one per part), so a
    /// settlement price posted late is replaced by the runs of its interval rather than by an older price.
    /// </summary>
    public static int Fill(long decisionTicks, long lastSettledEndTicks, ReadOnlySpan<double> settled, ReadOnlySpan<double> sced, Span<double> windows)
    {
        if (settled.IsEmpty) return 0;
        var t = FloorToPart(decisionTicks);
        // Parts since the last settled interval ended: the running interval's elapsed parts, plus three per interval
        // whose price is not posted yet.
        var unsettled = lastSettledEndTicks > 0 ? (int)Math.Clamp((t - lastSettledEndTicks) / PartTicks, 0, MaxUnsettledParts) : ElapsedParts(t);
        var n = 0;
        while (n < windows.Length && Available(n * PartsPerInterval + PartsPerInterval - 1, unsettled, settled.Length)) n++;
        for (var m = 0; m < n; m++)
        {
            var p = m * PartsPerInterval;
            windows[^(m + 1)] = (Part(p, unsettled, settled, sced) + Part(p + 1, unsettled, settled, sced) + Part(p + 2, unsettled, settled, sced)) / PartsPerInterval;
        }
        return n;
    }

    /// <summary>The most unsettled parts read from SCED (an hour): past it the settled feed has stopped, not lagged.</summary>
    public const int MaxUnsettledParts = 12;

    /// <inheritdoc cref="Fill(long, long, ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/>
    public static int Fill(long decisionTicks, ReadOnlySpan<double> settled, ReadOnlySpan<double> sced, Span<double> windows) =>
        Fill(decisionTicks, 0, settled, sced, windows);

    // Part p counts back from the decision (0 = the 5 minutes just ended). An unsettled part reads its SCED LMP (the
    // last settled price when the SCED history is shorter); a settled one its interval's settlement price.
    private static double Part(int p, int unsettled, ReadOnlySpan<double> settled, ReadOnlySpan<double> sced) =>
        p < unsettled ? (p < sced.Length ? sced[^(p + 1)] : settled[^1]) : settled[^(1 + (p - unsettled) / PartsPerInterval)];

    private static bool Available(int p, int unsettled, int settledCount) =>
        p < unsettled || 1 + (p - unsettled) / PartsPerInterval <= settledCount;
}
