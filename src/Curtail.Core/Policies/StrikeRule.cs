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
}
