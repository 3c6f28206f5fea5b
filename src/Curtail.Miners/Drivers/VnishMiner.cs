using System.Globalization;
using System.Text.Json.Nodes;
using Curtail.Miners.Protocols;

namespace Curtail.Miners.Drivers;

/// <summary>
/// Vnish (AnthillOS) web API: unlock with the password for a token, mining/pause and mining/resume, power targets
/// as the nearest tuned autotune preset written to settings (only tuned presets take effect, and the reply says
/// nothing either way, so confirmation re-reads settings). Fans come from <c>summary</c> → <c>miner.cooling.fans[].rpm</c>
/// (the firmware's API schema, read so by asic-rs); a firmware whose summary has no <c>cooling</c> is read as pyasic
/// reads every Vnish: bmminer <c>stats</c> on the cgminer API (4028, or the fleet file's <c>aux_port</c>), fan1..fanN.
/// </summary>
public sealed class VnishMiner : MinerDriver, ISleepable, IPowerTargetable
{
    /// <summary>Where Vnish's bmminer API listens on a real miner (pyasic's VNish is a BMMiner).</summary>
    public const int DefaultRpcPort = 4028;

    private readonly TokenWebApi _api;
    private readonly CgminerClient _rpc;
    private IReadOnlyList<double>? _presets;
    private string? _firmware;
    private double _hashrateUnitPerThs = 1e3;

    public VnishMiner(string id, MinerEndpoint endpoint, ModelSpec model, MinerCredentials credentials,
        TimeProvider time, DriverOptions? options = null)
        : base(id, endpoint, model, credentials, time, options ?? DriverOptions.Default)
    {
        _api = new TokenWebApi(id, new Uri($"http://{endpoint.Host}:{endpoint.Port}/"),
            () => ("/api/v1/unlock", new JsonObject { ["pw"] = credentials.Password }.ToJsonString()), "Bearer ", Options.CommandTimeout);
        // Not MinerEndpoint.DefaultAuxPort: the emulated fleet gives Vnish one port, since its summary carries the fans.
        _rpc = new CgminerClient(id, endpoint.Host, endpoint.AuxPort ?? DefaultRpcPort, Options.CommandTimeout);
    }

    public override MinerFamily Family => MinerFamily.Vnish;

    protected override async Task<MinerStatus> ReadStatusCoreAsync(CancellationToken cancellationToken)
    {
        var summaryTask = _api.SendAsync(HttpMethod.Get, "/api/v1/summary", null, cancellationToken);
        var settingsTask = _api.SendAsync(HttpMethod.Get, "/api/v1/settings", null, cancellationToken);
        var miner = (await summaryTask.ConfigureAwait(false))["miner"] ?? throw Protocol("summary lacks miner");
        var settings = await settingsTask.ConfigureAwait(false);
        var state = TolerantJson.Text(miner["miner_status"]?["miner_state"]) ?? "";
        var stopped = state is "stopped" or "shutting-down" or "failure";
        if (_firmware is null)
        {
            var info = await _api.SendAsync(HttpMethod.Get, "/api/v1/info", null, cancellationToken).ConfigureAwait(false);
            _firmware = "Vnish " + (TolerantJson.Text(info["fw_version"]) ?? "?");
            _hashrateUnitPerThs = UnitsPerThs(TolerantJson.Text(info["hr_measure"]));
        }
        var ths = (TolerantJson.Number(miner["hr_realtime"]) ?? 0) / _hashrateUnitPerThs;
        // power_consumption is the watts; power_usage was the watts on older firmware and is now a deprecated alias
        // of power_efficiency (J/TH), so it is read only when power_consumption is absent.
        var watts = TolerantJson.Number(miner["power_consumption"]) ?? TolerantJson.Number(miner["power_usage"]);
        var preset = TolerantJson.Number(settings["miner"]?["overclock"]?["preset"]);
        var mode = stopped ? MinerMode.Sleeping
            : state is "starting" or "initializing" or "auto-tuning" or "restarting" ? MinerMode.Ramping
            : preset is { } p && p < Model.NominalW - 1 ? MinerMode.Throttled : MinerMode.Running;
        var temps = (miner["chains"] as JsonArray)?.Select(c => TolerantJson.Number(c?["chip_temp"]?["max"])).OfType<double>().ToList() ?? [];
        var fans = SummaryFans(miner) ?? await RpcFansAsync(cancellationToken).ConfigureAwait(false);
        return new MinerStatus(Id, Family, TolerantJson.Text(miner["miner_type"]) ?? Model.Name, _firmware, ths,
            watts ?? EstimatePower(ths, stopped), watts is null ? PowerSource.Estimated : PowerSource.Measured, temps, mode, preset,
            Time.GetUtcNow())
        {
            FanRpm = fans is { Count: > 0 } ? fans : null,
            FansRunning = fans is { Count: > 0 } ? fans.Any(f => f > 0) : null,
        };
    }

