using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Curtail.Miners;
using Curtail.Miners.Protocols;

namespace Curtail.Emulators.Miners;

/// <summary>
/// Whatsminer API v2 (btminer) on 4028 (miner-apis.md §5): plaintext reads, get_token with salt/newsalt/time,
/// writes only as AES-256-ECB ciphertext carrying a valid token (Code 135 otherwise, 136 past 32 tokens),
/// power_off that never replies, adjust_power_limit that restarts mining. With <c>writesEnabled: false</c> it is
/// the v2-compatible read API of v3 firmware, where writes broke (pyasic issue 363).
/// </summary>
public sealed class WhatsminerV2Dialect : ICgminerDialect
{
    private const int MaxTokens = 32;
    private static readonly HashSet<string> Reads = ["summary", "status", "devs", "edevs", "pools", "get_version", "version", "get_miner_info", "get_psu", "devdetails"];
    private readonly EmulatedMiner _miner;
    private readonly bool _writesEnabled;
    private readonly string _salt;
    private readonly object _gate = new();
    private readonly Dictionary<string, DateTimeOffset> _tokens = new(StringComparer.Ordinal);

    public WhatsminerV2Dialect(EmulatedMiner miner, bool writesEnabled = true)
    {
        _miner = miner;
        _writesEnabled = writesEnabled;
        _salt = "BQ5hoXV9";
        miner.SessionsLost += () => { lock (_gate) _tokens.Clear(); };
    }

    private string Key => _key ??= WhatsminerCrypto.Key(_miner.Credentials.Password, _salt);
    private string? _key;
    private long When => _miner.Now.ToUnixTimeSeconds();

    public string? Handle(JsonObject request)
    {
        if (request["enc"] is not null) return HandleEncrypted(request);
        var command = TolerantJson.Text(request["cmd"]) ?? TolerantJson.Text(request["command"]) ?? "";
        if (command == "get_token") return GetToken();
        if (!Reads.Contains(command.Split('+')[0]))
            return Flat("E", 45, $"Permission denied: '{command}' must be sent encrypted");
        return Cgminer.Multi(command, Read, Reads.Contains);
    }

    private string GetToken()
    {
        lock (_gate)
        {
            var now = _miner.Now;
            foreach (var expired in _tokens.Where(t => t.Value < now).Select(t => t.Key).ToList()) _tokens.Remove(expired);
            if (_tokens.Count >= MaxTokens) return Flat("E", 136, "Token over max number");
            var time = (_miner.NextRandom(9000) + 1000).ToString(CultureInfo.InvariantCulture);
            var newSalt = Convert.ToHexString(BitConverter.GetBytes(_miner.NextRandom(int.MaxValue)))[..8].ToLowerInvariant();
            _tokens[WhatsminerCrypto.Sign(Key, time, newSalt)] = now + _miner.Timing.WhatsminerTokenLife;
            var o = FlatObject("S", 134, "");
            o["Msg"] = new JsonObject { ["time"] = time, ["salt"] = _salt, ["newsalt"] = newSalt };
            return o.ToJsonString();
        }
    }

