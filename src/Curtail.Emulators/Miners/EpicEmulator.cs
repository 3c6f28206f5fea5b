using System.Text.Json;
using System.Text.Json.Nodes;
using Curtail.Miners.Protocols;

namespace Curtail.Emulators.Miners;

/// <summary>
/// ePIC PowerPlay/UMC HTTP API on the miner's 4028 port (miner-apis.md §8; ePIC's OpenAPI spec in asic-rs
/// meta/epic; reply shapes as in asic-rs's captured epic/v1/summary.json and capabilities.json). GET /summary and
/// /capabilities are open; POST /miner {"param":"Stop"|"Autostart","password"} and POST /boardenable
/// {"param":[{"Index","Data"}],"password"} answer {"result":bool,"error":…} ("BadPassword", "NoActiveHashboards",
/// {"InvalidHashboardIndex":[…]}). Stop idles the miner (fans stop once the boards are down); Autostart restarts the
/// mining program; boardenable sheds boards with the fans turning.
/// </summary>
public sealed class EpicEmulator
{
    private readonly EmulatedMiner _miner;

    public EpicEmulator(EmulatedMiner miner) => _miner = miner;

    public Task<HttpResponseLite> HandleWebAsync(HttpRequestLite request, CancellationToken ct)
    {
        var path = request.Path.Split('?')[0].TrimEnd('/');
        return Task.FromResult((request.Method, path) switch
        {
            ("GET", "/summary") => HttpResponseLite.Json(Summary().ToJsonString()),
            ("GET", "/capabilities") => HttpResponseLite.Json(Capabilities().ToJsonString()),
            ("POST", "/miner") => Post(request.Body, MinerCommand),
            ("POST", "/boardenable") => Post(request.Body, BoardEnable),
            ("POST", _) => Result(false, JsonValue.Create("MissingParam")),
            _ => new HttpResponseLite(404, "{\"result\":false,\"error\":{\"InvalidUrl\":\"" + path + "\"}}"),
        });
    }

    private HttpResponseLite Post(string body, Func<JsonNode?, HttpResponseLite> act)
    {
        JsonObject json;
        try
        {
            json = JsonNode.Parse(body) as JsonObject ?? [];
        }
        catch (JsonException)
        {
            return new HttpResponseLite(400, "{\"result\":false,\"error\":\"MissingParam\"}");
        }
        if (TolerantJson.Text(json["password"]) != _miner.Credentials.Password) return Result(false, JsonValue.Create("BadPassword"));
        return act(json["param"]);
    }

    private HttpResponseLite MinerCommand(JsonNode? param)
    {
        switch (TolerantJson.Text(param))
        {
            case "Stop":
                _miner.Sleep();
                return Result(true);
            case "Autostart":
                _miner.Wake();
                return Result(true);
            default:
                return Result(false, JsonValue.Create("MissingParam"));
        }
    }

    private HttpResponseLite BoardEnable(JsonNode? param)
    {
        if (param is not JsonArray items) return Result(false, JsonValue.Create("MissingParam"));
        var enabled = Enumerable.Range(0, _miner.Hashboards).Select(i => i < _miner.ActiveHashboards).ToArray();
        var invalid = new List<int>();
        foreach (var item in items)
        {
            var index = (int?)TolerantJson.Number(item?["Index"]);
            if (index is not { } i || i < 0 || i >= enabled.Length)
            {
                invalid.Add(index ?? -1);
                continue;
            }
            enabled[i] = item?["Data"] is JsonValue v && v.TryGetValue<bool>(out var on) && on;
        }
        if (invalid.Count > 0)
            return Result(false, new JsonObject { ["InvalidHashboardIndex"] = new JsonArray(invalid.Select(i => (JsonNode?)i).ToArray()) });
        var count = enabled.Count(e => e);
        if (count == 0) return Result(false, JsonValue.Create("NoActiveHashboards"));
        // The emulated miner keeps the first boards on: only how many is modelled, not which.
        _miner.SetActiveHashboards(count);
        return Result(true);
    }

    private static HttpResponseLite Result(bool ok, JsonNode? error = null) =>
        HttpResponseLite.Json(new JsonObject { ["result"] = ok, ["error"] = error }.ToJsonString());

    private JsonObject Summary()
    {
        var asleep = _miner.Asleep;
        var state = asleep ? "Idling" : _miner.Restarting || _miner.IsRamping ? "AdjustingClockVoltage" : "Mining";
        var active = _miner.ActiveHashboards;
        var mhs = _miner.HashrateThs * 1e6;
        var temps = _miner.TemperaturesC;
        var fan = _miner.FanRpm;
        var hbs = new JsonArray();
        for (var i = 0; i < active && !asleep; i++)
        {
            hbs.Add(new JsonObject
            {
                ["Index"] = i, ["Hashrate"] = new JsonArray(Math.Round(mhs / active, 1), 100.0, 0.8), ["Temperature"] = Math.Round(temps[i % temps.Length], 1),
                ["Input Voltage"] = 12.6, ["Core Clock Avg"] = 487.5,
            });
        }
        return new JsonObject
        {
            ["Software"] = $"PowerPlay-BMS v{_miner.Firmware}",
            ["OS Type"] = "umcOS",
            ["Hostname"] = $"epic{_miner.Index:D5}",
            ["Status"] = new JsonObject { ["Operating State"] = state, ["Last Error"] = null, ["Last Command"] = null, ["Last Command Result"] = null },
            ["HBStatus"] = new JsonArray(Enumerable.Range(0, _miner.Hashboards)
                .Select(i => (JsonNode?)new JsonObject { ["Detected"] = true, ["Enabled"] = i < active, ["Index"] = i }).ToArray()),
            ["HBs"] = hbs,
            ["Power Supply Stats"] = new JsonObject { ["Input Power"] = Math.Round(_miner.PowerW, 1), ["Output Voltage"] = 12.595, ["Target Voltage"] = 12600 },
            ["Fans Rpm"] = new JsonObject { ["Fans Speed 1"] = fan, ["Fans Speed 2"] = fan, ["Fans Speed 3"] = fan, ["Fans Speed 4"] = fan },
            ["PerpetualTune"] = new JsonObject
            {
                ["Running"] = !asleep,
                ["Algorithm"] = new JsonObject { ["VoltageOptimizer"] = new JsonObject { ["Optimized"] = true, ["Target"] = _miner.Model.NominalThs, ["Unit"] = "TH/s" } },
            },
            ["Session"] = new JsonObject { ["Uptime"] = _miner.UptimeSeconds, ["Active HBs"] = asleep ? 0 : active, ["Average MHs"] = Math.Round(mhs) },
        };
    }

    private JsonObject Capabilities() => new()
    {
        ["Model"] = _miner.Model.Name.Replace("Antminer", "AntMiner", StringComparison.Ordinal),
        ["Max HBs"] = _miner.Hashboards,
        ["Board Serial Numbers"] = new JsonArray(Enumerable.Range(0, _miner.Hashboards).Select(i => (JsonNode?)$"EMU{_miner.Index:D6}{i}").ToArray()),
        ["Chip Type"] = "BM1366",
        ["Default Hashrate"] = _miner.Model.NominalThs,
        ["Coins"] = new JsonArray("BTC"),
    };
}
