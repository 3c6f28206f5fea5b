namespace Curtail.Emulators.Ercot;

/// <summary>How the ERCOT API emulator runs.</summary>
public sealed record ErcotEmulatorOptions
{
    /// <summary>Loopback port; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Emulated time when the emulator starts; data after it is not yet "published".</summary>
    public required DateTimeOffset StartUtc { get; init; }

    /// <summary>Emulated seconds per real second (24 serves a day an hour).</summary>
    public double Speed { get; init; } = 1;

    public string Username { get; init; } = "emulator";
    public string Password { get; init; } = "emulator";
    public string SubscriptionKey { get; init; } = "emulator-key";

    /// <summary>Calls per key per real minute before HTTP 429, as ERCOT publishes (about 30).</summary>
    public int RequestsPerMinute { get; init; } = 30;

    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Serve NP6-905-CD and NP4-190-CD replies in their post-RTC+B layout (the repeated-hour flag named RepeatedHourFlag
    /// instead of DSTFlag, as from operating day 2025-12-05), so clients can be tested on both versions.
    /// </summary>
    public bool RtcBLayout { get; init; }

    /// <summary>
    /// Ancillary-service clearing prices per SCED run (NP6-332-CD CSV: SCEDTimestamp, RepeatedHourFlag, ASType, MCPC),
    /// served from the archive endpoint one document per SCED run as it is "published"; null serves none. A name ending
    /// in .gz is read gzipped.
    /// </summary>
    public string? McpcFile { get; init; }
}
