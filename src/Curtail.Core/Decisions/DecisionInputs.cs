namespace Curtail.Core.Decisions;

/// <summary>
/// Everything a policy may know when the interval [IntervalStartTicks, IntervalEndTicks) begins: the prices of
/// intervals already settled (oldest first, most recent last) and the day's hashprice. Never the interval's own price.
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
}

/// <summary>What a policy wants for one group before the engine applies the operating constraints.</summary>
public readonly record struct GroupIntent(double PowerFraction, DecisionReason Reason)
{
    public static GroupIntent Curtail(DecisionReason reason) => new(0, reason);
    public static GroupIntent Run(DecisionReason reason, double fraction = 1) => new(fraction, reason);
    public bool WantsRunning => PowerFraction > 0;
}
