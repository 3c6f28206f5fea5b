namespace Curtail.Modbus.Protocol;

/// <summary>Base of every Modbus failure: a server's exception reply, a timeout, a broken frame or a lost link.</summary>
public abstract class ModbusException : IOException
{
    protected ModbusException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>
/// The server answered with an exception reply (function code | 0x80). Same information as NModbus's
/// SlaveException. Subclasses name the common codes so callers can catch what they can act on.
/// </summary>
public class ModbusServerException : ModbusException
{
    public byte UnitId { get; }
    public byte FunctionCode { get; }
    public ModbusExceptionCode ExceptionCode { get; }

    public ModbusServerException(byte unitId, byte functionCode, ModbusExceptionCode code)
        : base($"Modbus exception {(byte)code:X2} ({Describe(code)}) from unit {unitId} for function {functionCode:X2}")
    {
        UnitId = unitId;
        FunctionCode = functionCode;
        ExceptionCode = code;
    }

    /// <summary>True for codes where retrying later may succeed (device failure, busy, acknowledge, gateway).</summary>
    public bool IsTransient => ExceptionCode is ModbusExceptionCode.ServerDeviceFailure or ModbusExceptionCode.ServerDeviceBusy
        or ModbusExceptionCode.Acknowledge or ModbusExceptionCode.GatewayPathUnavailable or ModbusExceptionCode.GatewayTargetFailedToRespond;

    public static ModbusServerException Create(byte unitId, byte functionCode, ModbusExceptionCode code) => code switch
    {
        ModbusExceptionCode.IllegalFunction => new ModbusIllegalFunctionException(unitId, functionCode),
        ModbusExceptionCode.IllegalDataAddress => new ModbusIllegalDataAddressException(unitId, functionCode),
        ModbusExceptionCode.IllegalDataValue => new ModbusIllegalDataValueException(unitId, functionCode),
        ModbusExceptionCode.ServerDeviceBusy => new ModbusServerBusyException(unitId, functionCode),
        ModbusExceptionCode.GatewayPathUnavailable or ModbusExceptionCode.GatewayTargetFailedToRespond
            => new ModbusGatewayException(unitId, functionCode, code),
        _ => new ModbusServerException(unitId, functionCode, code),
    };

    public static string Describe(ModbusExceptionCode code) => code switch
    {
        ModbusExceptionCode.IllegalFunction => "illegal function",
        ModbusExceptionCode.IllegalDataAddress => "illegal data address",
        ModbusExceptionCode.IllegalDataValue => "illegal data value",
        ModbusExceptionCode.ServerDeviceFailure => "server device failure",
        ModbusExceptionCode.Acknowledge => "acknowledge",
        ModbusExceptionCode.ServerDeviceBusy => "server device busy",
        ModbusExceptionCode.MemoryParityError => "memory parity error",
        ModbusExceptionCode.GatewayPathUnavailable => "gateway path unavailable",
        ModbusExceptionCode.GatewayTargetFailedToRespond => "gateway target device failed to respond",
        _ => "unknown exception code",
    };
}

public sealed class ModbusIllegalFunctionException(byte unitId, byte functionCode)
    : ModbusServerException(unitId, functionCode, ModbusExceptionCode.IllegalFunction);

public sealed class ModbusIllegalDataAddressException(byte unitId, byte functionCode)
    : ModbusServerException(unitId, functionCode, ModbusExceptionCode.IllegalDataAddress);

public sealed class ModbusIllegalDataValueException(byte unitId, byte functionCode)
    : ModbusServerException(unitId, functionCode, ModbusExceptionCode.IllegalDataValue);

public sealed class ModbusServerBusyException(byte unitId, byte functionCode)
    : ModbusServerException(unitId, functionCode, ModbusExceptionCode.ServerDeviceBusy);

/// <summary>Exception 0A/0B from a gateway: the unit behind it is unreachable; the TCP link itself is fine.</summary>
public sealed class ModbusGatewayException(byte unitId, byte functionCode, ModbusExceptionCode code)
    : ModbusServerException(unitId, functionCode, code);

/// <summary>No matching reply within the request's timeout.</summary>
public sealed class ModbusTimeoutException(string message) : ModbusException(message);

/// <summary>A reply that breaks the protocol: bad length, protocol id, unit id or function echo, byte count mismatch.</summary>
public sealed class ModbusProtocolException(string message) : ModbusException(message);

/// <summary>The TCP connection could not be made or was lost.</summary>
public sealed class ModbusConnectionException(string message, Exception? inner = null) : ModbusException(message, inner);
