using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Curtail.Miners.Protocols;

namespace Curtail.Miners.Drivers;

/// <summary>
/// Antminer stock firmware: control through HTTP Digest CGI on port 80, reads through the bmminer API on 4028.
/// Sleep/wake is the only actuation (no watt target: this class does not implement <see cref="IPowerTargetable"/>).
/// A write is the whole config read back with <c>miner-mode</c> and <c>bitmain-work-mode</c> both set (older FW
/// reads one key and honours only the other), three pools, integer mode; it is skipped when the mode already
/// matches. The CGI answers after ~20 s, so its timeout is <see cref="DriverOptions.AntminerConfTimeout"/>.
/// Power is not reported by stock firmware: it is estimated from the hashrate.
/// </summary>
public sealed class AntminerStockMiner : MinerDriver, ISleepable
{
    private readonly CgminerClient _rpc;
    private readonly WebTarget _web;
    private readonly object _nonceGate = new();
    private Dictionary<string, string>? _challenge;
    private int _nonceCount;

    public AntminerStockMiner(string id, MinerEndpoint endpoint, ModelSpec model, MinerCredentials credentials,
        TimeProvider time, DriverOptions? options = null)
        : base(id, endpoint, model, credentials, time, options ?? DriverOptions.Default)
    {
        _rpc = new CgminerClient(id, endpoint.Host, AuxPort, Options.CommandTimeout);
        _web = new WebTarget(new Uri($"http://{endpoint.Host}:{endpoint.Port}/"));
    }

    public override MinerFamily Family => MinerFamily.AntminerStock;

    protected override async Task<MinerStatus> ReadStatusCoreAsync(CancellationToken cancellationToken)
    {
        var confTask = GetConfigAsync(cancellationToken);
        var summaryTask = _rpc.CommandAsync("summary", cancellationToken: cancellationToken);
        var statsTask = _rpc.CommandAsync("stats", checkStatus: false, cancellationToken: cancellationToken);
        var conf = await confTask.ConfigureAwait(false);
        var summary = await summaryTask.ConfigureAwait(false);
        var stats = await statsTask.ConfigureAwait(false);
        var workMode = (int)(TolerantJson.Number(conf["bitmain-work-mode"]) ?? 0);
        var ths = (TolerantJson.Number(TolerantJson.First(summary, "SUMMARY")?["GHS 5s"]) ?? 0) / 1000;
        var sleeping = workMode == 1;
        var (type, temps, reported) = ParseStats(stats);
        type ??= Model.Name;
        var compiled = stats["STATS"] is JsonArray { Count: > 0 } head ? TolerantJson.Text((head[0] as JsonObject)?["CompileTime"]) : null;
        var mode = sleeping ? MinerMode.Sleeping : workMode == 3 ? MinerMode.Throttled : MinerMode.Running;
        return new MinerStatus(Id, Family, type, "Antminer stock " + (compiled ?? "?"), ths, reported ?? EstimatePower(ths, sleeping),
            reported is null ? PowerSource.Estimated : PowerSource.Measured, temps, mode, null, Time.GetUtcNow())
        {
            FanRpm = stats["STATS"] is JsonArray { Count: > 1 } st && st[1] is JsonObject detail ? FanSpeeds.Numbered(detail) : null,
        };
    }

