using System.Net;
using System.Text.Json.Nodes;
using Curtail.Core;

namespace Curtail.Emulators.Miners;

/// <summary>
/// A small HTTP control endpoint on the emulator process, so a test in another process can read each miner's true
/// power (the ground truth) and flip its fault switch at runtime:
/// <c>GET /miners</c>, <c>GET /miners/{id}</c>, <c>GET /power</c>, <c>PUT|POST /miners/{id}/fault/{name}</c>,
/// <c>DELETE /miners/{id}/fault</c>, <c>DELETE /faults</c>. A miner's id is its index or its "host:port".
/// </summary>
public sealed class FleetControlServer : IAsyncDisposable
{
    private readonly MinerFleetEmulator _fleet;
    private readonly TcpServerHost _host;

    public FleetControlServer(MinerFleetEmulator fleet, IPAddress address, int port)
    {
        _fleet = fleet;
        _host = new TcpServerHost(address, port, new MiniHttpServer(null, (r, _) => Task.FromResult(Handle(r))).HandleAsync);
    }

    public int Port => _host.Port;

    public void Start() => _host.Start();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    public HttpResponseLite Handle(HttpRequestLite request)
    {
        var parts = request.Path.Split('?')[0].Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        try
        {
            return (request.Method, parts) switch
            {
                ("GET", ["miners"]) => Ok(new JsonArray(_fleet.Miners.Select(m => (JsonNode)Describe(m)).ToArray())),
                ("GET", ["miners", var id]) => Ok(Describe(_fleet.Find(id))),
                ("GET", ["power"]) => Ok(new JsonObject { ["total_w"] = Math.Round(_fleet.TotalPowerW, 1) }),
                ("PUT" or "POST", ["miners", var id, "fault", var name]) => Switch(_fleet.Find(id), FaultSwitches.Parse(name, "fault")),
                ("DELETE", ["miners", var id, "fault"]) => Switch(_fleet.Find(id), MinerFaultSwitch.None),
                ("DELETE", ["faults"]) => ClearAll(),
                _ => new HttpResponseLite(404, Error($"no route {request.Method} {request.Path}")),
            };
        }
        catch (InvalidInputException ex)
        {
            return new HttpResponseLite(400, Error(ex.Message));
        }
        catch (KeyNotFoundException ex)
        {
            return new HttpResponseLite(404, Error(ex.Message));
        }
    }

    private HttpResponseLite Switch(EmulatedMiner miner, MinerFaultSwitch fault)
    {
        miner.Fault = fault;
        return Ok(Describe(miner));
    }

    private HttpResponseLite ClearAll()
    {
        foreach (var m in _fleet.Miners) m.Fault = MinerFaultSwitch.None;
        return Ok(new JsonObject { ["cleared"] = _fleet.Miners.Count });
    }

    public static JsonObject Describe(EmulatedMiner m) => new()
    {
        ["index"] = m.Index,
        ["id"] = $"{m.Endpoint.Host}:{m.Endpoint.Port}",
        ["family"] = m.Family.ToString(),
        ["model"] = m.Model.Name,
        ["mode"] = m.PoweredOff ? "PoweredOff" : m.Mode.ToString(),
        ["power_w"] = Math.Round(m.PowerW, 1),
        ["hashrate_ths"] = Math.Round(m.HashrateThs, 2),
        ["fan_rpm"] = m.FanRpm,
        ["hashboards"] = m.Hashboards,
        ["active_hashboards"] = m.ActiveHashboards,
        ["restart_remaining_s"] = Math.Round(m.RestartRemaining.TotalSeconds, 1),
        ["target_w"] = m.TargetW,
        ["fault"] = FaultSwitches.Name(m.Fault),
    };

    private static HttpResponseLite Ok(JsonNode body) => HttpResponseLite.Json(body.ToJsonString());

    private static string Error(string message) => new JsonObject { ["error"] = message }.ToJsonString();
}
