namespace Curtail.Miners.Fleet;

/// <summary>
/// One miner in one fleet read. <see cref="Status"/> is live telemetry only when this read succeeded; a miner that
/// failed has no status (so no hashrate or power is ever shown as live for it), its <see cref="Error"/>, and what is
/// known from before: <see cref="LastSeen"/> (the last successful read) and <see cref="LastGood"/> (that reading).
/// </summary>
public sealed record MinerReading(FleetMember Member, MinerStatus? Status, string? Error)
{
    /// <summary>When this miner last answered a read (this read when it succeeded); null if never.</summary>
    public DateTimeOffset? LastSeen { get; init; }

    /// <summary>The last successful reading, which may be stale: for planning and display of age, not as live data.</summary>
    public MinerStatus? LastGood { get; init; }

    /// <summary>
    /// The miner's power-target limits, fetched with the read (null if it has none or they could not be had), so that
    /// a dispatch from this snapshot asks the fleet nothing more before its first command.
    /// </summary>
    public PowerLimits? Limits { get; init; }

    public bool IsLive => Status is not null;

    /// <summary>How long since the miner last answered, or null if it never has.</summary>
    public TimeSpan? Age(DateTimeOffset now) => LastSeen is { } seen ? now - seen : null;

    /// <summary>
    /// The power to plan with: the live reading, else the worst case for a shed, the larger of the last reading and
    /// the nameplate (a silent miner may have woken or been overclocked since).
    /// </summary>
    public double PlanningPowerW => Status?.PowerW ?? Math.Max(LastGood?.PowerW ?? 0, Member.Miner.Model.NominalW);
}
