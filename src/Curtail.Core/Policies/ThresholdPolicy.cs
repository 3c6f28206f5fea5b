using Curtail.Core.Decisions;
using Curtail.Core.Sites;

namespace Curtail.Core.Policies;

/// <summary>
/// One site-wide strike on the newest prices (settled, and SCED runs since the last settled interval when there are
/// any), with confirmation, hard cap and hysteresis.
/// </summary>
public sealed class ThresholdPolicy : ICurtailmentPolicy, ISteadyStretches
{
    private readonly double _strike;
    private readonly double _resume;
    private readonly int _confirm;
    private readonly double? _hardCap;

    public ThresholdPolicy(double curtailAbove, double resumeBelow, int confirmIntervals, double? hardCap)
    {
        if (resumeBelow > curtailAbove)
            throw new ArgumentException($"resume strike {resumeBelow} is above the curtail strike {curtailAbove}");
        if (confirmIntervals < 1) throw new ArgumentException("confirm_intervals must be at least 1");
        _strike = curtailAbove;
        _resume = resumeBelow;
        _confirm = confirmIntervals;
        _hardCap = hardCap;
    }

    public static ThresholdPolicy From(PolicySettings s) =>
        new(s.CurtailAboveUsdPerMwh ?? throw new ArgumentException("the threshold policy needs curtail_above_usd_per_mwh"),
            s.EffectiveResumeBelow!.Value, s.ConfirmIntervals, s.HardCapUsdPerMwh);

    public string Name => "threshold";

    public void Decide(in DecisionInputs inputs, ReadOnlySpan<GroupState> groups, Span<GroupIntent> intents)
    {
        // One strike for the site: groups in the same mode get the same intent, so evaluate the rule once per mode.
        GroupIntent? whenRunning = null, whenCurtailed = null;
        for (var g = 0; g < groups.Length; g++)
        {
            intents[g] = groups[g].IsRunning
                ? whenRunning ??= StrikeRule.Apply(inputs, true, _strike, _resume, _confirm, _hardCap)
                : whenCurtailed ??= StrikeRule.Apply(inputs, false, _strike, _resume, _confirm, _hardCap);
        }
    }

    public int SteadyUntil(ReadOnlySpan<double> prices, int from, int to, GroupMode mode) =>
        StrikeRule.SteadyUntil(prices, from, to, mode == GroupMode.Running, _strike, _resume, _hardCap);
}
