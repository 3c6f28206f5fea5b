using Curtail.Modbus.Values;

namespace Curtail.Modbus.Maps;

public enum ModbusTable { Holding, Input, Coil, DiscreteInput }

/// <summary>
/// Where and how one value lives on the bus. value = raw × Scale + Offset. Address is the wire (0-based) address.
/// Either a register point (Table, Address) or a <see cref="Constant"/> (a nameplate value not on the bus).
/// </summary>
public sealed record PointMap
{
    public required string Name { get; init; }
    public ModbusTable Table { get; init; } = ModbusTable.Holding;
    public ushort Address { get; init; }
    public PointType Type { get; init; } = PointType.U16;
    public double Scale { get; init; } = 1;
    public double Offset { get; init; }
    public WordOrder WordOrder { get; init; } = WordOrder.ABCD;
    /// <summary>Take only this bit of the register (0 = least significant); the raw value is then 0 or 1.</summary>
    public int? Bit { get; init; }
    /// <summary>Raw value → canonical name (engine states, breaker "closed"/"open").</summary>
    public IReadOnlyDictionary<long, string>? Enum { get; init; }
    /// <summary>Bit number → canonical alarm name, for bitfield registers.</summary>
    public IReadOnlyDictionary<int, string>? Bits { get; init; }
    /// <summary>Raw bit patterns meaning "not available" (DSE 0xFFFF..., SunSpec 0x8000): decoded as no value.</summary>
    public IReadOnlyList<uint> Invalid { get; init; } = [];
    /// <summary>Plausible range; a value outside it is flagged and not used.</summary>
    public double? Min { get; init; }
    public double? Max { get; init; }
    public double? Constant { get; init; }
    public string? Note { get; init; }
    /// <summary>Line in the YAML template, for error messages.</summary>
    public int Line { get; init; }

    public bool IsConstant => Constant is not null;
    public int RegisterCount => Table is ModbusTable.Coil or ModbusTable.DiscreteInput ? 1 : RegisterCodec.RegisterCount(Type);
}

/// <summary>A genset controller's register map, loaded from a YAML template (see docs/modbus.md).</summary>
public sealed record RegisterMap
{
    public required string Name { get; init; }
    public required string Vendor { get; init; }
    public required string Model { get; init; }
    /// <summary>True when the source register list is incomplete or unverified; <see cref="PartialNote"/> says what.</summary>
    public bool Partial { get; init; }
    public string? PartialNote { get; init; }
    public string? Source { get; init; }
    public byte UnitId { get; init; } = 1;
    public int AddressBase { get; init; }
    public WordOrder WordOrder { get; init; } = WordOrder.ABCD;
    public int MaxRegistersPerRead { get; init; } = 125;
    public int MaxHoleRegisters { get; init; } = 10;
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);
    public required IReadOnlyDictionary<string, PointMap> Points { get; init; }

    public PointMap? Point(string name) => Points.GetValueOrDefault(name);

    /// <summary>Canonical point names the genset snapshot uses.</summary>
    public static readonly string[] SnapshotPoints =
        ["active_power_kw", "rated_power_kw", "available_power_kw", "frequency_hz", "engine_state", "breaker_closed", "alarms", "heartbeat"];

    /// <summary>Points a map must define for the controller to work.</summary>
    public static readonly string[] RequiredPoints = ["active_power_kw", "frequency_hz", "rated_power_kw"];
}
