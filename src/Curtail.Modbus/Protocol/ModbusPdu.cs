using System.Buffers.Binary;

namespace Curtail.Modbus.Protocol;

/// <summary>
/// Builds request PDUs and checks response PDUs for the supported function codes. Arguments outside the
/// protocol's limits are rejected before anything is sent (ArgumentOutOfRangeException, as NModbus does).
/// </summary>
public static class ModbusPdu
{
    public static byte[] ReadRequest(ModbusFunctionCode fc, ushort start, ushort count)
    {
        var max = fc is ModbusFunctionCode.ReadCoils or ModbusFunctionCode.ReadDiscreteInputs ? ModbusLimits.MaxReadBits : ModbusLimits.MaxReadRegisters;
        CheckCount(count, max, nameof(count));
        CheckSpan(start, count);
        var pdu = new byte[5];
        pdu[0] = (byte)fc;
        BinaryPrimitives.WriteUInt16BigEndian(pdu.AsSpan(1), start);
        BinaryPrimitives.WriteUInt16BigEndian(pdu.AsSpan(3), count);
        return pdu;
    }

    public static byte[] WriteSingleCoil(ushort address, bool value) =>
        SingleWrite(ModbusFunctionCode.WriteSingleCoil, address, value ? ModbusLimits.CoilOn : ModbusLimits.CoilOff);

    public static byte[] WriteSingleRegister(ushort address, ushort value) =>
        SingleWrite(ModbusFunctionCode.WriteSingleRegister, address, value);

    public static byte[] WriteMultipleCoils(ushort start, ReadOnlySpan<bool> values)
    {
        CheckCount(values.Length, ModbusLimits.MaxWriteBits, nameof(values));
        CheckSpan(start, values.Length);
        var byteCount = (values.Length + 7) / 8;
        var pdu = new byte[6 + byteCount];
        pdu[0] = (byte)ModbusFunctionCode.WriteMultipleCoils;
        BinaryPrimitives.WriteUInt16BigEndian(pdu.AsSpan(1), start);
        BinaryPrimitives.WriteUInt16BigEndian(pdu.AsSpan(3), (ushort)values.Length);
        pdu[5] = (byte)byteCount;
        PackBits(values, pdu.AsSpan(6));
        return pdu;
    }

    public static byte[] WriteMultipleRegisters(ushort start, ReadOnlySpan<ushort> values)
    {
        CheckCount(values.Length, ModbusLimits.MaxWriteRegisters, nameof(values));
        CheckSpan(start, values.Length);
        var pdu = new byte[6 + 2 * values.Length];
        pdu[0] = (byte)ModbusFunctionCode.WriteMultipleRegisters;
        BinaryPrimitives.WriteUInt16BigEndian(pdu.AsSpan(1), start);
        BinaryPrimitives.WriteUInt16BigEndian(pdu.AsSpan(3), (ushort)values.Length);
        pdu[5] = (byte)(2 * values.Length);
        WriteWords(values, pdu.AsSpan(6));
        return pdu;
    }

    public static byte[] ReadWriteMultipleRegisters(ushort readStart, ushort readCount, ushort writeStart, ReadOnlySpan<ushort> values)
    {
        CheckCount(readCount, ModbusLimits.MaxReadRegisters, nameof(readCount));
        CheckCount(values.Length, ModbusLimits.MaxReadWriteWriteRegisters, nameof(values));
        CheckSpan(readStart, readCount);
        CheckSpan(writeStart, values.Length);
        var pdu = new byte[10 + 2 * values.Length];
        pdu[0] = (byte)ModbusFunctionCode.ReadWriteMultipleRegisters;
        BinaryPrimitives.WriteUInt16BigEndian(pdu.AsSpan(1), readStart);
        BinaryPrimitives.WriteUInt16BigEndian(pdu.AsSpan(3), readCount);
        BinaryPrimitives.WriteUInt16BigEndian(pdu.AsSpan(5), writeStart);
        BinaryPrimitives.WriteUInt16BigEndian(pdu.AsSpan(7), (ushort)values.Length);
        pdu[9] = (byte)(2 * values.Length);
        WriteWords(values, pdu.AsSpan(10));
        return pdu;
    }

