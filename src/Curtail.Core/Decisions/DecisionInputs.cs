namespace Curtail.Core.Decisions;

/// <summary>
/// Everything a policy may know when the interval [IntervalStartTicks, IntervalEndTicks) begins: the prices of
/// intervals already settled (oldest first, most recent last), the SCED LMPs posted since the last of them, and the
/// day's hashprice. Never the interval's own settled price.
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
    /// SCED LMPs (NP6-788-CD, a run about every 5 minutes) of the runs posted after the last settled interval ended,
    /// oldest first, one per run: "SCED so far" in the intervals not settled yet. Empty when there is none (no SCED
    /// feed, or a backtest on settled prices only), and then policies decide on settled prices alone.
    /// </summary>
    public ReadOnlySpan<double> ScedPrices { get; init; }

    /// <summary>True when a SCED run is newer than the last settled price, so the policy acts on its LMP.</summary>
    public bool DecidesOnSced => !ScedPrices.IsEmpty;

    /// <summary>The newest price known: the latest SCED LMP after the last settled interval, else the last settled price.</summary>
    public double? LatestPrice => DecidesOnSced ? ScedPrices[^1] : LastSettledPrice;
}

/// <summary>What a policy wants for one group before the engine applies the operating constraints.</summary>
public readonly record struct GroupIntent(double PowerFraction, DecisionReason Reason)
{
    public static GroupIntent Curtail(DecisionReason reason) => new(0, reason);
    public static GroupIntent Run(DecisionReason reason, double fraction = 1) => new(fraction, reason);
    public bool WantsRunning => PowerFraction > 0;
}
