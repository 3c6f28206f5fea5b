using System.Globalization;
using System.Text.Json.Nodes;
using Curtail.Miners;
using Curtail.Miners.Protocols;

namespace Curtail.Emulators.Miners;

/// <summary>
/// LuxOS on 4028 (miner-apis.md §4): one session at a time (logon 316 / 402 when taken, 60 s sliding idle expiry),
/// write commands take the session id as first parameter, curtail sleep/wakeup, profiles selected by name or by
/// "NNNNW"/"N.NkW"/"NNTHs", ATM blocking profile changes.
/// </summary>
public sealed class LuxOsDialect : ICgminerDialect
{
    private static readonly HashSet<string> SessionCommands = ["curtail", "profileset", "atmset", "logoff"];
    private static readonly HashSet<string> ReadCommands = ["version", "summary", "power", "stats", "devs", "config", "profiles", "atm", "session", "pools"];
    private readonly EmulatedMiner _miner;
    private readonly object _gate = new();
    private readonly List<Profile> _profiles;
    private string? _sessionId;
    private DateTimeOffset _sessionLastUse;
    private string _activeProfile = "default";
    private bool _atmEnabled;

    public LuxOsDialect(EmulatedMiner miner, bool atmEnabled = false)
    {
        _miner = miner;
        _atmEnabled = atmEnabled;
        _profiles = BuildProfiles(miner.Model);
        miner.SessionsLost += () => { lock (_gate) _sessionId = null; };
    }

    public sealed record Profile(string Name, int FrequencyMhz, double Voltage, double Watts, double HashrateThs);

    /// <summary>default plus 16 under-clock and 8 over-clock steps of 25 MHz (docs.luxor.tech/firmware/features).</summary>
    private static List<Profile> BuildProfiles(ModelSpec model)
    {
        const int baseMhz = 525;
        var list = new List<Profile>();
        for (var step = -16; step <= 8; step++)
        {
            var mhz = baseMhz + 25 * step;
            // Under-clock profiles span 50-100 % of nominal power, over-clock up to +20 %.
            var p = step <= 0 ? 1 + step * (0.5 / 16) : 1 + step * (0.2 / 8);
            var watts = Math.Round(model.NominalW * p);
            var name = step == 0 ? "default" : $"{mhz}MHz";
            list.Add(new Profile(name, mhz, Math.Round(13.4 + step * 0.1, 2), watts, Math.Round(model.HashrateAt(watts), 2)));
        }
        return list;
    }

    public string? Handle(JsonObject request) =>
        Handle(TolerantJson.Text(request["command"]) ?? TolerantJson.Text(request["cmd"]) ?? "", TolerantJson.Text(request["parameter"]));

    public string? Handle(string command, string? parameter)
    {
        var p = parameter ?? "";
        // A single command, the usual request (a shed's logon and curtail), needs no closure for the multi-command path.
        return command.Contains('+') ? Cgminer.Multi(command, c => Single(c, p), ReadCommands.Contains) : Single(command, p);
    }

    private long When => _miner.Now.ToUnixTimeSeconds();

    private string? Single(string command, string parameter)
    {
        lock (_gate)
        {
            ExpireSession();
            if (SessionCommands.Contains(command))
            {
                var parts = parameter.Split(',');
                if (_sessionId is null || parts[0] != _sessionId)
                    return Status("E", 401, "Invalid session id");
                _sessionLastUse = _miner.Now;
                return Write(command, parts.Skip(1).ToArray());
            }
            return command switch
            {
                "version" => Cgminer.Reply(When, 22, "LUXminer versions", "VERSION", new JsonObject
                {
                    ["API"] = "3.7", ["LUXminer"] = _miner.Firmware, ["Miner"] = _miner.Firmware, ["Type"] = _miner.Model.Name,
                }),
                "summary" => CountedRead(Cgminer.Reply(When, 11, "Summary", "SUMMARY", new JsonObject
                {
                    ["Elapsed"] = _miner.UptimeSeconds,
                    ["GHS 5s"] = Math.Round(_miner.HashrateThs * 1000, 2),
                    ["GHS av"] = Math.Round(_miner.HashrateThs * 1000, 2),
                })),
                "power" => Cgminer.Reply(When, 339, "Power", "POWER", new JsonObject
                {
                    ["Watts"] = Math.Round(_miner.PowerW), ["PSU"] = false,
                }),
                "stats" => Stats(),
                "devs" => Devs(),
                "config" => Cgminer.Reply(When, 33, "LUXminer config", "CONFIG", new JsonObject
                {
                    ["Profile"] = _activeProfile,
                    ["MACAddr"] = $"02:00:00:{_miner.Index >> 16 & 0xff:x2}:{_miner.Index >> 8 & 0xff:x2}:{_miner.Index & 0xff:x2}",
                    ["Hostname"] = $"luxos-{_miner.Index}",
                    ["RedLed"] = "off",
                }),
                "profiles" => Cgminer.Reply(When, 327, "Profiles", "PROFILES", _profiles.Select(p => new JsonObject
                {
                    ["Profile Name"] = p.Name, ["Frequency"] = p.FrequencyMhz, ["Voltage"] = p.Voltage,
                    ["Watts"] = p.Watts, ["Hashrate"] = p.HashrateThs, ["IsTuned"] = p.Name == "default",
                }).ToArray()),
                "atm" => Cgminer.Reply(When, 340, "ATM", "ATM", new JsonObject { ["Enabled"] = _atmEnabled }),
                "session" => _sessionId is null
                    ? Cgminer.Reply(When, 319, "No session", "SESSION", "SessionID", "")
                    : Cgminer.Reply(When, 319, "Session", "SESSION", "SessionID", _sessionId),
                "logon" => Logon(),
                "kill" => Kill(),
                _ => Status("E", 14, $"Invalid command '{command}'"),
            };
        }
    }

