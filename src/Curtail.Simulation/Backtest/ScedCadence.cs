using Curtail.Core;
using Curtail.Core.Prices;

namespace Curtail.Simulation.Backtest;

/// <summary>
/// ERCOT's SCED clock over a backtest window: every 15-minute settlement interval of the window split into three
/// 5-minute sub-intervals, each with the SCED LMP a controller sees at its end and the SPP it settles at.
/// <para>
/// Convention. A SCED run at time t sets the price until the next run; a run belongs to the 5-minute sub-interval
/// [floor5(t), floor5(t) + 5 min) it falls in (runs come about 30 s into their 5 minutes), and when several runs fall
/// in one sub-interval the last one is its price. A decision at the start of sub-interval k sees the LMPs of
/// sub-intervals 0..k−1, i.e. the price in force at that instant, never one of a run still to come. A sub-interval
/// without a run carries the previous sub-interval's LMP forward (across interval boundaries too) and is counted in
/// <see cref="MissingRuns"/>; the first sub-interval of the window, when it has no run, takes the last run before the
/// window, or else the first run in it. A window without any run is refused.
/// </para>
/// <para>
/// Settlement stays ERCOT's: each sub-interval books the energy actually used in it at its 15-minute interval's SPP,
/// so a group running two of the three sub-intervals pays for two thirds of the interval's energy.
/// </para>
/// </summary>
public sealed class ScedCadence
{
    public const int SubIntervalsPerInterval = 3;
    public const int DecisionCadenceMinutes = 5;
    public static readonly TimeSpan SubInterval = TimeSpan.FromMinutes(DecisionCadenceMinutes);
    private static readonly long SettlementTicks = TimeSpan.FromMinutes(15).Ticks;

    private ScedCadence(long[] startTicks, long[] endTicks, double[] settlementPrices, double[] lmps, int[] intervalIndex, int missingRuns, string source)
    {
        StartTicks = startTicks;
        EndTicks = endTicks;
        SettlementPrices = settlementPrices;
        Lmps = lmps;
        IntervalIndex = intervalIndex;
        MissingRuns = missingRuns;
        Source = source;
    }

    /// <summary>Number of 5-minute decision points (three per settlement interval).</summary>
    public int Count => Lmps.Length;

    /// <summary>UTC start and end ticks of each 5-minute sub-interval.</summary>
    public long[] StartTicks { get; }
    public long[] EndTicks { get; }

    /// <summary>The SPP of each sub-interval's 15-minute interval: what its energy settles at.</summary>
    public double[] SettlementPrices { get; }

    /// <summary>The SCED LMP of each sub-interval (see the convention above).</summary>
    public double[] Lmps { get; }

    /// <summary>Index, in the backtest's 15-minute price series, of each sub-interval's settlement interval.</summary>
    public int[] IntervalIndex { get; }

    /// <summary>Sub-intervals of the window without a SCED run of their own (the last LMP was carried forward).</summary>
    public int MissingRuns { get; }

    /// <summary>Where the SCED LMPs came from (file names), for messages.</summary>
    public string Source { get; }

    /// <summary>
    /// The SCED clock over the window [<paramref name="fromIndex"/>, <paramref name="toIndex"/>) of 15-minute settlement
    /// prices, with the LMPs of <paramref name="scedRuns"/> (one interval per SCED run, as <c>ScedLmpReader</c> reads them).
    /// </summary>
    /// <exception cref="InvalidInputException">The window is not 15-minute intervals, or has no SCED run at all.</exception>
    public static ScedCadence Build(PriceSeries settlement, int fromIndex, int toIndex, PriceSeries scedRuns, string source)
    {
        var n = toIndex - fromIndex;
        if (n <= 0) throw new ArgumentException("empty backtest window");
        var spp = settlement.Prices;
        var starts = settlement.StartTicks;
        var ends = settlement.EndTicks;
        for (var i = fromIndex; i < toIndex; i++)
            if (ends[i] - starts[i] != SettlementTicks)
                throw new InvalidInputException(settlement.SettlementPoint, null,
                    $"deciding on SCED needs 15-minute settlement intervals; the interval starting {new DateTimeOffset(starts[i], TimeSpan.Zero):yyyy-MM-ddTHH:mmZ} lasts {TimeSpan.FromTicks(ends[i] - starts[i])}");
        var windowStart = starts[fromIndex];
        var windowEnd = ends[toIndex - 1];
        var runs = scedRuns.StartTicks;
        var runPrices = scedRuns.Prices;
        var first = scedRuns.Count == 0 ? 0 : scedRuns.FirstStartingAtOrAfter(windowStart);
        if (scedRuns.Count == 0 || first >= scedRuns.Count || runs[first] >= windowEnd)
            throw new InvalidInputException(source, null,
                $"no {settlement.SettlementPoint} SCED runs between {new DateTimeOffset(windowStart, TimeSpan.Zero):yyyy-MM-ddTHH:mmZ} and " +
                $"{new DateTimeOffset(windowEnd, TimeSpan.Zero):yyyy-MM-ddTHH:mmZ}: the backtest cannot decide on SCED there (give SCED LMP files that cover the window, or leave --sced off)");

        var count = n * SubIntervalsPerInterval;
        var subStarts = new long[count];
        var subEnds = new long[count];
        var settle = new double[count];
        var lmps = new double[count];
        var parent = new int[count];
        var step = SubInterval.Ticks;
        // Before the first sub-interval: the last run before the window, else the first run inside it.
        var carried = first > 0 ? runPrices[first - 1] : runPrices[first];
        var r = first;
        var missing = 0;
        for (var k = 0; k < count; k++)
        {
            var i = fromIndex + k / SubIntervalsPerInterval;
            var start = starts[i] + k % SubIntervalsPerInterval * step;
            var end = start + step;
            subStarts[k] = start;
            subEnds[k] = end;
            settle[k] = spp[i];
            parent[k] = i;
            var found = false;
            while (r < runs.Length && runs[r] < end)
            {
                carried = runPrices[r++];
                found = true;
            }
            if (!found) missing++;
            lmps[k] = carried;
        }
        return new ScedCadence(subStarts, subEnds, settle, lmps, parent, missing, source);
    }
}
