using System.Buffers.Binary;
using Curtail.Modbus.Protocol;

namespace Curtail.Modbus.Server;

/// <summary>
/// Answers one request PDU against a data store, as a strict device does: exception 01 for unsupported
/// functions, 03 for quantities outside the protocol's limits, malformed lengths and bad coil values, 02 for
/// addresses outside the tables. FC23 writes before it reads.
/// </summary>
public static class ModbusRequestProcessor
{
    public static byte[] Process(ReadOnlySpan<byte> request, ModbusDataStore store)
    {
        if (request.Length == 0) return Exception(0, ModbusExceptionCode.IllegalFunction);
        var fc = request[0];
        lock (store.SyncRoot)
        {
            return (ModbusFunctionCode)fc switch
            {
                ModbusFunctionCode.ReadCoils => ReadBits(request, store.Coils),
                ModbusFunctionCode.ReadDiscreteInputs => ReadBits(request, store.DiscreteInputs),
                ModbusFunctionCode.ReadHoldingRegisters => ReadRegisters(request, store.HoldingRegisters),
                ModbusFunctionCode.ReadInputRegisters => ReadRegisters(request, store.InputRegisters),
                ModbusFunctionCode.WriteSingleCoil => WriteSingleCoil(request, store.Coils),
                ModbusFunctionCode.WriteSingleRegister => WriteSingleRegister(request, store.HoldingRegisters),
                ModbusFunctionCode.WriteMultipleCoils => WriteMultipleCoils(request, store.Coils),
                ModbusFunctionCode.WriteMultipleRegisters => WriteMultipleRegisters(request, store.HoldingRegisters),
                ModbusFunctionCode.ReadWriteMultipleRegisters => ReadWriteMultiple(request, store.HoldingRegisters),
                _ => Exception(fc, ModbusExceptionCode.IllegalFunction),
            };
        }
    }

    public static byte[] Exception(byte fc, ModbusExceptionCode code) => [(byte)(fc | 0x80), (byte)code];

    private static ushort U16(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadUInt16BigEndian(s[at..]);

    private static byte[] ReadBits(ReadOnlySpan<byte> req, bool[] table)
    {
        if (req.Length != 5) return Exception(req[0], ModbusExceptionCode.IllegalDataValue);
        int start = U16(req, 1), count = U16(req, 3);
        if (count is < 1 or > ModbusLimits.MaxReadBits) return Exception(req[0], ModbusExceptionCode.IllegalDataValue);
        if (start + count > table.Length) return Exception(req[0], ModbusExceptionCode.IllegalDataAddress);
        var bytes = (count + 7) / 8;
        var reply = new byte[2 + bytes];
        reply[0] = req[0];
        reply[1] = (byte)bytes;
        ModbusPdu.PackBits(table.AsSpan(start, count), reply.AsSpan(2));
        return reply;
    }

    private static byte[] ReadRegisters(ReadOnlySpan<byte> req, ushort[] table)
    {
        if (req.Length != 5) return Exception(req[0], ModbusExceptionCode.IllegalDataValue);
        int start = U16(req, 1), count = U16(req, 3);
        if (count is < 1 or > ModbusLimits.MaxReadRegisters) return Exception(req[0], ModbusExceptionCode.IllegalDataValue);
        if (start + count > table.Length) return Exception(req[0], ModbusExceptionCode.IllegalDataAddress);
        return RegisterReply(req[0], table, start, count);
    }

    private static byte[] RegisterReply(byte fc, ushort[] table, int start, int count)
    {
        var reply = new byte[2 + 2 * count];
        reply[0] = fc;
        reply[1] = (byte)(2 * count);
        for (var i = 0; i < count; i++) BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(2 + 2 * i), table[start + i]);
        return reply;
    }

    private static byte[] WriteSingleCoil(ReadOnlySpan<byte> req, bool[] table)
    {
        if (req.Length != 5) return Exception(req[0], ModbusExceptionCode.IllegalDataValue);
        int address = U16(req, 1), value = U16(req, 3);
        if (value is not (ModbusLimits.CoilOn or ModbusLimits.CoilOff)) return Exception(req[0], ModbusExceptionCode.IllegalDataValue);
        if (address >= table.Length) return Exception(req[0], ModbusExceptionCode.IllegalDataAddress);
        table[address] = value == ModbusLimits.CoilOn;
        return req.ToArray();
    }

    private static byte[] WriteSingleRegister(ReadOnlySpan<byte> req, ushort[] table)
    {
        if (req.Length != 5) return Exception(req[0], ModbusExceptionCode.IllegalDataValue);
        int address = U16(req, 1);
        if (address >= table.Length) return Exception(req[0], ModbusExceptionCode.IllegalDataAddress);
        table[address] = U16(req, 3);
        return req.ToArray();
    }

    private static byte[] WriteMultipleCoils(ReadOnlySpan<byte> req, bool[] table)
    {
        if (req.Length < 6) return Exception(req[0], ModbusExceptionCode.IllegalDataValue);
        int start = U16(req, 1), count = U16(req, 3), byteCount = req[5];
        if (count is < 1 or > ModbusLimits.MaxWriteBits || byteCount != (count + 7) / 8 || req.Length != 6 + byteCount)
            return Exception(req[0], ModbusExceptionCode.IllegalDataValue);
        if (start + count > table.Length) return Exception(req[0], ModbusExceptionCode.IllegalDataAddress);
        ModbusPdu.UnpackBits(req.Slice(6), count).CopyTo(table, start);
        return req[..5].ToArray();
    }

    private static byte[] WriteMultipleRegisters(ReadOnlySpan<byte> req, ushort[] table)
    {
        if (req.Length < 6) return Exception(req[0], ModbusExceptionCode.IllegalDataValue);
        int start = U16(req, 1), count = U16(req, 3), byteCount = req[5];
        if (count is < 1 or > ModbusLimits.MaxWriteRegisters || byteCount != 2 * count || req.Length != 6 + byteCount)
            return Exception(req[0], ModbusExceptionCode.IllegalDataValue);
        if (start + count > table.Length) return Exception(req[0], ModbusExceptionCode.IllegalDataAddress);
        for (var i = 0; i < count; i++) table[start + i] = U16(req, 6 + 2 * i);
        return req[..5].ToArray();
    }

    private static byte[] ReadWriteMultiple(ReadOnlySpan<byte> req, ushort[] table)
    {
        if (req.Length < 10) return Exception(req[0], ModbusExceptionCode.IllegalDataValue);
        int readStart = U16(req, 1), readCount = U16(req, 3), writeStart = U16(req, 5), writeCount = U16(req, 7), byteCount = req[9];
        if (readCount is < 1 or > ModbusLimits.MaxReadRegisters || writeCount is < 1 or > ModbusLimits.MaxReadWriteWriteRegisters
            || byteCount != 2 * writeCount || req.Length != 10 + byteCount)
            return Exception(req[0], ModbusExceptionCode.IllegalDataValue);
        if (readStart + readCount > table.Length || writeStart + writeCount > table.Length)
            return Exception(req[0], ModbusExceptionCode.IllegalDataAddress);
        for (var i = 0; i < writeCount; i++) table[writeStart + i] = U16(req, 10 + 2 * i);
        return RegisterReply(req[0], table, readStart, readCount);
    }
}
