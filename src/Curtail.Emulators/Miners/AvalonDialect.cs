using System.Globalization;
using System.Text.Json.Nodes;
using Curtail.Miners;
using Curtail.Miners.Drivers;
using Curtail.Miners.Protocols;

namespace Curtail.Emulators.Miners;

/// <summary>
/// Canaan Avalon cgminer 4.11.1 on 4028, shaped like the replies asic-rs captured (avalonminer test/json): version
/// with PROD/MODEL/CGVERSION, stats with the A-series <c>"MM ID0"</c> string of <c>Key[value]</c> pairs, summary and
/// devs in MHS. <c>ascset</c> on device 0: <c>softoff,1:&lt;unix time&gt;</c> answers I 118 "ASC 0 set info: success
/// softoff:&lt;time&gt;" and powers the boards down at that time; <c>softon,1:&lt;time&gt;</c> never answers (the
/// process restarts; asic-rs treats the silence as delivered) and wakes the miner through its restart;
/// <c>workmode,set,&lt;n&gt;</c> answers S 119 "ASC 0 set OK"; anything else gets the help list (I 118).
/// </summary>
public sealed class AvalonDialect : ICgminerDialect
{
    private const string Help = "ASC 0 set info: help|voltage|fan-spd|lcd|hash-sn-read|hash-sn-write|volt-tuning|workmode|worklevel|work_mode_lvl|reboot|softon|softoff|filter-clean|facopts|faclock|activate|solo-allowed|frequency|loop|password|qr_auth|time|";
    private static readonly HashSet<string> Reads = ["version", "stats", "summary", "devs", "pools", "estats", "litestats"];
    private readonly EmulatedMiner _miner;
    private readonly object _gate = new();
    private int _workMode = AvalonMiner.WorkModeFractions.Count - 1;

    public AvalonDialect(EmulatedMiner miner) => _miner = miner;

    private long When => _miner.Now.ToUnixTimeSeconds();

    public string? Handle(JsonObject request) =>
        Handle(TolerantJson.Text(request["command"]) ?? "", TolerantJson.Text(request["parameter"]));

    public string? Handle(string command, string? parameter)
    {
        parameter ??= "";
        if (command == "ascset") return AscSet(parameter);
        if (!Reads.Contains(command.Split('+')[0])) return Cgminer.StatusText("E", 14, "Invalid command", When);
        return Cgminer.Multi(command, Read, Reads.Contains);
    }

    private string? Read(string command) => command switch
    {
        "version" => Cgminer.Reply(When, 22, "CGMiner versions", "VERSION", new JsonObject
        {
            ["CGMiner"] = "4.11.1", ["API"] = "3.7", ["PROD"] = ProductName, ["MODEL"] = ProductName.Replace("Avalon ", "", StringComparison.Ordinal),
            ["HWTYPE"] = "MM4v2_X3", ["SWTYPE"] = "MM314", ["LVERSION"] = _miner.Firmware, ["BVERSION"] = _miner.Firmware,
            ["CGVERSION"] = _miner.Firmware, ["DNA"] = $"020100{_miner.Index:x10}", ["MAC"] = $"b4a2eb{_miner.Index:x6}",
        }),
        "summary" => Cgminer.Reply(When, 11, "Summary", "SUMMARY", new JsonObject
        {
            ["Elapsed"] = _miner.UptimeSeconds, ["MHS av"] = Math.Round(_miner.HashrateThs * 1e6, 2),
            ["MHS 5s"] = Math.Round(_miner.HashrateThs * 1e6, 2), ["MHS 1m"] = Math.Round(_miner.HashrateThs * 1e6, 2),
            ["Accepted"] = 0, ["Rejected"] = 0, ["Hardware Errors"] = 0,
        }),
        "devs" => Cgminer.Reply(When, 9, "1 ASC(s)", "DEVS", new JsonObject
        {
            ["ASC"] = 0, ["Name"] = "AVA10", ["ID"] = 0, ["Enabled"] = "Y", ["Status"] = "Alive",
            ["MHS 1m"] = Math.Round(_miner.HashrateThs * 1e6, 2), ["MHS 5s"] = Math.Round(_miner.HashrateThs * 1e6, 2),
        }),
        "stats" or "estats" or "litestats" => Cgminer.Reply(When, 70, "CGMiner stats", "STATS",
            new JsonObject { ["STATS"] = 0, ["ID"] = "AVA100", ["Elapsed"] = _miner.UptimeSeconds, ["Calls"] = 0, ["MM Count"] = 1, ["MM ID0"] = MmId0() }),
        "pools" => Cgminer.Reply(When, 7, "1 Pool(s)", "POOLS", new JsonObject { ["POOL"] = 0, ["URL"] = "stratum+tcp://pool.example:3333", ["Status"] = "Alive" }),
        _ => null,
    };