    /// <summary>
    /// The bmminer `stats` reply: model from STATS[0].Type, hottest chip per board from temp_chipN ("63-59-56-61";
    /// all-zero boards are absent), and power if this firmware/model reports it (chain_power "3250 W", power, Power).
    /// </summary>
    public static (string? Type, List<double> ChipTempsC, double? PowerW) ParseStats(JsonObject stats)
    {
        double? reported = null;
        var temps = new List<double>();
        string? type = null;
        if (stats["STATS"] is JsonArray { Count: > 1 } st && st[1] is JsonObject detail)
        {
            reported = TolerantJson.Number(detail["chain_power"]) ?? TolerantJson.Number(detail["power"]) ?? TolerantJson.Number(detail["Power"]);
            foreach (var (key, value) in detail)
            {
                if (!key.StartsWith("temp_chip", StringComparison.Ordinal)) continue;
                var chips = (TolerantJson.Text(value) ?? "").Split('-')
                    .Select(x => double.TryParse(x, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : 0).Where(d => d > 0).ToList();
                if (chips.Count > 0) temps.Add(chips.Max());
            }
            type = TolerantJson.Text((st[0] as JsonObject)?["Type"]);
        }
        return (type, temps, reported);
    }

    public Task SleepAsync(CancellationToken cancellationToken = default) => SetModeAsync(1, cancellationToken);

    public Task WakeAsync(CancellationToken cancellationToken = default) => SetModeAsync(0, cancellationToken);

    private async Task SetModeAsync(int mode, CancellationToken ct)
    {
        var conf = await GetConfigAsync(ct).ConfigureAwait(false);
        if ((int)(TolerantJson.Number(conf["bitmain-work-mode"]) ?? -1) == mode) return;
        if (conf["pools"] is not JsonArray pools)
            throw Protocol("get_miner_conf.cgi returned no pools; refusing a full-config write that would wipe them");
        var padded = new JsonArray();
        foreach (var p in pools.Take(3)) padded.Add(new JsonObject
        {
            ["url"] = TolerantJson.Text(p?["url"]) ?? "", ["user"] = TolerantJson.Text(p?["user"]) ?? "", ["pass"] = TolerantJson.Text(p?["pass"]) ?? "",
        });
        while (padded.Count < 3) padded.Add(new JsonObject { ["url"] = "", ["user"] = "", ["pass"] = "" });
        var body = new JsonObject
        {
            ["bitmain-fan-ctrl"] = conf["bitmain-fan-ctrl"]?.DeepClone() ?? false,
            ["bitmain-fan-pwm"] = conf["bitmain-fan-pwm"]?.DeepClone() ?? "100",
            ["miner-mode"] = mode,
            ["bitmain-work-mode"] = mode.ToString(CultureInfo.InvariantCulture),
            ["freq-level"] = conf["bitmain-freq-level"]?.DeepClone() ?? "100",
            ["pools"] = padded,
        };
        var reply = await SendDigestAsync(HttpMethod.Post, "/cgi-bin/set_miner_conf.cgi", body.ToJsonString(), Options.AntminerConfTimeout, ct)
            .ConfigureAwait(false);
        // The tether mock answers success with an empty body; real FW answers {"stats":"success","code":"M000"}.
        if (string.IsNullOrWhiteSpace(reply)) return;
        var json = Parse(reply, "set_miner_conf.cgi");
        if (TolerantJson.Text(json["stats"]) != "success")
            throw Rejected($"set_miner_conf.cgi refused: {TolerantJson.Text(json["code"])} {TolerantJson.Text(json["msg"])}");
    }

    private async Task<JsonObject> GetConfigAsync(CancellationToken ct) =>
        Parse(await SendDigestAsync(HttpMethod.Get, "/cgi-bin/get_miner_conf.cgi", null, Options.CommandTimeout, ct).ConfigureAwait(false),
            "get_miner_conf.cgi");

    private JsonObject Parse(string text, string what)
    {
        try
        {
            return TolerantJson.ParseObject(text, $"{what} reply");
        }
        catch (FormatException ex)
        {
            throw new MinerException(Id, MinerFailureKind.Protocol, ex.Message, ex);
        }
    }

    /// <summary>Digest with a cached challenge; a 401 refreshes it once (new nonce after a reboot).</summary>
    private async Task<string> SendDigestAsync(HttpMethod method, string path, string? body, TimeSpan timeout, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            string? authorization = null;
            lock (_nonceGate)
            {
                if (_challenge is not null)
                {
                    _nonceCount++;
                    authorization = DigestAuth.AuthorizationHeader(Credentials.User, Credentials.Password, method.Method, path,
                        _challenge, _nonceCount, Convert.ToHexStringLower(BitConverter.GetBytes(Environment.TickCount64 ^ _nonceCount)));
                }
            }
            var reply = await MinerHttp.SendAsync(Id, _web, method, path, body, authorization, timeout, ct, "text/plain").ConfigureAwait(false);
            if (reply.Status == HttpStatusCode.OK) return reply.Body;
            if (reply.Status != HttpStatusCode.Unauthorized)
                throw Rejected($"{method} {path}: HTTP {(int)reply.Status}");
            var header = reply.Challenges().FirstOrDefault(h => h.Scheme.Equals("Digest", StringComparison.OrdinalIgnoreCase));
            if (header.Scheme is null) throw new MinerException(Id, MinerFailureKind.Authentication, $"{path}: 401 without a Digest challenge");
            lock (_nonceGate)
            {
                var hadChallenge = _challenge is not null && attempt > 0;
                _challenge = DigestAuth.ParseHeader(header.Parameter);
                _nonceCount = 0;
                if (hadChallenge) break;
            }
        }
        throw new MinerException(Id, MinerFailureKind.Authentication, $"{method} {path}: digest credentials for user '{Credentials.User}' rejected");
    }
}
