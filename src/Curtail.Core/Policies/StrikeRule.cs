using Curtail.Core.Decisions;

namespace Curtail.Core.Policies;

/// <summary>
/// The price rule shared by the threshold and breakeven policies, on the newest prices known: the settled prices
/// followed by the SCED runs posted since the last of them (<see cref="DecisionInputs.ScedPrices"/>). Curtail after
/// <c>confirm</c> consecutive prices above the strike (SCED runs when deciding on SCED; settled intervals before the
/// first run of an unsettled interval), or at once after one above the hard cap; resume once the latest price is below
/// the resume strike (hysteresis). Without SCED runs this is the settled-price rule.
/// </summary>
internal static class StrikeRule
{
    public static GroupIntent Apply(ReadOnlySpan<double> settled, bool running, double strike, double resumeBelow, int confirm, double? hardCap) =>
        Apply(settled, [], running, strike, resumeBelow, confirm, hardCap);

    public static GroupIntent Apply(in DecisionInputs inputs, bool running, double strike, double resumeBelow, int confirm, double? hardCap) =>
        Apply(inputs.SettledPrices, inputs.ScedPrices, running, strike, resumeBelow, confirm, hardCap);

    /// <summary>The rule on the sequence <paramref name="settled"/> then <paramref name="sced"/> (newest last).</summary>
    public static GroupIntent Apply(ReadOnlySpan<double> settled, ReadOnlySpan<double> sced, bool running, double strike, double resumeBelow, int confirm, double? hardCap)
    {
        var count = settled.Length + sced.Length;
        if (count == 0)
            return running ? GroupIntent.Run(DecisionReason.NoSettledPrice) : GroupIntent.Curtail(DecisionReason.NoSettledPrice);
        var last = sced.IsEmpty ? settled[^1] : sced[^1];
        if (hardCap is { } cap && last > cap)
            return GroupIntent.Curtail(DecisionReason.HardCapExceeded);
        if (running)
        {
            if (last <= strike) return GroupIntent.Run(DecisionReason.BelowStrike);
            if (count < confirm) return GroupIntent.Run(DecisionReason.AwaitingConfirmation);
            // The last `confirm` prices of the sequence: SCED runs newest first, then settled intervals.
            for (var k = 1; k <= confirm; k++)
            {
                var p = k <= sced.Length ? sced[^k] : settled[^(k - sced.Length)];
                if (p <= strike) return GroupIntent.Run(DecisionReason.AwaitingConfirmation);
            }
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