    private string ProductName => _miner.Model.Name.Replace("Avalon A", "Avalon ", StringComparison.Ordinal);

    /// <summary>The A-series "MM ID0" telemetry string (field names and layout as in asic-rs avalon_a_stats.json).</summary>
    private string MmId0()
    {
        var i = CultureInfo.InvariantCulture;
        var watts = _miner.PowerW;
        var ghs = _miner.HashrateThs * 1000;
        var boards = _miner.ActiveHashboards;
        var perBoard = Enumerable.Range(0, _miner.Hashboards).Select(b => b < boards ? ghs / boards : 0).ToArray();
        var temps = _miner.TemperaturesC;
        var asleep = _miner.Asleep;
        var state = asleep ? "In Idle" : _miner.Restarting ? "In Init" : "In Work";
        var fan = _miner.FanRpm;
        int mode;
        lock (_gate) mode = _workMode;
        var mpo = Math.Round(_miner.Model.NominalW * AvalonMiner.WorkModeFractions[mode]);
        return string.Create(i,
            $"Ver[{_miner.Model.Name.Replace("Avalon A", "", StringComparison.Ordinal)}-{_miner.Firmware}] DNA[020100{_miner.Index:x10}] " +
            $"SYSTEMSTATU[Work: {state}, Hash Board: {_miner.Hashboards} ] Elapsed[{_miner.UptimeSeconds}] " +
            $"Temp[25] TMax[{temps.Max():0}] TAvg[{temps.Average():0}] Fan1[{fan}] Fan2[{fan}] Fan3[{fan}] Fan4[{fan}] FanR[{(fan > 0 ? 100 * fan / 6000 : 0)}%] " +
            $"PS[0 1214 1316 242 {watts:0} 1320 {mpo:0}] GHSspd[{ghs:0.00}] GHSmm[{_miner.Model.NominalThs * 1000:0.00}] GHSavg[{ghs:0.00}] " +
            $"MGHS[{string.Join(' ', perBoard.Select(g => g.ToString("0.00", i)))}] MTmax[{string.Join(' ', temps.Select(t => t.ToString("0", i)))}] " +
            $"MTavg[{string.Join(' ', temps.Select(t => (t - 5).ToString("0", i)))}] SoftOFF[{(asleep ? 1 : 0)}] WORKMODE[{mode}] MPO[{mpo:0}]");
    }

    private string? AscSet(string parameter)
    {
        var parts = parameter.Split(',');
        if (parts.Length < 2 || parts[0] != "0") return Cgminer.StatusText("E", 120, "Missing device id", When);
        switch (parts[1])
        {
            case "softoff" or "softon" when parts.Length >= 3:
                var at = parts[2].Split(':') is [_, var ts] && long.TryParse(ts, NumberStyles.Integer, CultureInfo.InvariantCulture, out var t) ? t : When;
                var off = parts[1] == "softoff";
                Schedule(at, off);
                // softon restarts the miner program before answering: real firmware drops the connection.
                return off ? Cgminer.StatusText("I", 118, $"ASC 0 set info: success softoff:{at}", When) : null;
            case "workmode" when parts.Length >= 4 && parts[2] == "set"
                                 && int.TryParse(parts[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var mode)
                                 && mode >= 0 && mode < AvalonMiner.WorkModeFractions.Count:
                lock (_gate) _workMode = mode;
                _miner.SetTarget(_miner.Model.NominalW * AvalonMiner.WorkModeFractions[mode]);
                return Cgminer.StatusText("S", 119, "ASC 0 set OK", When);
            default:
                return Cgminer.StatusText("I", 118, Help, When);
        }
    }

    /// <summary>The firmware acts at the given unix time (at once if it is past).</summary>
    private void Schedule(long unixSeconds, bool off) => _miner.Schedule(DateTimeOffset.FromUnixTimeSeconds(unixSeconds), sleep: off);
}
