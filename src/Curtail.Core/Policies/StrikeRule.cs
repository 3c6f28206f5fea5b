using Curtail.Core.Decisions;

namespace Curtail.Core.Policies;

/// <summary>
/// The settled-price rule shared by the threshold and breakeven policies: curtail after <c>confirm</c> consecutive
/// settled intervals above the strike, or at once after one above the hard cap; resume once the last settled price is
/// below the resume strike (hysteresis).
/// </summary>
internal static class StrikeRule
{
    public static GroupIntent Apply(ReadOnlySpan<double> settled, bool running, double strike, double resumeBelow, int confirm, double? hardCap)
    {
        if (settled.IsEmpty)
            return running ? GroupIntent.Run(DecisionReason.NoSettledPrice) : GroupIntent.Curtail(DecisionReason.NoSettledPrice);
        var last = settled[^1];
        if (hardCap is { } cap && last > cap)
            return GroupIntent.Curtail(DecisionReason.HardCapExceeded);
        if (running)
        {
            if (last <= strike) return GroupIntent.Run(DecisionReason.BelowStrike);
            if (settled.Length < confirm) return GroupIntent.Run(DecisionReason.AwaitingConfirmation);
            foreach (var p in settled[^confirm..])
                if (p <= strike) return GroupIntent.Run(DecisionReason.AwaitingConfirmation);
            return GroupIntent.Curtail(DecisionReason.AboveStrike);
        }
        return last < resumeBelow
            ? GroupIntent.Run(DecisionReason.BelowResumeStrike)
            : GroupIntent.Curtail(DecisionReason.HysteresisHold);
    }

    /// <summary>
    /// The first interval index in [from, to] at which <see cref="Apply"/> might take a group out of its mode, read
    /// off each interval's last settled price: running stays running while that price is at or below both the strike
    /// and the hard cap (confirmation cannot start without one above the strike); curtailed stays curtailed while it
    /// is at or above the resume strike or above the hard cap. Interval 0 has no settled price and is never skipped.
    /// </summary>
    public static int SteadyUntil(ReadOnlySpan<double> prices, int from, int to, bool running, double strike, double resumeBelow, double? hardCap)
    {
        if (from < 1) return from;
        var k = from;
        var cap = hardCap ?? double.PositiveInfinity;
        if (running)
        {
            var limit = Math.Min(strike, cap);
            while (k < to && prices[k - 1] <= limit) k++;
        }
        else
        {
            while (k < to && (prices[k - 1] >= resumeBelow || prices[k - 1] > cap)) k++;
        }
        return k;
    }
}