    /// <summary>Throws the typed server exception if the reply is an exception reply, or a protocol error if its function code is not the request's.</summary>
    public static void ThrowIfException(byte unitId, ReadOnlySpan<byte> request, ReadOnlySpan<byte> response)
    {
        if (response.Length == 0) throw new ModbusProtocolException("empty PDU in reply");
        if (response[0] == (request[0] | 0x80))
        {
            if (response.Length != 2) throw new ModbusProtocolException($"exception reply of {response.Length} bytes, expected 2");
            throw ModbusServerException.Create(unitId, request[0], (ModbusExceptionCode)response[1]);
        }
        if (response[0] != request[0])
            throw new ModbusProtocolException($"reply function code {response[0]:X2} does not echo request function {request[0]:X2}");
    }

    public static ushort[] ParseRegisters(ReadOnlySpan<byte> response, int expectedCount)
    {
        if (response.Length < 2 || response[1] != 2 * expectedCount || response.Length != 2 + 2 * expectedCount)
            throw new ModbusProtocolException($"reply byte count {(response.Length > 1 ? response[1] : -1)} / length {response.Length} does not match {expectedCount} registers requested");
        var values = new ushort[expectedCount];
        for (var i = 0; i < expectedCount; i++) values[i] = BinaryPrimitives.ReadUInt16BigEndian(response.Slice(2 + 2 * i));
        return values;
    }

    public static bool[] ParseBits(ReadOnlySpan<byte> response, int expectedCount)
    {
        var byteCount = (expectedCount + 7) / 8;
        if (response.Length < 2 || response[1] != byteCount || response.Length != 2 + byteCount)
            throw new ModbusProtocolException($"reply byte count {(response.Length > 1 ? response[1] : -1)} / length {response.Length} does not match {expectedCount} bits requested");
        return UnpackBits(response.Slice(2), expectedCount);
    }

    /// <summary>FC5/FC6 reply must echo the request; FC15/FC16 reply must echo start and quantity.</summary>
    public static void CheckWriteEcho(ReadOnlySpan<byte> request, ReadOnlySpan<byte> response)
    {
        var echoLength = 5;
        if (response.Length != echoLength || !response.SequenceEqual(request[..echoLength]))
            throw new ModbusProtocolException($"write reply {Convert.ToHexString(response)} does not echo request {Convert.ToHexString(request[..echoLength])}");
    }

    public static void PackBits(ReadOnlySpan<bool> values, Span<byte> into)
    {
        into[..((values.Length + 7) / 8)].Clear();
        for (var i = 0; i < values.Length; i++)
            if (values[i]) into[i / 8] |= (byte)(1 << (i % 8));
    }

    public static bool[] UnpackBits(ReadOnlySpan<byte> data, int count)
    {
        var bits = new bool[count];
        for (var i = 0; i < count; i++) bits[i] = (data[i / 8] & (1 << (i % 8))) != 0;
        return bits;
    }

    private static byte[] SingleWrite(ModbusFunctionCode fc, ushort address, ushort value)
    {
        var pdu = new byte[5];
        pdu[0] = (byte)fc;
        BinaryPrimitives.WriteUInt16BigEndian(pdu.AsSpan(1), address);
        BinaryPrimitives.WriteUInt16BigEndian(pdu.AsSpan(3), value);
        return pdu;
    }

    private static void WriteWords(ReadOnlySpan<ushort> values, Span<byte> into)
    {
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteUInt16BigEndian(into.Slice(2 * i), values[i]);
    }

    private static void CheckCount(int count, int max, string name)
    {
        if (count < 1 || count > max) throw new ArgumentOutOfRangeException(name, count, $"must be 1..{max}");
    }

    private static void CheckSpan(ushort start, int count)
    {
        if (start + count > 0x10000) throw new ArgumentOutOfRangeException(nameof(start), start, $"start {start} + count {count} runs past address 65535");
    }
}
