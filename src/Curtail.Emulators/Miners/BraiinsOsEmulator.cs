using System.Text.Json;
using System.Text.Json.Nodes;
using Curtail.Miners;
using Curtail.Miners.Protocols;

namespace Curtail.Emulators.Miners;

/// <summary>
/// Braiins OS (BOS ≥ 25.07) REST API on the main port, paths and snake_case fields mirroring the public gRPC
/// protos (miner-apis.md §3): POST auth/login → token (idle expiry 3600 s, refreshed by use), Authorization header
/// with the raw token, PUT actions/pause|resume ({already_paused}/{already_mining}), PUT performance/power-target
/// {"watt"}, GET miner/details, miner/stats, cooling/state, performance/mode, configuration/constraints. Legacy cgminer API
/// (summary, tunerstatus, pause, resume, no auth) on the second port.
/// </summary>
public sealed class BraiinsOsEmulator : ICgminerDialect
{
    private const string Prefix = "/api/v1/";
    private static readonly HashSet<string> Reads = ["summary", "tunerstatus", "version", "devs", "pools"];
    private readonly EmulatedMiner _miner;
    private readonly Dictionary<string, DateTimeOffset> _tokens = new(StringComparer.Ordinal);

    public BraiinsOsEmulator(EmulatedMiner miner)
    {
        _miner = miner;
        miner.SessionsLost += () => { lock (_tokens) _tokens.Clear(); };
    }

    private long When => _miner.Now.ToUnixTimeSeconds();

    public Task<HttpResponseLite> HandleWebAsync(HttpRequestLite request, CancellationToken ct)
    {
        var path = request.Path.Split('?')[0];
        if (path == "/") return Task.FromResult(new HttpResponseLite(200, "<html><head><title>Braiins OS</title></head></html>", "text/html"));
        if (!path.StartsWith(Prefix, StringComparison.Ordinal)) return Task.FromResult(NotFound());
        var route = path[Prefix.Length..].TrimEnd('/');
        if (route == "auth/login" && request.Method == "POST") return Task.FromResult(Login(request.Body));
        if (route == "version") return Task.FromResult(HttpResponseLite.Json("{\"major\":1,\"minor\":7,\"patch\":0}"));
        if (!Authorized(request.Header("Authorization")))
            return Task.FromResult(new HttpResponseLite(401, "{\"code\":16,\"message\":\"Unauthenticated\"}"));
        return Task.FromResult((request.Method, route) switch
        {
            ("GET", "miner/details") => Details(),
            ("GET", "miner/stats") => Stats(),
            // CoolingService/GetCoolingState: the fans' speeds (0 once the paused miner has stopped them).
            ("GET", "cooling/state") => HttpResponseLite.Json(new JsonObject
            {
                ["fans"] = new JsonArray([.. Enumerable.Range(0, 4).Select(i => (JsonNode)new JsonObject { ["position"] = i, ["rpm"] = _miner.FanRpm })]),
            }.ToJsonString()),
            ("GET", "performance/mode") => HttpResponseLite.Json(new JsonObject
            {
                ["tuner_mode"] = new JsonObject
                {
                    ["power_target"] = new JsonObject { ["power_target"] = new JsonObject { ["watt"] = Math.Round(_miner.TargetW) } },
                },
            }.ToJsonString()),
            ("GET", "configuration/constraints") => HttpResponseLite.Json(new JsonObject
            {
                ["tuner_constraints"] = new JsonObject
                {
                    ["power_target"] = new JsonObject
                    {
                        ["min"] = new JsonObject { ["watt"] = _miner.Limits.MinW }, ["max"] = new JsonObject { ["watt"] = _miner.Limits.MaxW },
                        ["default"] = new JsonObject { ["watt"] = _miner.Model.NominalW },
                    },
                },
            }.ToJsonString()),
            ("PUT", "actions/pause") => Pause(),
            ("PUT", "actions/resume") => Resume(),
            ("PUT", "performance/power-target") => PowerTarget(request.Body),
            _ => NotFound(),
        });
    }

    private static HttpResponseLite NotFound() => new(404, "{\"code\":5,\"message\":\"Not found\"}");

    private HttpResponseLite Login(string body)
    {
        try
        {
            var o = JsonNode.Parse(body) as JsonObject;
            if (TolerantJson.Text(o?["username"]) != _miner.Credentials.User || TolerantJson.Text(o?["password"]) != _miner.Credentials.Password)
                return new HttpResponseLite(401, "{\"code\":16,\"message\":\"Invalid credentials\"}");
        }
        catch (JsonException)
        {
            return new HttpResponseLite(400, "{\"code\":3,\"message\":\"Invalid JSON\"}");
        }
        var token = Convert.ToHexStringLower(BitConverter.GetBytes(_miner.NextRandom(int.MaxValue) * 104729L));
        lock (_tokens) _tokens[token] = _miner.Now;
        return HttpResponseLite.Json(new JsonObject { ["token"] = token, ["timeout_s"] = (long)_miner.Timing.BraiinsTokenIdle.TotalSeconds }.ToJsonString());
    }

