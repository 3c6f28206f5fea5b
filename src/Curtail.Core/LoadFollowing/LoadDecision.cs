namespace Curtail.Core.LoadFollowing;

public enum LoadDecisionReason
{
    /// <summary>Target is what was requested; the genset has room for it.</summary>
    Following,
    /// <summary>Target capped at available × (1 − headroom).</summary>
    HeadroomLimit,
    /// <summary>Increase limited to max_step_load_pct for this step.</summary>
    StepLimited,
    /// <summary>No increase: settle time since the last step has not passed, or frequency has not recovered.</summary>
    Settling,
    /// <summary>Target raised to the genset's minimum load.</summary>
    MinLoad,
    /// <summary>Active power above available power, or the overload alarm: shed.</summary>
    Overload,
    /// <summary>Frequency below the floor: the genset is at its limit whatever its kW says; shed.</summary>
    UnderFrequency,
    /// <summary>Breaker open or engine not running on load: no site load.</summary>
    GensetOffline,
    /// <summary>A reading was missed; holding the last target while the link-loss timeout runs.</summary>
    ReadingMissed,
    /// <summary>Link lost (or readings unusable) for the link-loss timeout: holding present load.</summary>
    FailSafeHold,
    /// <summary>Link lost (or readings unusable) for the link-loss timeout: shed to the safe load.</summary>
    FailSafeShed,
}

/// <summary>
/// The load follower's answer for one control cycle. <see cref="TargetKw"/> is the site load to run at;
/// <see cref="CeilingKw"/> is the most the genset can take right now (the target never exceeds it).
/// </summary>
public sealed record LoadDecision(
    DateTimeOffset Time,
    double TargetKw,
    double CeilingKw,
    LoadDecisionReason Reason,
    string Detail)
{
    public bool IsFailSafe => Reason is LoadDecisionReason.FailSafeHold or LoadDecisionReason.FailSafeShed;
    public bool IsShed => Reason is LoadDecisionReason.Overload or LoadDecisionReason.UnderFrequency
        or LoadDecisionReason.GensetOffline or LoadDecisionReason.FailSafeShed;

    public override string ToString() => $"{Time:O} target {TargetKw:F1} kW (ceiling {CeilingKw:F1} kW) {Reason}: {Detail}";
}

/// <summary>The readings that call for a shed: active power above available, the overload alarm, under-frequency.</summary>
public readonly record struct OverloadSignals(bool AboveAvailable, bool OverloadAlarm, bool UnderFrequency)
{
    public bool Any => AboveAvailable || OverloadAlarm || UnderFrequency;
}
