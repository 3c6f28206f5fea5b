namespace Curtail.Core.Decisions;

/// <summary>
/// Everything a policy may know when the interval [IntervalStartTicks, IntervalEndTicks) begins: the prices of
/// intervals already settled (oldest first, most recent last) and the day's hashprice. Never the interval's own price.
/// On ERCOT's SCED clock (<see cref="DecidesOnSced"/>) the interval is a 5-minute sub-interval of a 15-minute
/// settlement interval: <see cref="SettledPrices"/> are still the 15-minute SPPs of the intervals that have ended, and
/// <see cref="ScedPrices"/> adds the SCED LMPs of the 5-minute sub-intervals that have ended, so the latest price a
/// reactive rule reads (<see cref="DecisionPrices"/>) is the last SCED LMP.
/// </summary>
public readonly ref struct DecisionInputs
{
    public required long IntervalStartTicks { get; init; }
    public required long IntervalEndTicks { get; init; }
    public required ReadOnlySpan<double> SettledPrices { get; init; }
    public required double HashpriceUsdPerThDay { get; init; }

    /// <summary>Position of the interval in a backtest (plans made in advance are indexed by it); -1 in live control.</summary>
    public int IntervalIndex { get; init; }

    public double? LastSettledPrice => SettledPrices.IsEmpty ? null : SettledPrices[^1];

    /// <summary>
    /// When the last of <see cref="SettledPrices"/> ended (UTC ticks); 0 when it is the interval just before the one
    /// decided (a backtest). Live, a settlement price is posted minutes after its interval: SCED windows
    /// (<see cref="SlidingWindows"/>) read the SCED LMPs for the time since.
    /// </summary>
    public long LastSettledEndTicks { get; init; }

    /// <summary>
    /// True when decisions are taken every SCED run (5 minutes) rather than every settled 15-minute interval.
    /// </summary>
    public bool DecidesOnSced { get; init; }

    /// <summary>
    /// On the SCED clock: the SCED LMP of each 5-minute sub-interval that has ended (oldest first; the last one is the
    /// price in force when this sub-interval begins). Empty on the 15-minute clock.
    /// </summary>
    public ReadOnlySpan<double> ScedPrices { get; init; }

    /// <summary>
    /// The price history a reactive rule (strike, confirmation, hysteresis) reads, most recent last: the SCED LMPs on
    /// the SCED clock, so that confirmation counts SCED runs; the settled 15-minute prices otherwise.
    /// </summary>
    public ReadOnlySpan<double> DecisionPrices => DecidesOnSced ? ScedPrices : SettledPrices;
}

/// <summary>What a policy wants for one group before the engine applies the operating constraints.</summary>
public readonly record struct GroupIntent(double PowerFraction, DecisionReason Reason)
{
    public static GroupIntent Curtail(DecisionReason reason) => new(0, reason);
    public static GroupIntent Run(DecisionReason reason, double fraction = 1) => new(fraction, reason);
    public bool WantsRunning => PowerFraction > 0;
}
