using System.Net;
using System.Text.Json.Nodes;
using Curtail.Miners.Protocols;

namespace Curtail.Miners.Drivers;

/// <summary>
/// ePIC PowerPlay / UMC firmware (miner-apis.md §8; ePIC's OpenAPI spec as published in asic-rs meta/epic/1.30.0):
/// an HTTP JSON API on port 4028. Reads are unauthenticated GETs (<c>/summary</c>, <c>/capabilities</c>); every write
/// is a POST carrying the password in its body and answers <c>{"result": bool, "error": …}</c>.
/// Sleep/wake = <c>POST /miner {"param":"Stop"|"Autostart"}</c>; hashboard shedding = <c>POST /boardenable
/// {"param":[{"Index":i,"Data":bool}]}</c>. No watt target (its tuner targets a hashrate), so no <see cref="IPowerTargetable"/>.
/// </summary>
public sealed class EpicMiner : MinerDriver, ISleepable, IHashboardSheddable
{
    private readonly WebTarget _web;
    private int? _boards;

    public EpicMiner(string id, MinerEndpoint endpoint, ModelSpec model, MinerCredentials credentials, TimeProvider time,
        DriverOptions? options = null)
        : base(id, endpoint, model, credentials, time, options ?? DriverOptions.Default)
    {
        _web = new WebTarget(new Uri($"http://{endpoint.Host}:{endpoint.Port}/"));
    }

    public override MinerFamily Family => MinerFamily.Epic;

    protected override async Task<MinerStatus> ReadStatusCoreAsync(CancellationToken cancellationToken)
    {
        var summary = await GetAsync("summary", cancellationToken).ConfigureAwait(false);
        var state = TolerantJson.Text(summary["Status"]?["Operating State"]) ?? "";
        var idle = state.Equals("Idling", StringComparison.OrdinalIgnoreCase);
        // HBs[].Hashrate = [MH/s, % of ideal, error rate] (pyasic _get_hashrate sums element 0).
        var boards = summary["HBs"] as JsonArray ?? [];
        var mhs = boards.Sum(b => b?["Hashrate"] is JsonArray h && h.Count > 0 ? TolerantJson.Number(h[0]) ?? 0 : 0);
        var ths = mhs / 1e6;
        var watts = TolerantJson.Number(summary["Power Supply Stats"]?["Input Power"]);
        var status = summary["HBStatus"] as JsonArray;
        int? total = status?.Count(b => b?["Detected"] is not JsonValue d || !d.TryGetValue<bool>(out var detected) || detected);
        int? active = status?.Count(b => b?["Enabled"] is JsonValue e && e.TryGetValue<bool>(out var enabled) && enabled);
        if (total is > 0) _boards = total;
        var fans = summary["Fans Rpm"] as JsonObject;
        bool? fansRunning = fans is null ? null : fans.Any(f => (TolerantJson.Number(f.Value) ?? 0) > 0);
        var fanRpm = fans?.Select(f => TolerantJson.Number(f.Value)).OfType<double>().ToList();
        var temps = boards.Select(b => TolerantJson.Number(b?["Temperature"])).OfType<double>().ToList();
        var mode = idle ? MinerMode.Sleeping
            : state.Contains("Adjusting", StringComparison.OrdinalIgnoreCase) || state.Contains("Start", StringComparison.OrdinalIgnoreCase) ? MinerMode.Ramping
            : active is { } a && total is { } t && a < t ? MinerMode.Throttled
            : MinerMode.Running;
        return new MinerStatus(Id, Family, Model.Name, TolerantJson.Text(summary["Software"]) ?? "ePIC", idle ? 0 : ths,
            watts ?? EstimatePower(ths, idle), watts is null ? PowerSource.Estimated : PowerSource.Measured, temps, mode, null,
            Time.GetUtcNow())
        {
            Hashboards = total, ActiveHashboards = active, FansRunning = fansRunning, FanRpm = fanRpm is { Count: > 0 } ? fanRpm : null,
        };
    }

    public Task SleepAsync(CancellationToken cancellationToken = default) => PostAsync("miner", JsonValue.Create("Stop"), cancellationToken);

    public Task WakeAsync(CancellationToken cancellationToken = default) => PostAsync("miner", JsonValue.Create("Autostart"), cancellationToken);

    public async Task<int> GetHashboardCountAsync(CancellationToken cancellationToken = default)
    {
        if (_boards is { } known) return known;
        var capabilities = await GetAsync("capabilities", cancellationToken).ConfigureAwait(false);
        var max = TolerantJson.Number(capabilities["Max HBs"]) ?? throw Protocol("capabilities lacks 'Max HBs'");
        _boards = (int)max;
        return _boards.Value;
    }

    public async Task SetActiveHashboardsAsync(int count, CancellationToken cancellationToken = default)
    {
        var total = await GetHashboardCountAsync(cancellationToken).ConfigureAwait(false);
        if (count < 1 || count > total) throw Rejected($"cannot enable {count} of {total} hashboards (1..{total})");
        var param = new JsonArray(Enumerable.Range(0, total)
            .Select(i => (JsonNode?)new JsonObject { ["Index"] = i, ["Data"] = i < count }).ToArray());
        await PostAsync("boardenable", param, cancellationToken).ConfigureAwait(false);
    }

    private async Task<JsonObject> GetAsync(string path, CancellationToken ct)
    {
        var reply = await MinerHttp.SendAsync(Id, _web, HttpMethod.Get, "/" + path, null, null, Options.CommandTimeout, ct).ConfigureAwait(false);
        if (reply.Status != HttpStatusCode.OK) throw Rejected($"GET /{path}: HTTP {(int)reply.Status}");
        return Parse(reply.Body, $"GET /{path}");
    }

    private async Task PostAsync(string path, JsonNode param, CancellationToken ct)
    {
        var body = new JsonObject { ["param"] = param, ["password"] = Credentials.Password }.ToJsonString();
        var reply = await MinerHttp.SendAsync(Id, _web, HttpMethod.Post, "/" + path, body, null, Options.CommandTimeout, ct).ConfigureAwait(false);
        var json = string.IsNullOrWhiteSpace(reply.Body) ? new JsonObject() : Parse(reply.Body, $"POST /{path}");
        var error = json["error"] is { } e && e.GetValueKind() != System.Text.Json.JsonValueKind.Null ? e.ToJsonString().Trim('"') : null;
        if (error is "BadPassword" || reply.Status == HttpStatusCode.Unauthorized)
            throw new MinerException(Id, MinerFailureKind.Authentication, $"POST /{path}: password refused (BadPassword)");
        if (error?.Contains("LastCmdStillPending", StringComparison.Ordinal) == true)
            throw new MinerException(Id, MinerFailureKind.Busy, $"POST /{path}: the previous command is still pending");
        if (reply.Status != HttpStatusCode.OK || json["result"] is not JsonValue r || !r.TryGetValue<bool>(out var ok) || !ok)
            throw Rejected($"POST /{path} refused: HTTP {(int)reply.Status} {error ?? "result false"}");
    }

    private JsonObject Parse(string body, string what)
    {
        try
        {
            return TolerantJson.ParseObject(body, what + " reply");
        }
        catch (FormatException ex)
        {
            throw new MinerException(Id, MinerFailureKind.Protocol, ex.Message, ex);
        }
    }
}
