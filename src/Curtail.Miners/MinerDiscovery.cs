using System.Net;
using System.Text.Json.Nodes;
using Curtail.Miners.Protocols;

namespace Curtail.Miners;

public sealed record DiscoveredMiner(MinerFamily Family, string Firmware, string? Model, MinerEndpoint Endpoint, string Evidence);

/// <summary>
/// Tells the family and firmware of an address the way pyasic's factory does (miner-apis.md §11.5): concurrently
/// an HTTP GET / (401 Digest realm "antMiner…", page titles "Braiins OS", "AnthillOS"), the cgminer `version`
/// command (LUXminer, btminer, BOSminer, BMMiner) and a Whatsminer v3 framed get.device.info. Probes are short and
/// a port speaking another protocol simply fails its probe.
/// </summary>
public static class MinerDiscovery
{
    /// <summary>A real miner: web on 80, cgminer on 4028 (ePIC's HTTP API too), Whatsminer v3 on 4433.</summary>
    public static Task<DiscoveredMiner?> IdentifyHostAsync(string host, TimeSpan? probeTimeout = null, CancellationToken ct = default) =>
        IdentifyAsync(host, 80, [4028], 4433, probeTimeout ?? TimeSpan.FromSeconds(2), ct);

    /// <summary>An endpoint with non-standard ports (emulators): every protocol is tried on its main and second port.</summary>
    public static Task<DiscoveredMiner?> IdentifyEndpointAsync(MinerEndpoint endpoint, TimeSpan? probeTimeout = null, CancellationToken ct = default)
    {
        int[] rpc = endpoint.AuxPort is { } aux ? [endpoint.Port, aux] : [endpoint.Port];
        return IdentifyAsync(endpoint.Host, endpoint.Port, rpc, endpoint.Port, probeTimeout ?? TimeSpan.FromSeconds(1), ct);
    }

