namespace Curtail.Miners.Drivers;

/// <summary>What every driver shares: identity, model, clock and timeouts.</summary>
public abstract class MinerDriver : IMiner
{
    protected MinerDriver(string id, MinerEndpoint endpoint, ModelSpec model, MinerCredentials credentials,
        TimeProvider time, DriverOptions options)
    {
        Id = id;
        Endpoint = endpoint;
        Model = model;
        Credentials = credentials;
        Time = time;
        Options = options;
    }

    public string Id { get; }
    public MinerEndpoint Endpoint { get; }
    public ModelSpec Model { get; }
    public abstract MinerFamily Family { get; }
    protected MinerCredentials Credentials { get; }
    protected TimeProvider Time { get; }
    protected DriverOptions Options { get; }

    /// <summary>
    /// Reads the miner. Whatever goes wrong in one miner's reply (a shape the parser does not expect, a duplicate
    /// key, a number out of range, a value that is not finite) is a <see cref="MinerException"/> naming the miner,
    /// never another exception type: callers read whole fleets and must lose only this miner.
    /// </summary>
    public Task<MinerStatus> ReadStatusAsync(CancellationToken cancellationToken = default) =>
        ReadCheckedAsync(ReadStatusCoreAsync, cancellationToken);

    /// <summary>
    /// The cheaper read of <see cref="IPowerStateReadable"/> (for the drivers that declare it), with the same rules
    /// as <see cref="ReadStatusAsync"/>: one miner's bad reply is a <see cref="MinerException"/> naming it.
    /// </summary>
    public Task<MinerStatus> ReadPowerStateAsync(CancellationToken cancellationToken = default) =>
        ReadCheckedAsync(ReadPowerStateCoreAsync, cancellationToken);

    /// <summary>The read-back of a sleep (<see cref="ISleepStateReadable"/>, for the drivers that declare it), with the same rules.</summary>
    public Task<MinerStatus> ReadSleepStateAsync(CancellationToken cancellationToken = default) =>
        ReadCheckedAsync(ReadSleepStateCoreAsync, cancellationToken);

    /// <summary>What a sleep's read-back needs (mode and power); the power-state read unless a driver has a cheaper one.</summary>
    protected virtual Task<MinerStatus> ReadSleepStateCoreAsync(CancellationToken cancellationToken) => ReadPowerStateCoreAsync(cancellationToken);

    /// <summary>What a read-back needs (mode, power, hashrate, target, boards); the full read unless a driver has a cheaper one.</summary>
    protected virtual Task<MinerStatus> ReadPowerStateCoreAsync(CancellationToken cancellationToken) => ReadStatusCoreAsync(cancellationToken);

    private async Task<MinerStatus> ReadCheckedAsync(Func<CancellationToken, Task<MinerStatus>> read, CancellationToken cancellationToken)
    {
        MinerStatus status;
        try
        {
            status = await read(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not MinerException && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            throw MinerException.Contain(Id, "status read", ex);
        }
        // A reading the planner would add up must be a real number: NaN or infinity would poison the fleet's sum.
        if (!double.IsFinite(status.PowerW) || status.PowerW < 0 || !double.IsFinite(status.HashrateThs))
            throw Protocol($"status read: implausible reading ({status.PowerW} W, {status.HashrateThs} TH/s)");
        return status;
    }

    protected abstract Task<MinerStatus> ReadStatusCoreAsync(CancellationToken cancellationToken);

    protected int AuxPort => Endpoint.AuxPort ?? MinerEndpoint.DefaultAuxPort(Family)
        ?? throw new MinerException(Id, MinerFailureKind.Rejected, $"{Family} needs a second port and none is configured");

    protected MinerException Rejected(string reason) => new(Id, MinerFailureKind.Rejected, reason);

    protected MinerException Protocol(string reason) => new(Id, MinerFailureKind.Protocol, reason);

    protected async Task EnsureWithinLimitsAsync(IPowerTargetable self, double watts, CancellationToken ct)
    {
        var limits = await self.GetPowerLimitsAsync(ct).ConfigureAwait(false);
        if (!limits.Contains(watts))
            throw Rejected($"power target {watts:0} W is outside the miner's limits {limits}");
    }

    /// <summary>Power from the nameplate when the firmware gives none: P = P_nom · (H/H_nom)^1.45.</summary>
    protected double EstimatePower(double hashrateThs, bool sleeping) =>
        sleeping || hashrateThs <= 0 ? Model.SleepW : Model.PowerFor(hashrateThs);

    public override string ToString() => $"{Family} {Id}";
}
