namespace Curtail.Core.Decisions;

public enum GroupMode
{
    Running,
    Curtailed,
}

/// <summary>
/// What a fleet group is doing and since when (UTC ticks of the last mode change). Live control re-reads this from the
/// miners every cycle; the backtest carries it from one interval to the next.
/// </summary>
public readonly record struct GroupState(GroupMode Mode, long SinceTicks, double PowerFraction)
{
    /// <summary>Long enough ago that every minimum on/off time and wake-up is over, without overflowing tick arithmetic.</summary>
    public const long LongAgoTicks = long.MinValue / 4;

    public static GroupState RunningLongSince { get; } = new(GroupMode.Running, LongAgoTicks, 1);

    public bool IsRunning => Mode == GroupMode.Running;
}
