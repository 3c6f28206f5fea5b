using System.Text.Json;
using System.Text.Json.Nodes;
using Curtail.Miners;
using Curtail.Miners.Protocols;

namespace Curtail.Emulators.Miners;

/// <summary>
/// Antminer stock firmware (miner-apis.md §2): HTTP Digest CGI on the main port (realm "antMiner Configuration"),
/// set_miner_conf.cgi that takes ~20 s to answer, honours only <c>miner-mode</c> (writing only
/// <c>bitmain-work-mode</c> succeeds and does nothing, the real FW quirk), requires the whole config with 3 pools,
/// returns empty SUMMARY while asleep; bmminer cgminer API on the second port for reads.
/// </summary>
public sealed class AntminerStockEmulator : ICgminerDialect
{
    public const string Realm = "antMiner Configuration";
    private static readonly HashSet<string> Reads = ["summary", "stats", "version", "pools", "devs"];
    private readonly EmulatedMiner _miner;
    private string _nonce;
    private int _workMode; // 0 normal, 1 sleep, 3 low power
    private JsonArray _pools = new(
        new JsonObject { ["url"] = "stratum+tcp://pool.example:3333", ["user"] = "acct.w1", ["pass"] = "x" },
        new JsonObject { ["url"] = "", ["user"] = "", ["pass"] = "" },
        new JsonObject { ["url"] = "", ["user"] = "", ["pass"] = "" });

    public AntminerStockEmulator(EmulatedMiner miner)
    {
        _miner = miner;
        _nonce = NewNonce();
        miner.SessionsLost += () => _nonce = NewNonce();
    }

    private string NewNonce() => Convert.ToHexStringLower(BitConverter.GetBytes(_miner.NextRandom(int.MaxValue) * 7919L));

    private long When => _miner.Now.ToUnixTimeSeconds();

    public Task<HttpResponseLite> HandleWebAsync(HttpRequestLite request, CancellationToken ct)
    {
        if (!Authorized(request))
        {
            return Task.FromResult(new HttpResponseLite(401, "<html><body>401 Unauthorized</body></html>", "text/html",
                new Dictionary<string, string> { ["WWW-Authenticate"] = $"Digest realm=\"{Realm}\", nonce=\"{_nonce}\", qop=\"auth\"" }));
        }
        var path = request.Path.Split('?')[0];
        return Task.FromResult(path switch
        {
            "/" => new HttpResponseLite(200, "<html><head><title>Antminer</title></head></html>", "text/html"),
            "/cgi-bin/get_miner_conf.cgi" => HttpResponseLite.Json(Config().ToJsonString()),
            "/cgi-bin/set_miner_conf.cgi" when request.Method == "POST" => SetConfig(request.Body),
            "/cgi-bin/summary.cgi" => HttpResponseLite.Json(WebSummary()),
            "/cgi-bin/get_system_info.cgi" => HttpResponseLite.Json(new JsonObject
            {
                ["minertype"] = _miner.Model.Name, ["hostname"] = $"Antminer-{_miner.Index}",
                ["system_filesystem_version"] = _miner.Firmware, ["serinum"] = $"AM{_miner.Index:D8}",
            }.ToJsonString()),
            _ => new HttpResponseLite(404, "{\"error\":\"not found\"}"),
        });
    }

    private bool Authorized(HttpRequestLite request)
    {
        var header = request.Header("Authorization");
        if (header is null || !header.StartsWith("Digest ", StringComparison.OrdinalIgnoreCase)) return false;
        var f = DigestAuth.ParseHeader(header);
        if (f.GetValueOrDefault("nonce") != _nonce || f.GetValueOrDefault("username") != _miner.Credentials.User) return false;
        var expected = DigestAuth.Response(_miner.Credentials.User, Realm, _miner.Credentials.Password, request.Method,
            f.GetValueOrDefault("uri", ""), _nonce, f.GetValueOrDefault("nc", ""), f.GetValueOrDefault("cnonce", ""),
            f.GetValueOrDefault("qop", "auth"));
        return expected == f.GetValueOrDefault("response");
    }

    private JsonObject Config()
    {
        lock (this)
        {
            return new JsonObject
            {
                ["pools"] = _pools.DeepClone(), ["api-listen"] = true, ["api-network"] = true,
                ["bitmain-fan-ctrl"] = false, ["bitmain-fan-pwm"] = "100", ["bitmain-freq"] = "485",
                ["bitmain-voltage"] = "1980", ["bitmain-work-mode"] = _workMode.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["bitmain-freq-level"] = "100",
            };
        }
    }

