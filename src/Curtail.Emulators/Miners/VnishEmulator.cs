using System.Text.Json;
using System.Text.Json.Nodes;
using Curtail.Miners;
using Curtail.Miners.Protocols;

namespace Curtail.Emulators.Miners;

/// <summary>
/// Vnish / AnthillOS web API on the main port (miner-apis.md §7): POST /api/v1/unlock {"pw"} → token; Authorization
/// with or without "Bearer "; summary in the firmware API schema's shape (AntmMinerStats: hr_realtime in the GH/s that
/// info's hr_measure names, power_consumption in W beside the deprecated power_usage, which is the efficiency in J/TH,
/// miner_status.miner_state, chains, cooling {fan_num, fan_duty, fans[{id, rpm, max_rpm, status}], settings}),
/// settings with the overclock preset in W as a string, autotune/presets, mining/pause|resume|stop|start. A settings
/// POST always answers {"restart_required":false,...}, even when an un-tuned preset is ignored (pyasic PR 245).
/// The fans stop once a paused miner's boards are down and spin again with the wake (EmulatedMiner.FanRpm).
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
            ["algorithm"] = "sha256d", ["hr_measure"] = "GH/s",
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

    /// <summary>Fan positions of the emulated air-cooled Antminers, and the rpm the schema's max_rpm reports.</summary>
    private const int Fans = 4, FanMaxRpm = 6000;

    private HttpResponseLite Summary()
    {
        var watts = Math.Round(_miner.PowerW);
        var ths = _miner.HashrateThs;
        var rpm = _miner.FanRpm;
        return HttpResponseLite.Json(new JsonObject
        {
            ["miner"] = new JsonObject
            {
                ["miner_type"] = _miner.Model.Name,
                ["power_consumption"] = watts,
                ["power_efficiency"] = ths > 0 ? Math.Round(watts / ths, 1) : 0,
                ["power_usage"] = ths > 0 ? Math.Round(watts / ths) : 0,
                ["hr_realtime"] = Math.Round(ths * 1000, 2),
                ["hr_nominal"] = Math.Round(_miner.Model.NominalThs * 1000, 2),
                ["miner_status"] = new JsonObject
                {
                    ["miner_state"] = _miner.Asleep ? "stopped" : _miner.IsRamping ? "starting" : "mining",
                },
                ["chains"] = new JsonArray(_miner.TemperaturesC.Select((t, i) => (JsonNode?)new JsonObject
                {
                    ["id"] = i + 1, ["chip_temp"] = new JsonObject { ["max"] = Math.Round(t + 3, 1) }, ["pcb_temp"] = new JsonObject { ["max"] = Math.Round(t - 5, 1) },
                }).ToArray()),
                ["cooling"] = new JsonObject
                {
                    ["fan_num"] = Fans,
                    ["fan_duty"] = (int)Math.Round(100.0 * rpm / FanMaxRpm),
                    ["fans"] = new JsonArray(Enumerable.Range(0, Fans).Select(i => (JsonNode?)new JsonObject
                    {
                        ["id"] = i, ["rpm"] = rpm, ["max_rpm"] = FanMaxRpm, ["status"] = "ok",
                    }).ToArray()),
                    ["settings"] = new JsonObject { ["mode"] = new JsonObject { ["name"] = "auto" } },
                },
            },
        }.ToJsonString());
    }

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
