using System.Globalization;
using Curtail.Core.LoadFollowing;
using Curtail.Modbus.Client;
using Curtail.Modbus.Maps;
using Curtail.Modbus.Values;

namespace Curtail.Modbus.Gensets;

/// <summary>
/// Reads a genset through its register map and returns a typed <see cref="GensetReading"/>. Values that are
/// "not available" sentinels or outside the map's min/max are null and flagged; a heartbeat that has not moved
/// for <see cref="HeartbeatFreezeTimeout"/> is flagged; a map without available power falls back to rated power,
/// flagged. Modbus failures propagate as ModbusException (the caller decides what a lost reading means).
/// </summary>
public sealed class GensetReader
{
    private readonly IModbusClient _client;
    private readonly RegisterMap _map;
    private readonly byte _unitId;
    private readonly TimeProvider _time;
    private readonly IReadOnlyList<ReadBlock> _plan;
    private long? _lastHeartbeat;
    private DateTimeOffset _heartbeatChangedAt;

    public GensetReader(IModbusClient client, RegisterMap map, byte? unitId = null, TimeProvider? time = null, bool snapshotPointsOnly = true)
    {
        _client = client;
        _map = map;
        _unitId = unitId ?? map.UnitId;
        _time = time ?? TimeProvider.System;
        _plan = ReadPlan.Build(map, snapshotPointsOnly ? RegisterMap.SnapshotPoints : null);
    }

    public RegisterMap Map => _map;
    public IReadOnlyList<ReadBlock> Plan => _plan;
    /// <summary>The heartbeat counts once a second; unchanged for this long means the controller is hung.</summary>
    public TimeSpan HeartbeatFreezeTimeout { get; init; } = TimeSpan.FromSeconds(3);
    /// <summary>Every decoded point of the last read (engineering units; null = unavailable or out of range).</summary>
    public IReadOnlyDictionary<string, double?> LastValues { get; private set; } = new Dictionary<string, double?>();

    public async Task<GensetReading> ReadAsync(CancellationToken ct = default)
    {
        var words = new Dictionary<PointMap, ushort[]>();
        foreach (var block in _plan)
        {
            var data = block.Table switch
            {
                ModbusTable.Holding => await _client.ReadHoldingRegistersAsync(_unitId, block.Start, block.Count, ct).ConfigureAwait(false),
                ModbusTable.Input => await _client.ReadInputRegistersAsync(_unitId, block.Start, block.Count, ct).ConfigureAwait(false),
                ModbusTable.Coil => (await _client.ReadCoilsAsync(_unitId, block.Start, block.Count, ct).ConfigureAwait(false)).Select(b => (ushort)(b ? 1 : 0)).ToArray(),
                _ => (await _client.ReadInputsAsync(_unitId, block.Start, block.Count, ct).ConfigureAwait(false)).Select(b => (ushort)(b ? 1 : 0)).ToArray(),
            };
            foreach (var p in block.Points)
                words[p] = data.AsSpan(p.Address - block.Start, p.RegisterCount).ToArray();
        }
        return Decode(words, _time.GetUtcNow());
    }

