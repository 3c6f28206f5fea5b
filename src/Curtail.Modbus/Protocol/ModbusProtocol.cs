namespace Curtail.Modbus.Protocol;

public enum ModbusFunctionCode : byte
{
    ReadCoils = 0x01,
    ReadDiscreteInputs = 0x02,
    ReadHoldingRegisters = 0x03,
    ReadInputRegisters = 0x04,
    WriteSingleCoil = 0x05,
    WriteSingleRegister = 0x06,
    WriteMultipleCoils = 0x0F,
    WriteMultipleRegisters = 0x10,
    ReadWriteMultipleRegisters = 0x17,
}

public enum ModbusExceptionCode : byte
{
    IllegalFunction = 0x01,
    IllegalDataAddress = 0x02,
    IllegalDataValue = 0x03,
    ServerDeviceFailure = 0x04,
    Acknowledge = 0x05,
    ServerDeviceBusy = 0x06,
    MemoryParityError = 0x08,
    GatewayPathUnavailable = 0x0A,
    GatewayTargetFailedToRespond = 0x0B,
}

/// <summary>Sizes fixed by the protocol (all follow from the 253-byte PDU); libmodbus and NModbus use the same.</summary>
public static class ModbusLimits
{
    public const int MbapHeaderLength = 7;
    public const int MaxPduLength = 253;
    public const int MaxAduLength = MbapHeaderLength + MaxPduLength;
    public const int MaxReadRegisters = 125;
    public const int MaxWriteRegisters = 123;
    public const int MaxReadWriteWriteRegisters = 121;
    public const int MaxReadBits = 2000;
    public const int MaxWriteBits = 1968;
    public const ushort CoilOn = 0xFF00;
    public const ushort CoilOff = 0x0000;
    public const int DefaultPort = 502;
}