    private string CountedRead(string reply)
    {
        _miner.CountStatusRead();
        return reply;
    }

    private void ExpireSession()
    {
        if (_sessionId is not null && _miner.Now - _sessionLastUse > _miner.Timing.LuxOsSessionIdle) _sessionId = null;
    }

    private string Logon()
    {
        if (_sessionId is not null) return Status("E", 402, "Another session is active");
        _sessionId = Convert.ToBase64String(BitConverter.GetBytes(_miner.NextRandom(int.MaxValue)))[..8].Replace('/', 'x').Replace('+', 'y');
        _sessionLastUse = _miner.Now;
        return Cgminer.Reply(When, 316, "Session created", "SESSION", "SessionID", _sessionId);
    }

    private string Kill()
    {
        _sessionId = null;
        return Status("S", 318, "Session killed");
    }

    private string Write(string command, string[] args)
    {
        switch (command)
        {
            case "logoff":
                _sessionId = null;
                return Status("S", 317, "Session closed");
            case "curtail":
                var action = args.FirstOrDefault() ?? "";
                if (action == "sleep")
                {
                    _miner.Sleep();
                    return Cgminer.Reply(When, 335, "Curtailment command sent", "CURTAIL", "Action", "sleep mode");
                }
                if (action == "wakeup")
                {
                    _miner.Wake();
                    return Cgminer.Reply(When, 335, "Curtailment command sent", "CURTAIL", "Action", "wake up");
                }
                return Status("E", 336, $"Invalid curtail mode '{action}'");
            case "profileset":
                if (_atmEnabled) return Status("E", 345, "Cannot change profile while ATM is enabled");
                if (_miner.Asleep) return Status("E", 346, "Cannot change profile while curtailed");
                var profile = Select(args.FirstOrDefault() ?? "");
                if (profile is null) return Status("E", 322, $"Unknown profile '{args.FirstOrDefault()}'");
                _activeProfile = profile.Name;
                _miner.SetTarget(profile.Watts);
                return Cgminer.Reply(When, 321, "Profile Set", "PROFILE", new JsonObject
                {
                    ["Board"] = 0, ["FrequencyStep"] = 5, ["Profile"] = profile.Name, ["VoltageStep"] = 0.05,
                });
            case "atmset":
                var enabled = args.FirstOrDefault(a => a.StartsWith("enabled=", StringComparison.Ordinal));
                if (enabled is null) return Status("E", 341, "Missing enabled=");
                _atmEnabled = enabled.EndsWith("true", StringComparison.OrdinalIgnoreCase);
                return Status("S", 342, "ATM configuration updated");
            default:
                return Status("E", 14, $"Invalid command '{command}'");
        }
    }

    /// <summary>Nearest profile to a "NNNNW", "N.NkW" or "NNTHs" selector, or an exact name.</summary>
    private Profile? Select(string selector)
    {
        var exact = _profiles.FirstOrDefault(p => p.Name.Equals(selector, StringComparison.OrdinalIgnoreCase));
        if (exact is not null) return exact;
        static double? Num(string s) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;
        if (selector.EndsWith("kW", StringComparison.OrdinalIgnoreCase) && Num(selector[..^2]) is { } kw)
            return _profiles.MinBy(p => Math.Abs(p.Watts - kw * 1000));
        if (selector.EndsWith('W') && Num(selector[..^1]) is { } w)
            return _profiles.MinBy(p => Math.Abs(p.Watts - w));
        if (selector.EndsWith("THs", StringComparison.OrdinalIgnoreCase) && Num(selector[..^3]) is { } ths)
            return _profiles.MinBy(p => Math.Abs(p.HashrateThs - ths));
        return null;
    }

    private string Stats()
    {
        var t = _miner.TemperaturesC;
        var second = new JsonObject
        {
            ["Elapsed"] = _miner.UptimeSeconds,
            ["total_rateideal"] = _miner.Model.NominalThs * 1000,
            ["rate_unit"] = "GH",
            ["fan_num"] = 4,
        };
        for (var i = 1; i <= 4; i++) second[$"fan{i}"] = _miner.FanRpm;
        for (var i = 0; i < t.Length; i++)
        {
            second[$"temp_pcb{i + 1}"] = $"{t[i] - 5:0}-{t[i] - 4:0}-{t[i] - 6:0}-{t[i] - 5:0}";
            second[$"temp_chip{i + 1}"] = $"{t[i]:0}-{t[i] + 1:0}-{t[i] - 1:0}-{t[i]:0}";
            second[$"chain_rate{i + 1}"] = Math.Round(_miner.HashrateThs * 1000 / t.Length, 2).ToString(CultureInfo.InvariantCulture);
        }
        return Cgminer.Reply(When, 70, "CGMiner stats", "STATS", new JsonObject { ["STATS"] = 0, ["Type"] = _miner.Model.Name }, second);
    }

    private string Devs()
    {
        var ramping = _miner.IsRamping;
        var per = _miner.HashrateThs * 1e6 / 3;
        return Cgminer.Reply(When, 9, "3 ASC(s)", "DEVS", Enumerable.Range(0, 3).Select(i => new JsonObject
        {
            ["ASC"] = i, ["Enabled"] = "Y", ["Status"] = "Alive", ["IsRamping"] = ramping, ["MHS 5s"] = Math.Round(per, 2),
        }).ToArray());
    }

    private string Status(string letter, int code, string msg) =>
        Cgminer.StatusText(letter, code, msg, When, "LUXminer " + _miner.Firmware);
}