    private string? HandleEncrypted(JsonObject request)
    {
        var data = TolerantJson.Text(request["data"]) ?? "";
        JsonObject inner;
        try
        {
            inner = JsonNode.Parse(WhatsminerCrypto.Decrypt(Key, data)) as JsonObject ?? throw new FormatException("not an object");
        }
        catch (Exception ex) when (ex is FormatException or JsonException or System.Security.Cryptography.CryptographicException)
        {
            return Flat("E", 137, "Base64 decode error");
        }
        var token = TolerantJson.Text(inner["token"]) ?? "";
        lock (_gate)
        {
            if (!_tokens.TryGetValue(token, out var until) || until < _miner.Now)
                return Encrypt(Flat("E", 135, "Check token error"));
        }
        var command = TolerantJson.Text(inner["cmd"]) ?? "";
        if (!_writesEnabled) return Encrypt(Flat("E", 45, "Permission denied"));
        switch (command)
        {
            case "power_off":
                _miner.Sleep();
                return null; // the firmware suspends btminer before answering: the client never gets a reply
            case "power_on":
                _miner.Wake();
                return Encrypt(Flat("S", 131, "API command OK"));
            case "adjust_power_limit":
                var text = TolerantJson.Text(inner["power_limit"]);
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var watts) || watts <= 0)
                    return Encrypt(Flat("E", 14, "Invalid power_limit"));
                if (watts >= 99999) watts = _miner.Model.NominalW;
                if (watts > _miner.Model.NominalW || watts < _miner.Limits.MinW)
                    return Encrypt(Flat("E", 132, $"Power limit {watts:0} W out of range"));
                _miner.SetTarget(watts, restartsMining: true);
                return Encrypt(Flat("S", 131, "API command OK"));
            default:
                return Encrypt(Flat("E", 14, $"Invalid command '{command}'"));
        }
    }

    private string Encrypt(string reply) => new JsonObject { ["enc"] = WhatsminerCrypto.Encrypt(Key, reply) }.ToJsonString();

    private string? Read(string command)
    {
        var ghs = _miner.HashrateThs * 1e6;
        var t = _miner.TemperaturesC;
        switch (command)
        {
            case "summary":
                return Cgminer.Reply(When, 11, "Summary", "SUMMARY", new JsonObject
                {
                    ["Elapsed"] = _miner.UptimeSeconds, ["MHS av"] = Math.Round(ghs, 2), ["MHS 5s"] = Math.Round(ghs, 2),
                    ["MHS 1m"] = Math.Round(ghs, 2), ["Power"] = Math.Round(_miner.PowerW), ["Power Limit"] = Math.Round(_miner.TargetW),
                    ["Power Mode"] = "Normal", ["Env Temp"] = 25.0, ["Chip Temp Avg"] = Math.Round(t.Average(), 1),
                    ["Factory GHS"] = _miner.Model.NominalThs * 1000, ["Upfreq Complete"] = _miner.IsRamping ? 0 : 1,
                    ["Hash Stable"] = !_miner.IsRamping, ["Hash Stable Cost Seconds"] = 627,
                    ["Fan Speed In"] = _miner.FanRpm, ["Fan Speed Out"] = _miner.FanRpm,
                });
            case "status":
                var o = FlatObject("S", 131, "");
                o["Msg"] = new JsonObject
                {
                    ["mineroff"] = _miner.Asleep ? "true" : "false", ["btmineroff"] = _miner.Asleep ? "true" : "false",
                    ["power_limit_set"] = _miner.TargetW < _miner.Model.NominalW ? "true" : "false",
                };
                return o.ToJsonString();
            case "devs" or "edevs":
                return Cgminer.Reply(When, 9, "3 ASC(s)", "DEVS", t.Select((temp, i) => new JsonObject
                {
                    ["ASC"] = i, ["Slot"] = i, ["Temperature"] = Math.Round(temp - 10, 1), ["Chip Temp Avg"] = Math.Round(temp, 1),
                    ["MHS 1m"] = Math.Round(ghs / 3, 2),
                }).ToArray());
            case "get_version" or "version":
                var v = FlatObject("S", 131, "");
                v["Msg"] = new JsonObject { ["api_ver"] = "2.0.5", ["fw_ver"] = _miner.Firmware, ["platform"] = "H6OS", ["chip"] = "K67" };
                v["Description"] = "btminer";
                return v.ToJsonString();
            case "get_miner_info":
                var info = FlatObject("S", 131, "");
                info["Msg"] = new JsonObject { ["hostname"] = $"WhatsMiner-{_miner.Index}", ["minersn"] = $"WM{_miner.Index:D8}", ["type"] = _miner.Model.Name };
                return info.ToJsonString();
            case "devdetails":
                return Cgminer.Reply(When, 69, "Device Details", "DEVDETAILS", new JsonObject { ["Name"] = "SM", ["Model"] = _miner.Model.Name, ["Driver"] = "bitmicro" });
            default:
                return Cgminer.Reply(When, 7, "0 Pool(s)", "POOLS");
        }
    }

    private JsonObject FlatObject(string letter, int code, string msg) => new()
    {
        ["STATUS"] = letter, ["When"] = When, ["Code"] = code, ["Msg"] = msg, ["Description"] = "",
    };

    private string Flat(string letter, int code, string msg) => FlatObject(letter, code, msg).ToJsonString();
}