    private HttpResponseLite SetConfig(string body)
    {
        var delay = _miner.Timing.AntminerConfReply;
        JsonObject config;
        try
        {
            config = JsonNode.Parse(body) as JsonObject ?? throw new JsonException("not an object");
        }
        catch (JsonException)
        {
            return new HttpResponseLite(200, "{\"stats\":\"error\",\"code\":\"M002\",\"msg\":\"Invalid config!\"}", Delay: delay);
        }
        if (config["pools"] is not JsonArray { Count: 3 } pools)
            return new HttpResponseLite(200, "{\"stats\":\"error\",\"code\":\"M001\",\"msg\":\"Invalid pool!\"}", Delay: delay);
        lock (this) _pools = (JsonArray)pools.DeepClone();
        // Only miner-mode is honoured on write (asic-rs PR 249); integer or numeric string.
        if (TolerantJson.Number(config["miner-mode"]) is { } mode)
        {
            lock (this) _workMode = (int)mode;
            switch ((int)mode)
            {
                case 1: _miner.Sleep(); break;
                case 0: _miner.Wake(); _miner.SetTarget(_miner.Model.NominalW); break;
                case 3: _miner.Wake(); _miner.SetTarget(_miner.Model.NominalW * 0.75); break;
            }
        }
        return new HttpResponseLite(200, "{\"stats\":\"success\",\"code\":\"M000\",\"msg\":\"OK!\"}", Delay: delay);
    }

    private string WebSummary()
    {
        var o = new JsonObject { ["STATUS"] = new JsonObject { ["STATUS"] = "S", ["when"] = When, ["Msg"] = "summary" } };
        o["SUMMARY"] = _miner.Asleep
            ? new JsonArray()
            : new JsonArray(new JsonObject { ["elapsed"] = _miner.UptimeSeconds, ["rate_5s"] = Math.Round(_miner.HashrateThs * 1000, 2), ["rate_unit"] = "GH/s" });
        return o.ToJsonString();
    }

    public string? Handle(JsonObject request) => Handle(TolerantJson.Text(request["command"]) ?? "", null);

    public string? Handle(string command, string? parameter)
    {
        return Cgminer.Multi(command, Read, Reads.Contains);
    }

    private string? Read(string command)
    {
        var ghs = Math.Round(_miner.HashrateThs * 1000, 2);
        switch (command)
        {
            case "summary":
                return Cgminer.Reply(When, 11, "Summary", "SUMMARY", new JsonObject
                {
                    ["Elapsed"] = _miner.UptimeSeconds, ["GHS 5s"] = ghs, ["GHS av"] = ghs,
                });
            case "stats":
                var t = _miner.TemperaturesC;
                var detail = new JsonObject
                {
                    ["Elapsed"] = _miner.UptimeSeconds, ["total_rateideal"] = _miner.Model.NominalThs * 1000, ["rate_unit"] = "GH",
                    ["fan_num"] = 4,
                };
                for (var i = 1; i <= 4; i++) detail[$"fan{i}"] = _miner.FanRpm;
                for (var i = 0; i < t.Length; i++)
                {
                    detail[$"temp_chip{i + 1}"] = $"{t[i]:0}-{t[i] + 2:0}-{t[i] - 1:0}-{t[i] + 1:0}";
                    detail[$"chain_rate{i + 1}"] = (ghs / t.Length).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
                }
                return Cgminer.Reply(When, 70, "CGMiner stats", "STATS",
                    new JsonObject { ["BMMiner"] = "1.0.0", ["Miner"] = "uart_trans.1.3", ["CompileTime"] = _miner.Firmware, ["Type"] = _miner.Model.Name },
                    detail);
            case "version":
                return Cgminer.Reply(When, 22, "BMMiner versions", "VERSION", new JsonObject
                {
                    ["BMMiner"] = "1.0.0", ["API"] = "3.1", ["Miner"] = "uart_trans.1.3", ["CompileTime"] = _miner.Firmware, ["Type"] = _miner.Model.Name,
                });
            default:
                return Cgminer.Reply(When, 7, "1 Pool(s)", command.ToUpperInvariant());
        }
    }
}
