using System.Globalization;
using System.Text.Json.Nodes;

namespace Curtail.Miners.Drivers;

/// <summary>
/// Vnish (AnthillOS) web API: unlock with the password for a token, mining/pause and mining/resume, power targets
/// as the nearest tuned autotune preset written to settings (only tuned presets take effect, and the reply says
/// nothing either way, so confirmation re-reads settings).
/// </summary>
public sealed class VnishMiner : MinerDriver, ISleepable, IPowerTargetable
{
    private readonly TokenWebApi _api;
    private IReadOnlyList<double>? _presets;
    private string? _firmware;

    public VnishMiner(string id, MinerEndpoint endpoint, ModelSpec model, MinerCredentials credentials,
        TimeProvider time, DriverOptions? options = null)
        : base(id, endpoint, model, credentials, time, options ?? DriverOptions.Default)
    {
        _api = new TokenWebApi(id, new Uri($"http://{endpoint.Host}:{endpoint.Port}/"),
            () => ("/api/v1/unlock", new JsonObject { ["pw"] = credentials.Password }.ToJsonString()), "Bearer ", Options.CommandTimeout);
    }

    public override MinerFamily Family => MinerFamily.Vnish;

    protected override async Task<MinerStatus> ReadStatusCoreAsync(CancellationToken cancellationToken)
    {
        var summaryTask = _api.SendAsync(HttpMethod.Get, "/api/v1/summary", null, cancellationToken);
        var settingsTask = _api.SendAsync(HttpMethod.Get, "/api/v1/settings", null, cancellationToken);
        var miner = (await summaryTask.ConfigureAwait(false))["miner"] ?? throw Protocol("summary lacks miner");
        var settings = await settingsTask.ConfigureAwait(false);
        var state = Protocols.TolerantJson.Text(miner["miner_status"]?["miner_state"]) ?? "";
        var stopped = state is "stopped" or "shutting-down" or "failure";
        var ths = Protocols.TolerantJson.Number(miner["hr_realtime"]) ?? 0;
        var watts = Protocols.TolerantJson.Number(miner["power_usage"]);
        var preset = Protocols.TolerantJson.Number(settings["miner"]?["overclock"]?["preset"]);
        var mode = stopped ? MinerMode.Sleeping
            : state is "starting" or "initializing" or "auto-tuning" ? MinerMode.Ramping
            : preset is { } p && p < Model.NominalW - 1 ? MinerMode.Throttled : MinerMode.Running;
        if (_firmware is null)
        {
            var info = await _api.SendAsync(HttpMethod.Get, "/api/v1/info", null, cancellationToken).ConfigureAwait(false);
            _firmware = "Vnish " + (Protocols.TolerantJson.Text(info["fw_version"]) ?? "?");
        }
        var temps = (miner["chains"] as JsonArray)?.Select(c => Protocols.TolerantJson.Number(c?["chip_temp"]?["max"])).OfType<double>().ToList() ?? [];
        return new MinerStatus(Id, Family, Protocols.TolerantJson.Text(miner["miner_type"]) ?? Model.Name, _firmware, ths,
            watts ?? EstimatePower(ths, stopped), watts is null ? PowerSource.Estimated : PowerSource.Measured, temps, mode, preset,
            Time.GetUtcNow());
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
            .Where(p => Protocols.TolerantJson.Text(p?["status"]) == "tuned")
            .Select(p => Protocols.TolerantJson.Number(p?["name"]))
            .OfType<double>()
            .ToList();
        _presets = list;
        return list;
    }
}