    /// <summary>
    /// <c>hr_realtime</c> is in the unit <c>/api/v1/info</c> names in <c>hr_measure</c> (the API schema's enum: GH/s or
    /// MH/s); GH/s when it does not say, which is what SHA-256 models report (asic-rs reads it so).
    /// </summary>
    private double UnitsPerThs(string? measure) => measure?.Trim().ToUpperInvariant() switch
    {
        null or "" or "N/A" or "GH/S" => 1e3,
        "MH/S" => 1e6,
        "TH/S" => 1,
        _ => throw Protocol($"info: unknown hr_measure '{measure}'"),
    };

    /// <summary>The fans in <c>miner.cooling.fans</c> (schema <c>Fan {id, rpm, max_rpm, status ok|lost}</c>); null when the summary has no cooling.</summary>
    public static IReadOnlyList<double>? SummaryFans(JsonNode miner) =>
        miner["cooling"]?["fans"] is JsonArray fans
            ? fans.Select(f => TolerantJson.Number(f?["rpm"])).OfType<double>().Where(r => r >= 0).ToList()
            : null;

    /// <summary>
    /// Older firmware's summary has no cooling: the fans are STATS[1] fan1..fanN of bmminer <c>stats</c> on the
    /// cgminer API. A miner whose API is off or firewalled still reads, without fans.
    /// </summary>
    private async Task<IReadOnlyList<double>?> RpcFansAsync(CancellationToken cancellationToken)
    {
        try
        {
            var stats = await _rpc.CommandAsync("stats", checkStatus: false, cancellationToken: cancellationToken).ConfigureAwait(false);
            return stats["STATS"] is JsonArray { Count: > 1 } st && st[1] is JsonObject detail ? FanSpeeds.Numbered(detail) : null;
        }
        catch (MinerException ex) when (ex.Kind is MinerFailureKind.Connection or MinerFailureKind.Timeout or MinerFailureKind.Rejected or MinerFailureKind.Protocol)
        {
            return null;
        }
    }

    public Task SleepAsync(CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Post, "/api/v1/mining/pause", null, cancellationToken);

    public Task WakeAsync(CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Post, "/api/v1/mining/resume", null, cancellationToken);

    public async Task<PowerLimits> GetPowerLimitsAsync(CancellationToken cancellationToken = default)
    {
        var presets = await PresetsAsync(cancellationToken).ConfigureAwait(false);
        return presets.Count == 0 ? Model.DefaultLimits : new PowerLimits(presets.Min(), presets.Max());
    }

    public async Task SetPowerTargetAsync(double watts, CancellationToken cancellationToken = default)
    {
        await EnsureWithinLimitsAsync(this, watts, cancellationToken).ConfigureAwait(false);
        var presets = await PresetsAsync(cancellationToken).ConfigureAwait(false);
        // Highest tuned preset not above the request, so the site target is never exceeded.
        var chosen = presets.Where(p => p <= watts + 0.5).DefaultIfEmpty(presets.Min()).Max();
        await _api.SendAsync(HttpMethod.Post, "/api/v1/settings", new JsonObject
        {
            ["miner"] = new JsonObject { ["overclock"] = new JsonObject { ["preset"] = chosen.ToString("0", CultureInfo.InvariantCulture) } },
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<double>> PresetsAsync(CancellationToken ct)
    {
        if (_presets is not null) return _presets;
        var reply = await _api.SendAsync(HttpMethod.Get, "/api/v1/autotune/presets", null, ct).ConfigureAwait(false);
        var list = (reply as JsonArray ?? (reply["presets"] as JsonArray) ?? [])
            .Where(p => TolerantJson.Text(p?["status"]) == "tuned")
            .Select(p => TolerantJson.Number(p?["name"]))
            .OfType<double>()
            .ToList();
        _presets = list;
        return list;
    }
}
