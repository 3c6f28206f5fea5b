using System.Globalization;
using System.Text.Json.Nodes;
using Curtail.Miners.Protocols;

namespace Curtail.Miners.Drivers;

/// <summary>
/// Braiins OS through its REST API (/api/v1, BOS ≥ 25.07, the path asic-rs uses): login token in Authorization,
/// PUT actions/pause|resume, PUT performance/power-target {"watt"}, reads from miner/details, miner/stats,
/// performance/mode and configuration/constraints. Chosen over gRPC because no gRPC package is available here;
/// the JSON field names are the proto's snake_case names.
/// </summary>
public sealed class BraiinsOsMiner : MinerDriver, ISleepable, IPowerTargetable, IPowerStateReadable, ISleepStateReadable
{
    private readonly TokenWebApi _api;
    private PowerLimits? _limits;

    public BraiinsOsMiner(string id, MinerEndpoint endpoint, ModelSpec model, MinerCredentials credentials,
        TimeProvider time, DriverOptions? options = null)
        : base(id, endpoint, model, credentials, time, options ?? DriverOptions.Default)
    {
        _api = new TokenWebApi(id, new Uri($"http://{endpoint.Host}:{endpoint.Port}/"),
            () => ("/api/v1/auth/login", new JsonObject { ["username"] = credentials.User, ["password"] = credentials.Password }.ToJsonString()),
            "", Options.CommandTimeout);
    }

    public override MinerFamily Family => MinerFamily.BraiinsOs;

    protected override Task<MinerStatus> ReadStatusCoreAsync(CancellationToken cancellationToken) => ReadAsync(withCooling: true, cancellationToken);

    /// <summary>A read-back: details (paused or not), stats (power, hashrate) and the power target, without cooling/state (fans).</summary>
    protected override Task<MinerStatus> ReadPowerStateCoreAsync(CancellationToken cancellationToken) => ReadAsync(withCooling: false, cancellationToken);

    /// <summary>
    /// A sleep's read-back: details and stats, and performance/mode only for a miner that is not paused (its mode,
    /// running or throttled, needs the target). A paused miner's reading has no power target. At 3,000 Braiins OS
    /// miners in a shed the third request held every read-back's reply for 200-450 ms on this machine (docs/miners.md).
    /// </summary>
    protected override async Task<MinerStatus> ReadSleepStateCoreAsync(CancellationToken cancellationToken)
    {
        var detailsTask = _api.SendAsync(HttpMethod.Get, "/api/v1/miner/details", null, cancellationToken);
        var statsTask = _api.SendAsync(HttpMethod.Get, "/api/v1/miner/stats", null, cancellationToken);
        var details = await detailsTask.ConfigureAwait(false);
        var stats = await statsTask.ConfigureAwait(false);
        var perf = Paused(details) ? null : await _api.SendAsync(HttpMethod.Get, "/api/v1/performance/mode", null, cancellationToken).ConfigureAwait(false);
        return Status(details, stats, perf, null);
    }

    private async Task<MinerStatus> ReadAsync(bool withCooling, CancellationToken cancellationToken)
    {
        var detailsTask = _api.SendAsync(HttpMethod.Get, "/api/v1/miner/details", null, cancellationToken);
        var statsTask = _api.SendAsync(HttpMethod.Get, "/api/v1/miner/stats", null, cancellationToken);
        var modeTask = _api.SendAsync(HttpMethod.Get, "/api/v1/performance/mode", null, cancellationToken);
        var coolingTask = withCooling ? CoolingAsync(cancellationToken) : Task.FromResult<JsonNode?>(null);
        var details = await detailsTask.ConfigureAwait(false);
        var stats = await statsTask.ConfigureAwait(false);
        var perf = await modeTask.ConfigureAwait(false);
        return Status(details, stats, perf, await coolingTask.ConfigureAwait(false));
    }

    /// <summary>proto enum MinerStatus: NORMAL=2, PAUSED=3, SUSPENDED=4; JSON may carry the name or the number.</summary>
    private static bool Paused(JsonNode details)
    {
        var status = TolerantJson.Text(details["status"]) ?? "";
        return status.Contains("PAUSED", StringComparison.Ordinal) || status.Contains("SUSPENDED", StringComparison.Ordinal) || status is "3" or "4";
    }