    private bool Authorized(string? header)
    {
        if (header is null) return false;
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..] : header;
        lock (_tokens)
        {
            if (!_tokens.TryGetValue(token, out var lastUse)) return false;
            if (_miner.Now - lastUse > _miner.Timing.BraiinsTokenIdle)
            {
                _tokens.Remove(token);
                return false;
            }
            _tokens[token] = _miner.Now;
            return true;
        }
    }

    private HttpResponseLite Details() => HttpResponseLite.Json(new JsonObject
    {
        ["uid"] = $"bos-{_miner.Index}", ["hostname"] = $"bos-{_miner.Index}",
        ["miner_identity"] = new JsonObject { ["brand"] = "Antminer", ["model"] = _miner.Model.Name },
        ["bos_version"] = new JsonObject { ["current"] = _miner.Firmware },
        ["sticker_hashrate"] = new JsonObject { ["gigahash_per_second"] = _miner.Model.NominalThs * 1000 },
        ["bosminer_uptime_s"] = _miner.UptimeSeconds,
        ["status"] = _miner.Asleep ? "MINER_STATUS_PAUSED" : "MINER_STATUS_NORMAL",
    }.ToJsonString());

    private HttpResponseLite Stats() => HttpResponseLite.Json(new JsonObject
    {
        ["miner_stats"] = new JsonObject
        {
            ["real_hashrate"] = new JsonObject { ["last_5s"] = new JsonObject { ["gigahash_per_second"] = Math.Round(_miner.HashrateThs * 1000, 2) } },
            ["nominal_hashrate"] = new JsonObject { ["gigahash_per_second"] = _miner.Model.NominalThs * 1000 },
        },
        ["power_stats"] = new JsonObject
        {
            ["approximated_consumption"] = new JsonObject { ["watt"] = Math.Round(_miner.PowerW) },
        },
        ["tuner_state"] = _miner.IsRamping ? "TUNING" : "STABLE",
        ["board_temperatures"] = new JsonArray(_miner.TemperaturesC.Select(t => (JsonNode?)JsonValue.Create(Math.Round(t, 1))).ToArray()),
    }.ToJsonString());

    private HttpResponseLite Pause()
    {
        var already = _miner.Asleep;
        _miner.Sleep();
        return HttpResponseLite.Json(new JsonObject { ["already_paused"] = already }.ToJsonString());
    }

    private HttpResponseLite Resume()
    {
        var already = !_miner.Asleep;
        _miner.Wake();
        return HttpResponseLite.Json(new JsonObject { ["already_mining"] = already }.ToJsonString());
    }

    private HttpResponseLite PowerTarget(string body)
    {
        double? watts;
        try
        {
            watts = TolerantJson.Number((JsonNode.Parse(body) as JsonObject)?["watt"]);
        }
        catch (JsonException)
        {
            watts = null;
        }
        if (watts is null) return new HttpResponseLite(400, "{\"code\":3,\"message\":\"watt is required\"}");
        if (!_miner.Limits.Contains(watts.Value))
            return new HttpResponseLite(400, $"{{\"code\":3,\"message\":\"power target {watts:0} W outside {_miner.Limits}\"}}");
        _miner.SetTarget(watts.Value);
        return HttpResponseLite.Json(new JsonObject { ["watt"] = watts.Value }.ToJsonString());
    }

    public string? Handle(JsonObject request) => Handle(TolerantJson.Text(request["command"]) ?? "", null);

    public string? Handle(string command, string? parameter)
    {
        if (command == "pause")
        {
            _miner.Sleep();
            var o = Cgminer.Status("S", 204, "Pause", When, "BOSer boser-buildroot " + _miner.Firmware);
            o["PAUSE"] = new JsonArray(JsonValue.Create(true));
            return o.ToJsonString();
        }
        if (command == "resume")
        {
            _miner.Wake();
            var o = Cgminer.Status("S", 205, "Resume", When, "BOSer boser-buildroot " + _miner.Firmware);
            o["RESUME"] = new JsonArray(JsonValue.Create(true));
            return o.ToJsonString();
        }
        return Cgminer.Multi(command, Read, Reads.Contains);
    }

    /// <summary>Shape of the captured BOS 24.09/25.05 reply (asic-rs fixtures): the daemon calls itself BOSer.</summary>
    private string Version()
    {
        var reply = Cgminer.Status("S", 22, "BOSer versions", When, $"BOSer boser-buildroot {_miner.Firmware}");
        reply["VERSION"] = new JsonArray(new JsonObject { ["API"] = "3.7", ["BOSer"] = $"boser-buildroot {_miner.Firmware}" });
        return reply.ToJsonString();
    }

    private string Read(string command) => command switch
    {
        "summary" => Cgminer.Reply(When, 11, "Summary", "SUMMARY", new JsonObject
        {
            ["Elapsed"] = _miner.UptimeSeconds, ["MHS 1m"] = Math.Round(_miner.HashrateThs * 1e6, 2), ["MHS 5s"] = Math.Round(_miner.HashrateThs * 1e6, 2),
        }),
        "tunerstatus" => Cgminer.Reply(When, 110, "Tuner", "TUNERSTATUS", new JsonObject
        {
            ["ApproximateMinerPowerConsumption"] = Math.Round(_miner.PowerW), ["PowerLimit"] = Math.Round(_miner.TargetW),
            ["DynamicPowerScaling"] = "Disabled",
        }),
        "version" => Version(),
        _ => Cgminer.Reply(When, 7, "0", command.ToUpperInvariant()),
    };
}
