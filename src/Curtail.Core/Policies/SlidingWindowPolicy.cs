using Curtail.Core.Decisions;

namespace Curtail.Core.Policies;

/// <summary>
/// Runs a 15-minute rule on the SCED clock by handing it, at each SCED run, the 15-minute windows that end there
/// (<see cref="SlidingWindows"/>) as its settled prices: a reactive strike then confirms on the last 15 minutes' mean
/// rather than on a count of SCED runs. On the 15-minute clock it passes the decision through unchanged. Forecast
/// evaluation runs the tuned reactive rule this way, so that the gated rule's SCED windows are compared with the
/// same rule on the same windows (docs/forecasting.md).
/// </summary>
public sealed class SlidingWindowPolicy(ICurtailmentPolicy inner) : ICurtailmentPolicy
{
    /// <summary>Windows handed to the inner rule: enough for any confirmation a site file accepts.</summary>
    public const int Windows = 16;

    private readonly double[] _windows = new double[Windows];

    public string Name => $"{inner.Name} (SCED windows)";

    public void Decide(in DecisionInputs inputs, ReadOnlySpan<GroupState> groups, Span<GroupIntent> intents)
    {
        if (!inputs.DecidesOnSced)
        {
            inner.Decide(inputs, groups, intents);
            return;
        }
        var n = SlidingWindows.Fill(inputs.IntervalStartTicks, inputs.LastSettledEndTicks, inputs.SettledPrices, inputs.ScedPrices, _windows);
        var start = SlidingWindows.FloorToPart(inputs.IntervalStartTicks);
        inner.Decide(new DecisionInputs
        {
            IntervalStartTicks = start,
            IntervalEndTicks = start + TimeSpan.FromMinutes(15).Ticks,
            SettledPrices = _windows.AsSpan(Windows - n),
            HashpriceUsdPerThDay = inputs.HashpriceUsdPerThDay,
            IntervalIndex = inputs.IntervalIndex,
        }, groups, intents);
    }
}
