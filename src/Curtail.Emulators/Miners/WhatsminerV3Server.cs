using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Curtail.Miners.Protocols;

namespace Curtail.Emulators.Miners;

/// <summary>
/// Whatsminer API v3 on 4433 (miner-apis.md §6): length-prefixed JSON both ways, several frames per connection,
/// reply envelope {code, when, msg, desc}; set.* commands carry ts/account/token where token is the first 8 chars
/// of base64(SHA-256(cmd + password + salt + ts)) and ts must be within a minute of the miner's clock.
/// </summary>
public sealed class WhatsminerV3Server
{
    private static readonly TimeSpan TsTolerance = TimeSpan.FromSeconds(60);
    private readonly EmulatedMiner _miner;
    private string _salt;

    public WhatsminerV3Server(EmulatedMiner miner)
    {
        _miner = miner;
        _salt = NewSalt();
        miner.SessionsLost += () => _salt = NewSalt();
    }

    private string NewSalt() => Convert.ToHexString(BitConverter.GetBytes(_miner.NextRandom(int.MaxValue)))[..8].ToLowerInvariant();

    public async Task HandleAsync(Socket socket, CancellationToken ct)
    {
        // Replies here go out in more than one write on one connection: Nagle would hold the second for the ACK.
        socket.NoDelay = true;
        if (await FaultSwitches.PlayBeforeRequestAsync(_miner, socket, ct).ConfigureAwait(false)) return;
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        while (!ct.IsCancellationRequested)
        {
            string text;
            using (var idle = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                idle.CancelAfter(TimeSpan.FromSeconds(10));
                try
                {
                    text = await FramedJsonClient.ReadFrameAsync(stream, idle.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or OperationCanceledException)
                {
                    return;
                }
            }
            if (await FaultSwitches.PlayBeforeReplyAsync(_miner, socket, ct).ConfigureAwait(false)) return;
            var fault = _miner.NextFault();
            if (await TcpServerHost.PlayTransportFaultAsync(fault, socket, ct).ConfigureAwait(false)) return;
            var reply = Handle(text);
            if (fault == InjectedFault.Malformed) reply = CgminerApiServer.Malform(reply, 0);
            reply = FaultSwitches.Corrupt(_miner.Fault, reply);
            await FramedJsonClient.WriteFrameAsync(stream, reply, ct).ConfigureAwait(false);
        }
    }

    private long When => _miner.Now.ToUnixTimeSeconds();

    private string Reply(int code, JsonNode? msg, string desc) =>
        new JsonObject { ["code"] = code, ["when"] = When, ["msg"] = msg, ["desc"] = desc }.ToJsonString();

    public string Handle(string text)
    {
        JsonObject request;
        try
        {
            request = JsonNode.Parse(text) as JsonObject ?? throw new JsonException("not an object");
        }
        catch (JsonException)
        {
            return Reply(-2, "invalid json", "");
        }
        var cmd = TolerantJson.Text(request["cmd"]) ?? "";
        var param = request["param"];
        if (cmd.StartsWith("set.", StringComparison.Ordinal))
        {
            var ts = (long?)TolerantJson.Number(request["ts"]);
            var token = TolerantJson.Text(request["token"]);
            var account = TolerantJson.Text(request["account"]);
            if (ts is null || token is null || account is null) return Reply(-3, "ts, account and token are required", cmd);
            if (Math.Abs(ts.Value - When) > TsTolerance.TotalSeconds) return Reply(-4, "timestamp out of range", cmd);
            if (account != _miner.Credentials.User
                || token != WhatsminerCrypto.V3Token(cmd, _miner.Credentials.Password, _salt, ts.Value))
                return Reply(-4, "no permission", cmd);
            return Set(cmd, param);
        }
        return cmd switch
        {
            "get.device.info" => DeviceInfo(TolerantJson.Text(param)),
            "get.miner.status" => MinerStatus(TolerantJson.Text(param)),
            _ => Reply(-2, $"invalid command '{cmd}'", cmd),
        };
    }

    private string Set(string cmd, JsonNode? param)
    {
        switch (cmd)
        {
            case "set.miner.service":
                var action = TolerantJson.Text(param);
                if (action == "stop") _miner.Sleep();
                else if (action == "start") _miner.Wake();
                else if (action is not ("restart" or "enable" or "disable")) return Reply(-2, $"invalid param '{action}'", cmd);
                return Reply(0, new JsonObject { ["service"] = action }, cmd);
            case "set.miner.power_limit":
                // An integer W; the object form {"watts":x} was a client bug (asic-rs PR 146).
                if (param is not JsonValue v || !v.TryGetValue<long>(out var watts)) return Reply(-2, "param must be an integer W", cmd);
                if (watts > _miner.Model.NominalW || watts < _miner.Limits.MinW) return Reply(-1, $"power limit {watts} W out of range", cmd);
                _miner.SetTarget(watts, restartsMining: true);
                return Reply(0, new JsonObject { ["power-limit"] = watts }, cmd);
            default:
                return Reply(-2, $"invalid command '{cmd}'", cmd);
        }
    }

    private string DeviceInfo(string? param)
    {
        if (param == "salt") return Reply(0, new JsonObject { ["salt"] = _salt }, "get.device.info");
        var msg = new JsonObject
        {
            ["miner"] = new JsonObject
            {
                ["working"] = _miner.Asleep ? "false" : "true", ["type"] = _miner.Model.Name,
                ["power-limit-set"] = Math.Round(_miner.TargetW),
            },
            ["system"] = new JsonObject { ["api"] = "3.0.1", ["fwversion"] = _miner.Firmware },
            ["power"] = new JsonObject { ["pin"] = Math.Round(_miner.PowerW) },
        };
        if (param is "miner" or "system" or "power") msg = new JsonObject { [param] = msg[param]!.DeepClone() };
        return Reply(0, msg, "get.device.info");
    }

    private string MinerStatus(string? param)
    {
        if (string.IsNullOrEmpty(param)) return Reply(-3, "param is required (summary|pools|edevs)", "get.miner.status");
        var msg = new JsonObject();
        foreach (var part in param.Split('+'))
        {
            if (part == "summary")
            {
                var t = _miner.TemperaturesC;
                msg["summary"] = new JsonObject
                {
                    ["elapsed"] = _miner.UptimeSeconds, ["hash-realtime"] = Math.Round(_miner.HashrateThs, 3),
                    ["hash-average"] = Math.Round(_miner.HashrateThs, 3), ["factory-hash"] = _miner.Model.NominalThs,
                    ["power-realtime"] = Math.Round(_miner.PowerW), ["power-limit"] = Math.Round(_miner.TargetW),
                    ["chip-temp-avg"] = Math.Round(t.Average(), 1),
                    ["board-temperature"] = new JsonArray(t.Select(x => (JsonNode?)JsonValue.Create(Math.Round(x - 10, 1))).ToArray()),
                    ["up-freq-finish"] = _miner.IsRamping ? 0 : 1,
                    ["fan-speed-in"] = _miner.FanRpm, ["fan-speed-out"] = _miner.FanRpm,
                };
            }
            else if (part is "pools" or "edevs") msg[part] = new JsonArray();
            else return Reply(-2, $"invalid param '{part}'", "get.miner.status");
        }
        return Reply(0, msg, "get.miner.status");
    }
}
