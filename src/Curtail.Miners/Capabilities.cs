namespace Curtail.Miners;

/// <summary>
/// Every miner can be read. Actuation is an optional capability: a family that cannot sleep or take a power target
/// simply does not implement <see cref="ISleepable"/> or <see cref="IPowerTargetable"/>. Failures are
/// <see cref="MinerException"/>s naming the miner and the reason.
/// </summary>
public interface IMiner
{
    /// <summary>Stable identifier used in logs and results (host:port unless the fleet file names it).</summary>
    string Id { get; }

    MinerEndpoint Endpoint { get; }

    MinerFamily Family { get; }

    /// <summary>Nameplate spec used to estimate power when the firmware does not report it.</summary>
    ModelSpec Model { get; }

    Task<MinerStatus> ReadStatusAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// A read cheaper than <see cref="IMiner.ReadStatusAsync"/> that still shows everything a command changes: mode,
/// power as the firmware reports it, hashrate, power target and active boards, but no temperatures, fans or identity.
/// The dispatcher's read-backs use it (a shed of 10,000 miners reads each miner back at least once); a reading from it
/// is as live as a full one, it just says less.
/// </summary>
public interface IPowerStateReadable : IMiner
{
    Task<MinerStatus> ReadPowerStateAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// A read-back for a sleep, cheaper still than <see cref="IPowerStateReadable"/>'s: whether the miner sleeps, what it
/// draws and hashes. A reading of a sleeping miner may leave out its power target (null), which a sleep does not
/// change; one of a miner that is not asleep says everything <see cref="IPowerStateReadable"/> would, so its mode is
/// never guessed. Braiins OS: two requests instead of three for the thousands of read-backs of a shed.
/// </summary>
public interface ISleepStateReadable : IMiner
{
    Task<MinerStatus> ReadSleepStateAsync(CancellationToken cancellationToken = default);
}

public interface ISleepable : IMiner
{
    /// <summary>Sends the sleep command. Returning means the command was delivered, not that power has dropped.</summary>
    Task SleepAsync(CancellationToken cancellationToken = default);

    /// <summary>Sends the wake command; the miner then ramps up over the firmware's own time.</summary>
    Task WakeAsync(CancellationToken cancellationToken = default);
}

public interface IPowerTargetable : IMiner
{
    /// <summary>Range of power targets this miner accepts, in W.</summary>
    Task<PowerLimits> GetPowerLimitsAsync(CancellationToken cancellationToken = default);

    /// <summary>Sets the power target in W; outside <see cref="GetPowerLimitsAsync"/> it throws before sending.</summary>
    Task SetPowerTargetAsync(double watts, CancellationToken cancellationToken = default);
}

/// <summary>
/// Sheds load a hashboard at a time: the miner keeps running with fewer boards, so its fans keep turning and no
/// restart is needed to bring the boards back (hass-miner #359).
/// </summary>
public interface IHashboardSheddable : IMiner
{
    /// <summary>How many hashboards the miner has.</summary>
    Task<int> GetHashboardCountAsync(CancellationToken cancellationToken = default);

    /// <summary>Enables the first <paramref name="count"/> boards and disables the rest; 1..count, throws before sending otherwise.</summary>
    Task SetActiveHashboardsAsync(int count, CancellationToken cancellationToken = default);
}

public readonly record struct PowerLimits(double MinW, double MaxW)
{
    public bool Contains(double watts) => watts >= MinW - 0.5 && watts <= MaxW + 0.5;

    public override string ToString() => $"[{MinW:0}, {MaxW:0}] W";
}
