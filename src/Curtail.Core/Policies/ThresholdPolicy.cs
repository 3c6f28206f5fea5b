using Curtail.Core.Decisions;
using Curtail.Core.Sites;

namespace Curtail.Core.Policies;

/// <summary>
/// One site-wide strike on the latest prices (<see cref="DecisionInputs.DecisionPrices"/>), with confirmation, hard cap
/// and hysteresis. On the 15-minute clock confirmation counts settled intervals; on ERCOT's SCED clock it counts SCED
/// runs (5 minutes each), and a 5-minute rule needs a confirmation of at least 2 runs or it chatters on single-run
/// spikes (docs/economics.md).
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
                ? whenRunning ??= StrikeRule.Apply(inputs.DecisionPrices, true, _strike, _resume, _confirm, _hardCap)
                : whenCurtailed ??= StrikeRule.Apply(inputs.DecisionPrices, false, _strike, _resume, _confirm, _hardCap);
        }
    }

    public int SteadyUntil(ReadOnlySpan<double> prices, int from, int to, GroupMode mode) =>
        StrikeRule.SteadyUntil(prices, from, to, mode == GroupMode.Running, _strike, _resume, _hardCap);
}
