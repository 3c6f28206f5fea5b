using Curtail.Modbus.Protocol;
using Curtail.Modbus.Server;
using Curtail.Modbus.Values;

namespace Curtail.Modbus.Tests;

public class CodecTests
{
    [Theory]
    [InlineData(WordOrder.ABCD, 0x444B, 0x2000)]
    [InlineData(WordOrder.CDAB, 0x2000, 0x444B)]
    [InlineData(WordOrder.BADC, 0x4B44, 0x0020)]
    [InlineData(WordOrder.DCBA, 0x0020, 0x4B44)]
    public void Float_812_5_in_every_word_order(WordOrder order, int w0, int w1)
    {
        ushort[] words = [(ushort)w0, (ushort)w1];
        Assert.Equal(812.5, RegisterCodec.Decode(words, PointType.F32, order));
        var back = new ushort[2];
        RegisterCodec.Encode(812.5, PointType.F32, order, back);
        Assert.Equal(words, back);
    }

    [Fact]
    public void Integers_signed_unsigned_scaled_and_offset()
    {
        Assert.Equal(812.5, RegisterCodec.Decode([0x0000, 0x1FBD], PointType.I32, WordOrder.ABCD, 0.1), 9);
        Assert.Equal(812.5, RegisterCodec.Decode([0x1FBD, 0x0000], PointType.I32, WordOrder.CDAB, 0.1), 9);
        Assert.Equal(-1, RegisterCodec.Decode([0xFFFF], PointType.I16, WordOrder.ABCD));
        Assert.Equal(65535, RegisterCodec.Decode([0xFFFF], PointType.U16, WordOrder.ABCD));
        Assert.Equal(-0.1, RegisterCodec.Decode([0xFFFF, 0xFFFF], PointType.I32, WordOrder.ABCD, 0.1), 9);
        Assert.Equal(4294967295.0, RegisterCodec.Decode([0xFFFF, 0xFFFF], PointType.U32, WordOrder.ABCD));
        // Cat EMCP 4 real power: 1 W/bit with offset -2e9 W, in kW: raw 2,000,812,500 -> 812.5 kW
        var raw = 2_000_812_500u;
        Assert.Equal(812.5, RegisterCodec.Decode([(ushort)(raw >> 16), (ushort)raw], PointType.U32, WordOrder.ABCD, 0.001, -2_000_000), 6);
        var w = new ushort[2];
        RegisterCodec.Encode(-812.5, PointType.I32, WordOrder.CDAB, w, 0.1);
        Assert.Equal(-812.5, RegisterCodec.Decode(w, PointType.I32, WordOrder.CDAB, 0.1), 9);
        Assert.Throws<OverflowException>(() => RegisterCodec.Encode(70000, PointType.U16, WordOrder.ABCD, w));
        Assert.Throws<OverflowException>(() => RegisterCodec.Encode(-1, PointType.U32, WordOrder.ABCD, w));
    }

    [Fact]
    public void Bits_pack_least_significant_first()
    {
        var buf = new byte[1];
        ModbusPdu.PackBits([true, true, false], buf);
        Assert.Equal(0x03, buf[0]);
        Assert.Equal([true, false, true, false, false, false, false, false, true], ModbusPdu.UnpackBits([0x05, 0x01], 9));
    }

    [Fact]
    public void Request_encodings_match_the_frames_captured_from_mbpoll()
    {
        Assert.Equal([0x03, 0x00, 0x00, 0x00, 0x02], ModbusPdu.ReadRequest(ModbusFunctionCode.ReadHoldingRegisters, 0, 2));
        Assert.Equal([0x05, 0x00, 0x09, 0xFF, 0x00], ModbusPdu.WriteSingleCoil(9, true));
        Assert.Equal([0x0F, 0x00, 0x00, 0x00, 0x03, 0x01, 0x05], ModbusPdu.WriteMultipleCoils(0, [true, false, true]));
        Assert.Equal([0x10, 0x00, 0x65, 0x00, 0x02, 0x04, 0x00, 0x0B, 0x00, 0x16], ModbusPdu.WriteMultipleRegisters(101, [11, 22]));
        Assert.Equal([0x17, 0x00, 0x78, 0x00, 0x02, 0x00, 0x78, 0x00, 0x02, 0x04, 0x00, 0x07, 0x00, 0x08],
            ModbusPdu.ReadWriteMultipleRegisters(120, 2, 120, [7, 8]));
    }
}

public class RequestProcessorTests
{
    private static ModbusDataStore Store()
    {
        var s = new ModbusDataStore(16, 16, 300, 300);
        s.HoldingRegisters[0] = 1;
        s.HoldingRegisters[1] = 3;
        s.DiscreteInputs[0] = s.DiscreteInputs[1] = true;
        return s;
    }

    [Theory]
    [InlineData(new byte[] { 0x03, 0x00, 0x00, 0x00, 0x7E }, new byte[] { 0x83, 0x03 })]      // 126 registers
    [InlineData(new byte[] { 0x03, 0x13, 0x88, 0x00, 0x01 }, new byte[] { 0x83, 0x02 })]      // address 5000
    [InlineData(new byte[] { 0x2B, 0x0E, 0x01, 0x00 }, new byte[] { 0xAB, 0x01 })]            // unsupported function
    [InlineData(new byte[] { 0x05, 0x00, 0x09, 0x12, 0x34 }, new byte[] { 0x85, 0x03 })]      // bad coil value
    [InlineData(new byte[] { 0x10, 0x01, 0x2B, 0x00, 0x02, 0x04, 0, 1, 0, 2 }, new byte[] { 0x90, 0x02 })]   // FC16 past the end
    [InlineData(new byte[] { 0x10, 0x00, 0x00, 0x00, 0x02, 0x03, 0, 1, 0 }, new byte[] { 0x90, 0x03 })]     // byte count mismatch
    [InlineData(new byte[] { 0x01, 0x00, 0x00, 0x07, 0xD1 }, new byte[] { 0x81, 0x03 })]      // 2001 coils
    [InlineData(new byte[] { 0x03, 0x00, 0x00 }, new byte[] { 0x83, 0x03 })]                  // truncated request
    public void Strict_answers_like_libmodbus(byte[] request, byte[] expected)
    {
        Assert.Equal(expected, ModbusRequestProcessor.Process(request, Store()));
    }

    [Fact]
    public void Reads_writes_and_fc23_writes_before_reading()
    {
        var s = Store();
        Assert.Equal([0x03, 0x04, 0x00, 0x01, 0x00, 0x03], ModbusRequestProcessor.Process([0x03, 0, 0, 0, 2], s));
        Assert.Equal([0x02, 0x01, 0x03], ModbusRequestProcessor.Process([0x02, 0, 0, 0, 3], s));
        Assert.Equal([0x06, 0, 130, 0xBE, 0xEF], ModbusRequestProcessor.Process([0x06, 0, 130, 0xBE, 0xEF], s));
        Assert.Equal((ushort)0xBEEF, s.HoldingRegisters[130]);
        Assert.Equal([0x17, 0x04, 0, 7, 0, 8], ModbusRequestProcessor.Process([0x17, 0, 120, 0, 2, 0, 120, 0, 2, 4, 0, 7, 0, 8], s));
        Assert.Equal([0x0F, 0, 0, 0, 3], ModbusRequestProcessor.Process([0x0F, 0, 0, 0, 3, 1, 0b101], s));
        Assert.True(s.Coils[0] && !s.Coils[1] && s.Coils[2]);
    }
}