    /// <summary>Turns raw words into a snapshot (public so recorded replies can be decoded in tests).</summary>
    public GensetReading Decode(IReadOnlyDictionary<PointMap, ushort[]> words, DateTimeOffset timeRead)
    {
        var problems = new List<string>();
        var issues = ReadingIssues.None;
        var values = new Dictionary<string, double?>(StringComparer.Ordinal);
        foreach (var p in _map.Points.Values)
        {
            if (p.IsConstant) values[p.Name] = p.Constant;
            else if (words.TryGetValue(p, out var w)) values[p.Name] = DecodePoint(p, w, problems, ref issues);
        }
        LastValues = values;

        double? Value(string name) => values.GetValueOrDefault(name);

        var rated = Value("rated_power_kw");
        var available = Value("available_power_kw");
        if (_map.Point("available_power_kw") is null && rated is not null)
        {
            available = rated;
            issues |= ReadingIssues.AvailableAssumedRated;
        }
        foreach (var required in new[] { "active_power_kw", "frequency_hz", "rated_power_kw" })
            if (Value(required) is null && !problems.Any(p => p.StartsWith(required, StringComparison.Ordinal)))
            {
                issues |= ReadingIssues.Missing;
                problems.Add($"{required}: no value");
            }

        var engineState = EngineState.Unknown;
        if (_map.Point("engine_state") is { } es && words.TryGetValue(es, out var esWords))
            engineState = MapEngineState(es, esWords, problems);

        bool? breaker = null;
        if (_map.Point("breaker_closed") is { } bp && words.TryGetValue(bp, out var bWords))
            breaker = bp.Enum is { } e ? e.GetValueOrDefault(RawInteger(bp, bWords)) is "closed" or "true" : RawInteger(bp, bWords) != 0;

        var alarms = GensetAlarms.None;
        if (_map.Point("alarms") is { Bits: { } bits } ap && words.TryGetValue(ap, out var aWords))
        {
            var raw = RawInteger(ap, aWords);
            foreach (var (bit, name) in bits)
                if ((raw & (1L << bit)) != 0 && RegisterMapLoader.TryAlarm(name, out var a)) alarms |= a;
        }

        long? heartbeat = null;
        if (_map.Point("heartbeat") is { } hp && words.TryGetValue(hp, out var hWords))
        {
            heartbeat = RawInteger(hp, hWords);
            if (heartbeat != _lastHeartbeat)
            {
                _lastHeartbeat = heartbeat;
                _heartbeatChangedAt = timeRead;
            }
            else if (timeRead - _heartbeatChangedAt > HeartbeatFreezeTimeout)
            {
                issues |= ReadingIssues.HeartbeatFrozen;
                problems.Add($"heartbeat: stuck at {heartbeat} for {(timeRead - _heartbeatChangedAt).TotalSeconds:0.#} s");
            }
        }

        return new GensetReading
        {
            TimeRead = timeRead,
            ActivePowerKw = Value("active_power_kw"),
            RatedPowerKw = rated,
            AvailablePowerKw = available,
            FrequencyHz = Value("frequency_hz"),
            EngineState = engineState,
            BreakerClosed = breaker,
            Alarms = alarms,
            Heartbeat = heartbeat,
            Issues = issues,
            Problems = problems,
        };
    }

    private static double? DecodePoint(PointMap p, ushort[] w, List<string> problems, ref ReadingIssues issues)
    {
        if (p.Invalid.Count > 0 && p.Invalid.Contains(RegisterCodec.RawBits(w, p.Type, p.WordOrder)))
        {
            issues |= ReadingIssues.OutOfRange;
            problems.Add($"{p.Name}: 'not available' (raw 0x{RegisterCodec.RawBits(w, p.Type, p.WordOrder):X})");
            return null;
        }
        var value = p.Bit is { } bit ? ((w[0] >> bit) & 1) * p.Scale + p.Offset : RegisterCodec.Decode(w, p.Type, p.WordOrder, p.Scale, p.Offset);
        if (double.IsNaN(value) || double.IsInfinity(value) || value < p.Min || value > p.Max)
        {
            issues |= ReadingIssues.OutOfRange;
            problems.Add($"{p.Name}: {value.ToString("0.###", CultureInfo.InvariantCulture)} outside [{p.Min?.ToString(CultureInfo.InvariantCulture) ?? "-inf"}, {p.Max?.ToString(CultureInfo.InvariantCulture) ?? "inf"}]");
            return null;
        }
        return value;
    }

    private static long RawInteger(PointMap p, ushort[] w) =>
        p.Bit is { } bit ? (w[0] >> bit) & 1 : (long)RegisterCodec.DecodeRaw(w, p.Type, p.WordOrder);

    private static EngineState MapEngineState(PointMap p, ushort[] w, List<string> problems)
    {
        var raw = RawInteger(p, w);
        if (p.Enum is null) return EngineState.Unknown;
        if (p.Enum.TryGetValue(raw, out var name) && RegisterMapLoader.TryEngineState(name, out var state)) return state;
        problems.Add($"engine_state: raw value {raw} not in the map's enum");
        return EngineState.Unknown;
    }
}
