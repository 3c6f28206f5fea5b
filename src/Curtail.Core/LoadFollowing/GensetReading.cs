namespace Curtail.Core.LoadFollowing;

/// <summary>Canonical engine states (default map, modbus.md §2.8); vendor enums are mapped onto these.</summary>
public enum EngineState
{
    Stopped = 0,
    Starting = 1,
    RunningUnloaded = 2,
    RunningLoaded = 3,
    CoolingDown = 4,
    Stopping = 5,
    Shutdown = 6,
    NotReady = 7,
    Unknown = 255,
}

/// <summary>Canonical genset alarms (bit numbers of the default map's alarm_bits register).</summary>
[Flags]
public enum GensetAlarms
{
    None = 0,
    Shutdown = 1 << 0,
    Warning = 1 << 1,
    Overload = 1 << 2,
    UnderFrequency = 1 << 3,
    OverFrequency = 1 << 4,
    LowFuelGasPressure = 1 << 5,
    ReversePower = 1 << 6,
    DerateActive = 1 << 7,
    EcuCommsFault = 1 << 8,
    EmergencyStop = 1 << 9,
    /// <summary>Running below the minimum load (wet stacking) for longer than the controller allows.</summary>
    UnderLoad = 1 << 10,
}

/// <summary>What is wrong with a reading. A flagged value is reported, never silently used.</summary>
[Flags]
public enum ReadingIssues
{
    None = 0,
    /// <summary>The reading is older than the caller's maximum age.</summary>
    Stale = 1 << 0,
    /// <summary>The heartbeat register has not changed for longer than the freeze timeout: the controller is hung.</summary>
    HeartbeatFrozen = 1 << 1,
    /// <summary>A value lies outside its plausible range (or is a "not available" sentinel); that value is null.</summary>
    OutOfRange = 1 << 2,
    /// <summary>A required value is not in the map or was not delivered.</summary>
    Missing = 1 << 3,
    /// <summary>The map has no available-power point, so available power is the rated power.</summary>
    AvailableAssumedRated = 1 << 4,
}

/// <summary>
/// One typed snapshot of a genset, as the decision engine sees it. Powers in kW, frequency in Hz.
/// Values that were missing or implausible are null and named in <see cref="Problems"/>.
/// </summary>
public sealed record GensetReading
{
    public required DateTimeOffset TimeRead { get; init; }
    public double? ActivePowerKw { get; init; }
    public double? RatedPowerKw { get; init; }
    public double? AvailablePowerKw { get; init; }
    public double? FrequencyHz { get; init; }
    public EngineState EngineState { get; init; } = EngineState.Unknown;
    public bool? BreakerClosed { get; init; }
    public GensetAlarms Alarms { get; init; }
    public long? Heartbeat { get; init; }
    public ReadingIssues Issues { get; init; }
    /// <summary>Human-readable detail of each issue (point name and value).</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>Issues including staleness as seen at <paramref name="now"/>.</summary>
    public ReadingIssues IssuesAt(DateTimeOffset now, TimeSpan maxAge) =>
        now - TimeRead > maxAge ? Issues | ReadingIssues.Stale : Issues;

    /// <summary>
    /// True when the load follower may act on the reading: fresh, heartbeat alive, and active, available and
    /// frequency values present and plausible.
    /// </summary>
    public bool IsUsableAt(DateTimeOffset now, TimeSpan maxAge) =>
        IsFreshAt(now, maxAge) && ActivePowerKw is not null && AvailablePowerKw is not null && FrequencyHz is not null;

    /// <summary>Recent and from a live controller (heartbeat moving), whatever the values.</summary>
    public bool IsFreshAt(DateTimeOffset now, TimeSpan maxAge) =>
        (IssuesAt(now, maxAge) & (ReadingIssues.Stale | ReadingIssues.HeartbeatFrozen)) == 0;

    /// <summary>
    /// The reading with <see cref="TimeRead"/> moved from the device clock (which judges the link in real seconds) onto
    /// the service clock (the replay clock in `curtail demo`), keeping its age: what records and the API show, so that a
    /// reading's time sits on the same clock as the prices and decisions around it.
    /// </summary>
    public GensetReading OnServiceClock(DateTimeOffset deviceNow, DateTimeOffset serviceNow) =>
        deviceNow == serviceNow ? this : this with { TimeRead = serviceNow - (deviceNow - TimeRead) };

    /// <summary>Breaker closed (or not reported) and engine running on load (or state not reported).</summary>
    public bool IsOnLoad => EngineState is EngineState.RunningLoaded or EngineState.Unknown && BreakerClosed != false;
}
