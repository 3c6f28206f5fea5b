using System.Text.Json;
using System.Text.Json.Nodes;
using Curtail.Miners;
using Curtail.Miners.Protocols;

namespace Curtail.Emulators.Miners;

/// <summary>
/// Vnish / AnthillOS web API on the main port (miner-apis.md §7): POST /api/v1/unlock {"pw"} → token; Authorization
/// with or without "Bearer "; summary (miner.power_usage, miner.miner_status.miner_state), settings with the
/// overclock preset in W as a string, autotune/presets, mining/pause|resume|stop|start. A settings POST always
/// answers {"restart_required":false,...}, even when an un-tuned preset is ignored (pyasic PR 245).
/// </summary>
public sealed class VnishEmulator
{
    private const string Prefix = "/api/v1/";
    private readonly EmulatedMiner _miner;
    private readonly HashSet<string> _tokens = new(StringComparer.Ordinal);
    private readonly List<double> _presets;
    private double _preset;

    public VnishEmulator(EmulatedMiner miner)
    {
        _miner = miner;
        // Tuned presets from 50 % to 100 % of nominal in 10 steps, rounded to 5 W.
        _presets = Enumerable.Range(0, 11).Select(i => Math.Round(miner.Model.NominalW * (0.5 + i * 0.05) / 5) * 5).ToList();
        _preset = _presets[^1];
        miner.SessionsLost += () => { lock (_tokens) _tokens.Clear(); };
    }

    public Task<HttpResponseLite> HandleWebAsync(HttpRequestLite request, CancellationToken ct)
    {
        var path = request.Path.Split('?')[0];
        if (path == "/") return Task.FromResult(new HttpResponseLite(200, "<html><head><title>AnthillOS</title></head></html>", "text/html"));
        if (!path.StartsWith(Prefix, StringComparison.Ordinal)) return Task.FromResult(new HttpResponseLite(404, "{\"err\":\"not found\"}"));
        var route = path[Prefix.Length..].TrimEnd('/');
        if (route == "unlock" && request.Method == "POST") return Task.FromResult(Unlock(request.Body));
        if (route == "info") return Task.FromResult(HttpResponseLite.Json(new JsonObject
        {
            ["miner"] = _miner.Model.Name, ["fw_name"] = "Vnish", ["fw_version"] = _miner.Firmware,
        }.ToJsonString()));
        var auth = request.Header("Authorization") ?? "";
        if (auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) auth = auth[7..];
        bool ok;
        lock (_tokens) ok = _tokens.Contains(auth);
        if (!ok) return Task.FromResult(new HttpResponseLite(401, "{\"err\":\"unauthorized\"}"));
        return Task.FromResult((request.Method, route) switch
        {
            ("GET", "summary") => Summary(),
            ("GET", "settings") => HttpResponseLite.Json(new JsonObject
            {
                ["miner"] = new JsonObject { ["overclock"] = new JsonObject { ["preset"] = _preset.ToString("0", System.Globalization.CultureInfo.InvariantCulture) } },
            }.ToJsonString()),
            ("GET", "autotune/presets") => HttpResponseLite.Json(new JsonArray(_presets.Select(p => (JsonNode?)new JsonObject
            {
                ["name"] = p.ToString("0", System.Globalization.CultureInfo.InvariantCulture),
                ["pretty"] = $"{p:0} watt ~ {_miner.Model.HashrateAt(p):0} TH", ["status"] = "tuned", ["modded_psu_required"] = false,
            }).ToArray()).ToJsonString()),
            ("POST", "settings") => Settings(request.Body),
            ("POST", "mining/pause" or "mining/stop") => Act(sleep: true),
            ("POST", "mining/resume" or "mining/start") => Act(sleep: false),
            _ => new HttpResponseLite(404, "{\"err\":\"not found\"}"),
        });
    }

    private HttpResponseLite Unlock(string body)
    {
        try
        {
            if (TolerantJson.Text((JsonNode.Parse(body) as JsonObject)?["pw"]) != _miner.Credentials.Password)
                return new HttpResponseLite(401, "{\"err\":\"wrong password\"}");
        }
        catch (JsonException)
        {
            return new HttpResponseLite(400, "{\"err\":\"bad json\"}");
        }
        var token = Convert.ToHexStringLower(BitConverter.GetBytes(_miner.NextRandom(int.MaxValue) * 15485863L));
        lock (_tokens) _tokens.Add(token);
        return HttpResponseLite.Json(new JsonObject { ["token"] = token }.ToJsonString());
    }

    private HttpResponseLite Summary() => HttpResponseLite.Json(new JsonObject
    {
        ["miner"] = new JsonObject
        {
            ["miner_type"] = _miner.Model.Name,
            ["power_usage"] = Math.Round(_miner.PowerW),
            ["hr_realtime"] = Math.Round(_miner.HashrateThs, 2),
            ["miner_status"] = new JsonObject
            {
                ["miner_state"] = _miner.Asleep ? "stopped" : _miner.IsRamping ? "starting" : "mining",
            },
            ["chains"] = new JsonArray(_miner.TemperaturesC.Select((t, i) => (JsonNode?)new JsonObject
            {
                ["id"] = i, ["chip_temp"] = new JsonObject { ["max"] = Math.Round(t + 3, 1) }, ["pcb_temp"] = new JsonObject { ["max"] = Math.Round(t - 5, 1) },
            }).ToArray()),
        },
    }.ToJsonString());

    private HttpResponseLite Settings(string body)
    {
        try
        {
            var preset = TolerantJson.Number((((JsonNode.Parse(body) as JsonObject)?["miner"] as JsonObject)?["overclock"] as JsonObject)?["preset"]);
            // Only a tuned preset takes effect; the reply is the same either way.
            if (preset is { } p && _presets.Contains(p))
            {
                _preset = p;
                _miner.SetTarget(p);
            }
        }
        catch (JsonException)
        {
            return new HttpResponseLite(400, "{\"err\":\"bad json\"}");
        }
        return HttpResponseLite.Json("{\"restart_required\":false,\"reboot_required\":false}");
    }

    private HttpResponseLite Act(bool sleep)
    {
        if (sleep) _miner.Sleep();
        else _miner.Wake();
        return HttpResponseLite.Json("{}");
    }
}
