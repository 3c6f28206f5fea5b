namespace Curtail.Modbus.Values;

/// <summary>Register value types. 32-bit types span two registers; their word order comes from the map.</summary>
public enum PointType { U16, I16, U32, I32, F32, Bool }

/// <summary>
/// Order of a 32-bit value's bytes across two registers, A being the most significant byte.
/// ABCD: high word first (DSE, Cat EMCP, Cummins, SunSpec). CDAB: low word first (Datakom, CRE, Kohler).
/// BADC and DCBA swap the bytes inside each register (rare).
/// </summary>
public enum WordOrder { ABCD, CDAB, BADC, DCBA }

/// <summary>Converts register words to and from numbers. Scale and offset: value = raw × scale + offset.</summary>
public static class RegisterCodec
{
    public static int RegisterCount(PointType type) => type is PointType.U32 or PointType.I32 or PointType.F32 ? 2 : 1;

    /// <summary>The raw integer (or float bits) of a value starting at <paramref name="words"/>[0].</summary>
    public static uint Combine(ReadOnlySpan<ushort> words, WordOrder order)
    {
        uint w0 = words[0], w1 = words[1];
        return order switch
        {
            WordOrder.ABCD => (w0 << 16) | w1,
            WordOrder.CDAB => (w1 << 16) | w0,
            WordOrder.BADC => ((uint)Swap(words[0]) << 16) | Swap(words[1]),
            WordOrder.DCBA => ((uint)Swap(words[1]) << 16) | Swap(words[0]),
            _ => throw new ArgumentOutOfRangeException(nameof(order)),
        };
    }

    public static void Split(uint value, WordOrder order, Span<ushort> into)
    {
        var hi = (ushort)(value >> 16);
        var lo = (ushort)value;
        (into[0], into[1]) = order switch
        {
            WordOrder.ABCD => (hi, lo),
            WordOrder.CDAB => (lo, hi),
            WordOrder.BADC => (Swap(hi), Swap(lo)),
            WordOrder.DCBA => (Swap(lo), Swap(hi)),
            _ => throw new ArgumentOutOfRangeException(nameof(order)),
        };
    }

    /// <summary>The raw value as the type reads it (before scale), e.g. -1 for an I16 0xFFFF.</summary>
    public static double DecodeRaw(ReadOnlySpan<ushort> words, PointType type, WordOrder order) => type switch
    {
        // Every arm is cast to double: otherwise the float arm makes the switch's type float and u32/i32 lose digits.
        PointType.U16 => (double)words[0],
        PointType.I16 => (double)(short)words[0],
        PointType.Bool => words[0] != 0 ? 1.0 : 0.0,
        PointType.U32 => (double)Combine(words, order),
        PointType.I32 => (double)(int)Combine(words, order),
        PointType.F32 => (double)BitConverter.UInt32BitsToSingle(Combine(words, order)),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>The raw bit pattern of a value, for sentinel checks (0xFFFF, 0x7FFFFFFF, ...).</summary>
    public static uint RawBits(ReadOnlySpan<ushort> words, PointType type, WordOrder order) =>
        RegisterCount(type) == 2 ? Combine(words, order) : words[0];

    public static double Decode(ReadOnlySpan<ushort> words, PointType type, WordOrder order, double scale = 1, double offset = 0) =>
        DecodeRaw(words, type, order) * scale + offset;

    /// <summary>Encodes an engineering value into registers: raw = round((value − offset) / scale), range-checked.</summary>
    public static void Encode(double value, PointType type, WordOrder order, Span<ushort> into, double scale = 1, double offset = 0)
    {
        var raw = (value - offset) / scale;
        switch (type)
        {
            case PointType.F32:
                Split(BitConverter.SingleToUInt32Bits((float)raw), order, into);
                return;
            case PointType.U16 or PointType.Bool:
                into[0] = (ushort)CheckedRound(raw, ushort.MinValue, ushort.MaxValue, type);
                return;
            case PointType.I16:
                into[0] = (ushort)(short)CheckedRound(raw, short.MinValue, short.MaxValue, type);
                return;
            case PointType.U32:
                Split((uint)CheckedRound(raw, uint.MinValue, uint.MaxValue, type), order, into);
                return;
            case PointType.I32:
                Split((uint)(int)CheckedRound(raw, int.MinValue, int.MaxValue, type), order, into);
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(type));
        }
    }

    private static long CheckedRound(double raw, double min, double max, PointType type)
    {
        var r = Math.Round(raw, MidpointRounding.AwayFromZero);
        if (double.IsNaN(r) || r < min || r > max) throw new OverflowException($"{raw} does not fit {type}");
        return (long)r;
    }

    private static ushort Swap(ushort w) => (ushort)((w >> 8) | (w << 8));
}
