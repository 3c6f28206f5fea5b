using System.Globalization;
using System.Text.Json;
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
        var detailsTask = _api.ReadAsync(HttpMethod.Get, "/api/v1/miner/details", Details.Read, cancellationToken);
        var statsTask = _api.ReadAsync(HttpMethod.Get, "/api/v1/miner/stats", Stats.Read, cancellationToken);
        var details = await detailsTask.ConfigureAwait(false);
        var stats = await statsTask.ConfigureAwait(false);
        var target = details.Paused ? null : await _api.ReadAsync(HttpMethod.Get, "/api/v1/performance/mode", PowerTarget, cancellationToken).ConfigureAwait(false);
        return Status(details, stats, target, null);
    }

    private async Task<MinerStatus> ReadAsync(bool withCooling, CancellationToken cancellationToken)
    {
        var detailsTask = _api.ReadAsync(HttpMethod.Get, "/api/v1/miner/details", Details.Read, cancellationToken);
        var statsTask = _api.ReadAsync(HttpMethod.Get, "/api/v1/miner/stats", Stats.Read, cancellationToken);
        var modeTask = _api.ReadAsync(HttpMethod.Get, "/api/v1/performance/mode", PowerTarget, cancellationToken);
        var coolingTask = withCooling ? FansAsync(cancellationToken) : Task.FromResult<List<double>?>(null);
        var details = await detailsTask.ConfigureAwait(false);
        var stats = await statsTask.ConfigureAwait(false);
        var target = await modeTask.ConfigureAwait(false);
        return Status(details, stats, target, await coolingTask.ConfigureAwait(false));
    }

    /// <summary>What miner/details says: paused or not (proto enum MinerStatus: NORMAL=2, PAUSED=3, SUSPENDED=4, by name or number), model, version.</summary>
    private readonly record struct Details(bool Paused, string? Model, string? Version)
    {
        public static readonly Func<JsonElement, Details> Read = static reply =>
        {
            var status = TolerantJson.Text(TolerantJson.Get(reply, "status")) ?? "";
            var paused = status.Contains("PAUSED", StringComparison.Ordinal) || status.Contains("SUSPENDED", StringComparison.Ordinal) || status is "3" or "4";
            return new Details(paused, TolerantJson.Text(TolerantJson.Get(TolerantJson.Get(reply, "miner_identity"), "model")),
                TolerantJson.Text(TolerantJson.Get(TolerantJson.Get(reply, "bos_version"), "current")));
        };
    }

    /// <summary>What miner/stats says: hashrate (GH/s), the firmware's power estimate, whether it is tuning, board temperatures.</summary>
    private readonly record struct Stats(double GigahashPerSecond, double? Watts, bool Tuning, List<double> Temperatures)
    {
        public static readonly Func<JsonElement, Stats> Read = static reply =>
        {
            var ghs = TolerantJson.Number(Path(reply, "miner_stats", "real_hashrate", "last_5s", "gigahash_per_second"),
                "miner/stats miner_stats.real_hashrate.last_5s.gigahash_per_second") ?? 0;
            var watts = TolerantJson.Number(Path(reply, "power_stats", "approximated_consumption", "watt"),
                "miner/stats power_stats.approximated_consumption.watt");
            var tuning = TolerantJson.Text(TolerantJson.Get(reply, "tuner_state")) == "TUNING";
            var temps = new List<double>();
            if (TolerantJson.Get(reply, "board_temperatures") is { ValueKind: JsonValueKind.Array } boards)
                foreach (var t in boards.EnumerateArray())
                    if (TolerantJson.Number(t, "miner/stats board_temperatures") is { } celsius) temps.Add(celsius);
            return new Stats(ghs, watts, tuning, temps);
        };
    }

    private static readonly Func<JsonElement, double?> PowerTarget = static reply =>
        TolerantJson.Number(Path(reply, "tuner_mode", "power_target", "power_target", "watt"), "performance/mode tuner_mode.power_target.power_target.watt");

    private static JsonElement Path(JsonElement e, params ReadOnlySpan<string> names)
    {
        foreach (var name in names) e = TolerantJson.Get(e, name);
        return e;
    }

    /// <summary>The status from the replies; <paramref name="target"/> is null for a paused miner's read-back (no target then).</summary>
    private MinerStatus Status(Details details, Stats stats, double? target, List<double>? fans)
    {
        var mode = details.Paused ? MinerMode.Sleeping
            : stats.Tuning ? MinerMode.Ramping
            : target is { } t && t < Model.NominalW - 1 ? MinerMode.Throttled : MinerMode.Running;
        var ths = stats.GigahashPerSecond / 1000;
        return new MinerStatus(Id, Family, details.Model ?? Model.Name, "Braiins OS " + (details.Version ?? "?"), ths,
            stats.Watts ?? EstimatePower(ths, details.Paused), stats.Watts is null ? PowerSource.Estimated : PowerSource.Measured,
            stats.Temperatures, mode, target, Time.GetUtcNow()) { FanRpm = fans is { Count: > 0 } ? fans : null };
    }

    /// <summary>The fans' speeds (CoolingService/GetCoolingState); a firmware without the call still reads, without fans.</summary>
    private async Task<List<double>?> FansAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _api.ReadAsync(HttpMethod.Get, "/api/v1/cooling/state", static reply =>
            {
                var fans = new List<double>();
                if (TolerantJson.Get(reply, "fans") is { ValueKind: JsonValueKind.Array } list)
                    foreach (var fan in list.EnumerateArray())
                        if (TolerantJson.Number(TolerantJson.Get(fan, "rpm"), "cooling/state fans[].rpm") is { } rpm) fans.Add(rpm);
                return fans;
            }, cancellationToken).ConfigureAwait(false);
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
