namespace Curtail.Core.LoadFollowing;

/// <summary>What the controller does when it has had no usable genset reading for <see cref="LoadFollowingSettings.LinkLossTimeout"/>.</summary>
public enum FailSafeMode
{
    /// <summary>Keep the site at its present load: no increases until readings come back.</summary>
    Hold,
    /// <summary>Shed to <see cref="LoadFollowingSettings.SafeLoadKw"/> (a load the genset carries in any state).</summary>
    ShedToSafeLoad,
}

/// <summary>Load-following settings. Percentages are of the genset's rated power.</summary>
public sealed record LoadFollowingSettings
{
    /// <summary>Fraction of available power kept free: the target never exceeds available × (1 − headroom).</summary>
    public double Headroom { get; init; } = 0.10;
    /// <summary>Largest single load increase, % of rated (ISO 8528-5 / engine data sheet; 15 % for lean-burn gas).</summary>
    public double MaxStepLoadPct { get; init; } = 15;
    /// <summary>Minimum time between two load increases, so frequency recovers.</summary>
    public TimeSpan SettleTime { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>Frequency below which the genset is treated as overloaded, whatever the kW figures say.</summary>
    public double FrequencyFloorHz { get; init; } = 59.4;
    /// <summary>Frequency the genset must be back at before the next increase.</summary>
    public double RecoveredFrequencyHz { get; init; } = 59.7;
    /// <summary>Minimum continuous load, % of rated (wet stacking); respected unless the genset cannot carry it.</summary>
    public double MinLoadPct { get; init; } = 30;
    public FailSafeMode FailSafe { get; init; } = FailSafeMode.ShedToSafeLoad;
    /// <summary>Site load the genset can carry in any state; used by <see cref="FailSafeMode.ShedToSafeLoad"/>.</summary>
    public double SafeLoadKw { get; init; }
    /// <summary>Time without a usable reading before the fail-safe applies. At most 2 s.</summary>
    public TimeSpan LinkLossTimeout { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>A reading older than this is stale and not acted on.</summary>
    public TimeSpan MaxReadingAge { get; init; } = TimeSpan.FromSeconds(2);

    public static readonly TimeSpan MaxLinkLossTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Throws <see cref="InvalidInputException"/> naming the first bad setting.</summary>
    public LoadFollowingSettings Validate(string source = "load_following")
    {
        if (Headroom is < 0 or >= 1 || double.IsNaN(Headroom)) Fail("headroom", $"must be in [0, 1), got {Headroom}");
        if (MaxStepLoadPct is <= 0 or > 100 || double.IsNaN(MaxStepLoadPct)) Fail("max_step_load_pct", $"must be in (0, 100], got {MaxStepLoadPct}");
        if (SettleTime < TimeSpan.Zero) Fail("settle_time", $"must not be negative, got {SettleTime}");
        if (MinLoadPct is < 0 or > 100 || double.IsNaN(MinLoadPct)) Fail("min_load_pct", $"must be in [0, 100], got {MinLoadPct}");
        if (SafeLoadKw < 0 || double.IsNaN(SafeLoadKw)) Fail("safe_load_kw", $"must be >= 0, got {SafeLoadKw}");
        if (LinkLossTimeout <= TimeSpan.Zero || LinkLossTimeout > MaxLinkLossTimeout)
            Fail("link_loss_timeout", $"must be in (0, 2 s], got {LinkLossTimeout.TotalSeconds} s");
        if (MaxReadingAge <= TimeSpan.Zero) Fail("max_reading_age", "must be positive");
        if (RecoveredFrequencyHz < FrequencyFloorHz) Fail("recovered_frequency_hz", $"must be >= frequency_floor_hz ({FrequencyFloorHz})");
        return this;

        void Fail(string key, string message) => throw new InvalidInputException(source, null, $"{key}: {message}");
    }
}