    /// <summary>The status from the replies; <paramref name="perf"/> is null only for a paused miner (no target then).</summary>
    private MinerStatus Status(JsonNode details, JsonNode stats, JsonNode? perf, JsonNode? cooling)
    {
        var paused = Paused(details);
        var ghs = TolerantJson.Number(stats["miner_stats"]?["real_hashrate"]?["last_5s"]?["gigahash_per_second"]) ?? 0;
        var watts = TolerantJson.Number(stats["power_stats"]?["approximated_consumption"]?["watt"]);
        var tuning = TolerantJson.Text(stats["tuner_state"]) == "TUNING";
        var target = perf is null ? null : TolerantJson.Number(perf["tuner_mode"]?["power_target"]?["power_target"]?["watt"]);
        var mode = paused ? MinerMode.Sleeping
            : tuning ? MinerMode.Ramping
            : target is { } t && t < Model.NominalW - 1 ? MinerMode.Throttled : MinerMode.Running;
        var temps = (stats["board_temperatures"] as JsonArray)?.Select(TolerantJson.Number).OfType<double>().ToList() ?? [];
        var fans = (cooling?["fans"] as JsonArray)?.Select(f => TolerantJson.Number(f?["rpm"])).OfType<double>().ToList();
        return new MinerStatus(Id, Family, TolerantJson.Text(details["miner_identity"]?["model"]) ?? Model.Name,
            "Braiins OS " + (TolerantJson.Text(details["bos_version"]?["current"]) ?? "?"), ghs / 1000,
            watts ?? EstimatePower(ghs / 1000, paused), watts is null ? PowerSource.Estimated : PowerSource.Measured,
            temps, mode, target, Time.GetUtcNow()) { FanRpm = fans is { Count: > 0 } ? fans : null };
    }

    /// <summary>The fans' speeds (CoolingService/GetCoolingState); a firmware without the call still reads, without fans.</summary>
    private async Task<JsonNode?> CoolingAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _api.SendAsync(HttpMethod.Get, "/api/v1/cooling/state", null, cancellationToken).ConfigureAwait(false);
        }
        catch (MinerException ex) when (ex.Kind == MinerFailureKind.Rejected)
        {
            return null;
        }
    }

    public Task SleepAsync(CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Put, "/api/v1/actions/pause", new JsonObject(), cancellationToken);

    public Task WakeAsync(CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Put, "/api/v1/actions/resume", new JsonObject(), cancellationToken);

    public async Task<PowerLimits> GetPowerLimitsAsync(CancellationToken cancellationToken = default)
    {
        if (_limits is { } cached) return cached;
        var c = await _api.SendAsync(HttpMethod.Get, "/api/v1/configuration/constraints", null, cancellationToken).ConfigureAwait(false);
        var pt = c["tuner_constraints"]?["power_target"];
        var min = TolerantJson.Number(pt?["min"]?["watt"]);
        var max = TolerantJson.Number(pt?["max"]?["watt"]);
        _limits = min is { } lo && max is { } hi ? new PowerLimits(lo, hi) : Model.DefaultLimits;
        return _limits.Value;
    }

    public async Task SetPowerTargetAsync(double watts, CancellationToken cancellationToken = default)
    {
        await EnsureWithinLimitsAsync(this, watts, cancellationToken).ConfigureAwait(false);
        var reply = await _api.SendAsync(HttpMethod.Put, "/api/v1/performance/power-target",
            new JsonObject { ["watt"] = (long)Math.Round(watts) }, cancellationToken).ConfigureAwait(false);
        // Like pyasic, check the echoed target: a mismatch means the firmware clamped or ignored it.
        var echoed = TolerantJson.Number(reply["watt"]) ?? TolerantJson.Number(reply["power_target"]?["watt"]);
        if (echoed is { } e && Math.Abs(e - Math.Round(watts)) > 1)
            throw Rejected($"power target {watts.ToString("0", CultureInfo.InvariantCulture)} W answered with {e:0} W");
    }
}
