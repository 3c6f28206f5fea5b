using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Curtail.Core;
using Curtail.Core.LoadFollowing;
using Curtail.Modbus.Client;
using Curtail.Modbus.Gensets;
using Curtail.Modbus.Maps;
using Curtail.Modbus.Protocol;

namespace Curtail.Cli.Commands;

/// <summary>`curtail genset read`: one typed reading of any genset through a register map (or a stream with --watch).</summary>
public sealed class GensetReadCommand : ICliCommand
{
    public string? Parent => "genset";
    public string? ParentDescription => "Genset (Modbus TCP) tools";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public Command Build()
    {
        var endpoint = new Option<string>("--endpoint") { Description = "HOST:PORT of the genset controller", Required = true };
        var map = new Option<string>("--map") { Description = $"Register map: a shipped template ({string.Join(", ", RegisterMapLoader.TemplateNames)}) or a YAML file", DefaultValueFactory = _ => "default" };
        var unit = new Option<int?>("--unit") { Description = "Modbus unit id (default: the map's)" };
        var json = new Option<bool>("--json") { Description = "JSON output (one object per reading)" };
        var watch = new Option<bool>("--watch") { Description = "Keep reading at the map's poll interval until Ctrl+C" };
        var timeout = new Option<int?>("--timeout-ms") { Description = "Per-request timeout (default: the map's)" };
        var command = new Command("read", "Read a genset over Modbus TCP and print a typed snapshot") { endpoint, map, unit, json, watch, timeout };
        command.SetAction(async (parse, ct) =>
        {
            var registerMap = RegisterMapLoader.Load(parse.GetValue(map)!);
            var unitId = parse.GetValue(unit) ?? registerMap.UnitId;
            if (unitId is < 0 or > 255) throw new InvalidInputException("--unit", null, $"{unitId} is not 0..255");
            var (host, port) = ModbusClientOptions.ParseEndpoint(parse.GetValue(endpoint)!);
            var options = new ModbusClientOptions
            {
                Host = host, Port = port,
                ResponseTimeout = parse.GetValue(timeout) is { } ms ? TimeSpan.FromMilliseconds(ms) : registerMap.ResponseTimeout,
            };
            var output = parse.InvocationConfiguration.Output;
            await using var client = new ModbusTcpClient(options);
            var reader = new GensetReader(client, registerMap, (byte)unitId);
            if (!parse.GetValue(watch))
            {
                var reading = await reader.ReadAsync(ct);
                Print(output, reading, registerMap, options, (byte)unitId, parse.GetValue(json));
                return CurtailApp.ExitOk;
            }
            using var timer = new PeriodicTimer(registerMap.PollInterval);
            do
            {
                try
                {
                    Print(output, await reader.ReadAsync(ct), registerMap, options, (byte)unitId, parse.GetValue(json));
                }
                catch (ModbusException ex)
                {
                    // A watch keeps going through link trouble, saying what went wrong each time.
                    parse.InvocationConfiguration.Error.WriteLine($"read failed: {ex.Message}");
                }
            } while (await timer.WaitForNextTickAsync(ct).AsTask().ContinueWith(t => t is { IsCompletedSuccessfully: true, Result: true }, CancellationToken.None));
            return CurtailApp.ExitOk;
        });
        return command;
    }

    private static void Print(TextWriter output, GensetReading r, RegisterMap map, ModbusClientOptions endpoint, byte unitId, bool json)
    {
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(ToJson(r, map, endpoint, unitId), Json));
            output.Flush();
            return;
        }
        output.WriteLine($"{endpoint.Host}:{endpoint.Port} unit {unitId}  map {map.Name} ({map.Vendor} {map.Model}){(map.Partial ? " [partial map]" : "")}");
        output.WriteLine($"  time read          {r.TimeRead:O}");
        output.WriteLine($"  active power       {Kw(r.ActivePowerKw)}");
        output.WriteLine($"  rated power        {Kw(r.RatedPowerKw)}");
        output.WriteLine($"  available power    {Kw(r.AvailablePowerKw)}{(r.Issues.HasFlag(ReadingIssues.AvailableAssumedRated) ? " (= rated: map has no available power)" : "")}");
        output.WriteLine($"  frequency          {(r.FrequencyHz is { } f ? $"{f:0.00} Hz" : "n/a")}");
        output.WriteLine($"  engine state       {Snake(r.EngineState.ToString())}");
        output.WriteLine($"  breaker            {(r.BreakerClosed is { } b ? (b ? "closed" : "open") : "n/a")}");
        output.WriteLine($"  alarms             {(r.Alarms == GensetAlarms.None ? "none" : string.Join(", ", AlarmNames(r.Alarms)))}");
        output.WriteLine($"  heartbeat          {r.Heartbeat?.ToString() ?? "n/a"}");
        foreach (var p in r.Problems) output.WriteLine($"  ! {p}");
        output.Flush();
    }

    private static string Kw(double? v) => v is { } x ? $"{x:0.0} kW" : "n/a";

    internal static IEnumerable<string> AlarmNames(GensetAlarms alarms) =>
        RegisterMapLoader.AlarmNames.Where(kv => alarms.HasFlag(kv.Value)).Select(kv => kv.Key);

    internal static string Snake(string pascal) => JsonNamingPolicy.SnakeCaseLower.ConvertName(pascal);

    internal static GensetReadingJson ToJson(GensetReading r, RegisterMap map, ModbusClientOptions endpoint, byte unitId) => new(
        $"{endpoint.Host}:{endpoint.Port}", unitId, map.Name, r.TimeRead, r.ActivePowerKw, r.RatedPowerKw, r.AvailablePowerKw, r.FrequencyHz,
        Snake(r.EngineState.ToString()), r.BreakerClosed, [.. AlarmNames(r.Alarms)], r.Heartbeat,
        r.Issues == ReadingIssues.None ? [] : [.. r.Issues.ToString().Split(", ").Select(Snake)], r.Problems);

    internal sealed record GensetReadingJson(
        string Endpoint, int UnitId, string Map, DateTimeOffset TimeRead, double? ActivePowerKw, double? RatedPowerKw,
        double? AvailablePowerKw, double? FrequencyHz, string EngineState, bool? BreakerClosed, string[] Alarms, long? Heartbeat,
        string[] Issues, IReadOnlyList<string> Problems);
}
