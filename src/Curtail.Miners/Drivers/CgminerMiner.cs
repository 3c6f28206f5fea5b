using Curtail.Miners.Protocols;

namespace Curtail.Miners.Drivers;

/// <summary>
/// A plain cgminer/bmminer miner (no control API): read-only. It implements neither <see cref="ISleepable"/> nor
/// <see cref="IPowerTargetable"/>, so allocation never plans an action for it; its load counts as fixed.
/// </summary>
public sealed class CgminerMiner : MinerDriver
{
    private readonly CgminerClient _api;

    public CgminerMiner(string id, MinerEndpoint endpoint, ModelSpec model, TimeProvider time, DriverOptions? options = null)
        : base(id, endpoint, model, new MinerCredentials("", ""), time, options ?? DriverOptions.Default)
    {
        _api = new CgminerClient(id, endpoint.Host, endpoint.Port, Options.CommandTimeout);
    }

    public override MinerFamily Family => MinerFamily.Cgminer;

    protected override async Task<MinerStatus> ReadStatusCoreAsync(CancellationToken cancellationToken)
    {
        var summary = await _api.CommandAsync("summary", cancellationToken: cancellationToken).ConfigureAwait(false);
        var s = TolerantJson.First(summary, "SUMMARY") ?? throw Protocol("summary reply lacks SUMMARY");
        var ths = (TolerantJson.Number(s["GHS 5s"]) ?? (TolerantJson.Number(s["MHS 5s"]) / 1000) ?? 0) / 1000;
        return new MinerStatus(Id, Family, Model.Name, "cgminer", ths, EstimatePower(ths, false), PowerSource.Estimated, [],
            ths > 0 ? MinerMode.Running : MinerMode.Unknown, null, Time.GetUtcNow());
    }
}
