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
/// ends (ERCOT posts SPPs shortly after the interval): the window then reads one interval older for its settled part.
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
    /// </summary>
    public static int Fill(long decisionTicks, ReadOnlySpan<double> settled, ReadOnlySpan<double> sced, Span<double> windows)
    {
        var k = ElapsedParts(decisionTicks);
        if (sced.Length < k) k = sced.Length;
        var n = Math.Min(windows.Length, settled.Length);
        if (n == 0) return 0;
        var dest = windows[^n..];
        if (k == 0)
        {
            settled[^n..].CopyTo(dest);
        }
        else
        {
            double recent = 0;
            foreach (var lmp in sced[^k..]) recent += lmp;
            dest[^1] = ((PartsPerInterval - k) * settled[^1] + recent) / PartsPerInterval;
            for (var m = 1; m < n; m++)
                dest[^(m + 1)] = ((PartsPerInterval - k) * settled[^(m + 1)] + k * settled[^m]) / PartsPerInterval;
        }
        return n;
    }
}