    private static async Task<DiscoveredMiner?> IdentifyAsync(string host, int webPort, int[] rpcPorts, int v3Port, TimeSpan timeout,
        CancellationToken ct)
    {
        var web = ProbeWebAsync(host, webPort, timeout, ct);
        var rpc = rpcPorts.Select(p => ProbeRpcAsync(host, p, timeout, ct)).ToArray();
        var v3 = ProbeV3Async(host, v3Port, timeout, ct);
        // ePIC serves HTTP on the cgminer port: GET /capabilities (pyasic's factory identifies it so).
        var epic = ProbeEpicAsync(host, rpcPorts[0], timeout, ct);
        await Task.WhenAll([web, v3, epic, .. rpc]).ConfigureAwait(false);

        if (epic.Result is { } epicInfo)
            return new DiscoveredMiner(MinerFamily.Epic, epicInfo.Firmware, epicInfo.Model, new MinerEndpoint(host, rpcPorts[0]), "HTTP :4028 /capabilities (ePIC)");

        if (v3.Result is { } v3Info)
            return new DiscoveredMiner(MinerFamily.WhatsminerV3, v3Info.Firmware, v3Info.Model,
                new MinerEndpoint(host, v3Port, rpcPorts.FirstOrDefault(p => p != v3Port) is var a && a != 0 ? a : null), "4433 get.device.info");
        var rpcHit = rpc.Select((t, i) => (Reply: t.Result, Port: rpcPorts[i])).FirstOrDefault(r => r.Reply is not null);
        var rpcText = rpcHit.Reply ?? "";
        var (webKind, webEvidence) = web.Result;
        int? Aux(int main) => rpcHit.Reply is null || rpcHit.Port == main ? null : rpcHit.Port;

        if (webKind == MinerFamily.AntminerStock)
            return new(MinerFamily.AntminerStock, Field(rpcText, "CompileTime") ?? "stock", Field(rpcText, "Type"),
                new MinerEndpoint(host, webPort, Aux(webPort)), webEvidence);
        // BOS before the gRPC rewrite says "BOSminer"; BOS 24.x/25.x ("BOSer") says "BOSer" (asic-rs captures).
        if (webKind == MinerFamily.BraiinsOs || Contains(rpcText, "BOSminer") || Contains(rpcText, "\"BOSer"))
            return new(MinerFamily.BraiinsOs, Field(rpcText, "BOSer") ?? Field(rpcText, "BOSminer+") ?? "Braiins OS", null,
                new MinerEndpoint(host, webPort, Aux(webPort)), webKind is null ? "cgminer version BOSminer" : webEvidence);
        if (webKind == MinerFamily.Vnish)
        {
            var info = await ProbeVnishInfoAsync(host, webPort, timeout, ct).ConfigureAwait(false);
            return new(MinerFamily.Vnish, info?.Firmware ?? "Vnish", info?.Model, new MinerEndpoint(host, webPort), webEvidence);
        }
        if (Contains(rpcText, "LUXminer"))
            return new(MinerFamily.LuxOs, Field(rpcText, "LUXminer") ?? "LuxOS", Field(rpcText, "Type"),
                new MinerEndpoint(host, rpcHit.Port), "cgminer version LUXminer");
        if (Contains(rpcText, "btminer") || Contains(rpcText, "api_ver"))
        {
            var fw = Field(rpcText, "fw_ver") ?? "";
            // pyasic: firmware dated after 2024.11 speaks API v3 (on 4433).
            var family = string.CompareOrdinal(fw, "20241100") > 0 && fw.Length >= 8 && char.IsDigit(fw[0]) ? MinerFamily.WhatsminerV3 : MinerFamily.WhatsminerV2;
            var model = await ProbeDevDetailsModelAsync(host, rpcHit.Port, timeout, ct).ConfigureAwait(false);
            return new(family, fw, model, new MinerEndpoint(host, rpcHit.Port), "cgminer get_version btminer");
        }
        // Canaan's cgminer names the product in version: PROD "Avalon Q" (asic-rs capture).
        if (Contains(Field(rpcText, "PROD") ?? "", "Avalon"))
            return new(MinerFamily.Avalon, Field(rpcText, "CGVERSION") ?? Field(rpcText, "LVERSION") ?? "Avalon",
                Field(rpcText, "PROD") ?? Field(rpcText, "MODEL"), new MinerEndpoint(host, rpcHit.Port), "cgminer version PROD Avalon");
        if (rpcHit.Reply is not null)
            return new(MinerFamily.Cgminer, Field(rpcText, "CompileTime") ?? Field(rpcText, "Miner") ?? "cgminer", Field(rpcText, "Type"),
                new MinerEndpoint(host, rpcHit.Port), "cgminer version");
        return null;
    }

    /// <summary>Anything but cancelling the scan: a host that answers nonsense is simply not identified.</summary>
    private static bool IsProbeFailure(Exception ex, CancellationToken ct) => !(ex is OperationCanceledException && ct.IsCancellationRequested);

    private static bool Contains(string text, string marker) => text.Contains(marker, StringComparison.OrdinalIgnoreCase);

    /// <summary>A field anywhere in the version reply (VERSION[0] or a Whatsminer Msg object).</summary>
    private static string? Field(string json, string name)
    {
        if (json.Length == 0) return null;
        try
        {
            var root = TolerantJson.ParseObject(json, "version");
            var version = TolerantJson.First(root, "VERSION") ?? root["Msg"] as JsonObject;
            return TolerantJson.Text(version?[name]);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static async Task<string?> ProbeRpcAsync(string host, int port, TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            var client = new CgminerClient(host, host, port, timeout);
            var text = await client.ExchangeAsync("{\"command\":\"version\"}", expectReply: true, ct).ConfigureAwait(false);
            var reply = TolerantJson.ParseObject(text, "version");
            return reply["STATUS"] is null ? null : reply.ToJsonString();
        }
        catch (Exception ex) when (IsProbeFailure(ex, ct))
        {
            return null;
        }
    }

    /// <summary>Whatsminer model from devdetails (DEVDETAILS[0].Model), as pyasic identifies it.</summary>
    private static async Task<string?> ProbeDevDetailsModelAsync(string host, int port, TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            var client = new CgminerClient(host, host, port, timeout);
            var reply = await client.CommandAsync("devdetails", checkStatus: false, cancellationToken: ct).ConfigureAwait(false);
            return TolerantJson.Text(TolerantJson.First(reply, "DEVDETAILS")?["Model"]);
        }
        catch (Exception ex) when (IsProbeFailure(ex, ct))
        {
            return null;
        }
    }

    /// <summary>ePIC: an unauthenticated GET /capabilities with a Model, then /summary's Software for the firmware.</summary>
    private static async Task<(string Firmware, string? Model)?> ProbeEpicAsync(string host, int port, TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            var reply = await MinerHttp.SendAsync(host, HttpMethod.Get, new Uri($"http://{host}:{port}/capabilities"), null, null, timeout, ct).ConfigureAwait(false);
            if (reply.Status != HttpStatusCode.OK) return null;
            var capabilities = TolerantJson.ParseObject(reply.Body, "capabilities");
            if (capabilities["Model"] is null || capabilities["Max HBs"] is null) return null;
            var summary = await MinerHttp.SendAsync(host, HttpMethod.Get, new Uri($"http://{host}:{port}/summary"), null, null, timeout, ct).ConfigureAwait(false);
            var software = summary.Status == HttpStatusCode.OK ? TolerantJson.Text(TolerantJson.ParseObject(summary.Body, "summary")["Software"]) : null;
            return (software ?? "ePIC", TolerantJson.Text(capabilities["Model"]));
        }
        catch (Exception ex) when (IsProbeFailure(ex, ct))
        {
            return null;
        }
    }

    /// <summary>Vnish's unauthenticated /api/v1/info: model and firmware version.</summary>
    private static async Task<(string? Model, string? Firmware)?> ProbeVnishInfoAsync(string host, int port, TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            var reply = await MinerHttp.SendAsync(host, HttpMethod.Get, new Uri($"http://{host}:{port}/api/v1/info"), null, null, timeout, ct).ConfigureAwait(false);
            if (reply.Status != HttpStatusCode.OK) return null;
            var info = TolerantJson.ParseObject(reply.Body, "info");
            return (TolerantJson.Text(info["miner"]), TolerantJson.Text(info["fw_version"]) is { } v ? "Vnish " + v : null);
        }
        catch (Exception ex) when (IsProbeFailure(ex, ct))
        {
            return null;
        }
    }

    private static async Task<(MinerFamily? Family, string Evidence)> ProbeWebAsync(string host, int port, TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            var reply = await MinerHttp.SendAsync(host, HttpMethod.Get, new Uri($"http://{host}:{port}/"), null, null, timeout, ct).ConfigureAwait(false);
            if (reply.Status == HttpStatusCode.Unauthorized)
            {
                var challenge = string.Join(' ', reply.HeaderValues("WWW-Authenticate"));
                if (challenge.Contains("realm=\"antMiner", StringComparison.OrdinalIgnoreCase))
                    return (MinerFamily.AntminerStock, "HTTP 401 Digest realm antMiner");
            }
            if (Contains(reply.Body, "Braiins OS")) return (MinerFamily.BraiinsOs, "web title Braiins OS");
            if (Contains(reply.Body, "AnthillOS") || Contains(reply.Body, "Vnish")) return (MinerFamily.Vnish, "web title AnthillOS");
            return (null, "");
        }
        catch (Exception ex) when (IsProbeFailure(ex, ct))
        {
            return (null, "");
        }
    }

    private static async Task<(string Firmware, string? Model)?> ProbeV3Async(string host, int port, TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            var client = new FramedJsonClient(host, host, port, timeout);
            var reply = await client.ExchangeAsync(prev => prev is null ? new JsonObject { ["cmd"] = "get.device.info" } : null, ct).ConfigureAwait(false);
            if (TolerantJson.Number(reply["code"]) != 0) return null;
            var fw = TolerantJson.Text(reply["msg"]?["system"]?["fwversion"]);
            return fw is null ? null : (fw, TolerantJson.Text(reply["msg"]?["miner"]?["type"]));
        }
        catch (Exception ex) when (IsProbeFailure(ex, ct))
        {
            return null;
        }
    }
}
