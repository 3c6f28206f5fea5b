using System.Buffers.Text;
using System.Text;

namespace Curtail.Ercot.Csv;

/// <summary>Allocation-free parsers for the few value shapes ERCOT files use. Each returns false instead of throwing.</summary>
internal static class Utf8Values
{
    public static bool TryParseDouble(ReadOnlySpan<byte> s, out double value) =>
        Utf8Parser.TryParse(s, out value, out var consumed) && consumed == s.Length && s.Length > 0 && double.IsFinite(value);

    public static bool TryParseInt(ReadOnlySpan<byte> s, out int value) =>
        Utf8Parser.TryParse(s, out value, out var consumed) && consumed == s.Length && s.Length > 0;

    /// <summary>Y/N as ERCOT writes the repeated-hour flag; true/false as its public API does.</summary>
    public static bool TryParseFlag(ReadOnlySpan<byte> s, out bool value)
    {
        value = s.Length == 1 ? (s[0] | 0x20) == 'y' : s.Length == 4 && Ascii.EqualsIgnoreCase(s, "true"u8);
        return s.Length == 1 ? (s[0] | 0x20) is 'y' or 'n' : Ascii.EqualsIgnoreCase(s, "true"u8) || Ascii.EqualsIgnoreCase(s, "false"u8);
    }

    /// <summary>A calendar date as <c>yyyy-MM-dd</c> (tidy files) or <c>MM/dd/yyyy</c> (ERCOT files).</summary>
    public static bool TryParseDate(ReadOnlySpan<byte> s, out DateOnly date)
    {
        date = default;
        int year, month, day;
        if (s.Length == 10 && s[4] == '-' && s[7] == '-')
        {
            if (!Digits(s[..4], out year) || !Digits(s.Slice(5, 2), out month) || !Digits(s.Slice(8, 2), out day)) return false;
        }
        else if (s.Length == 10 && s[2] == '/' && s[5] == '/')
        {
            if (!Digits(s[..2], out month) || !Digits(s.Slice(3, 2), out day) || !Digits(s.Slice(6, 4), out year)) return false;
        }
        else return false;
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)) return false;
        date = new DateOnly(year, month, day);
        return true;
    }

    /// <summary>
    /// A wall-clock time <c>HH:mm</c> or <c>HH:mm:ss</c> (fraction ignored), returned as seconds since midnight.
    /// Hour 24 is accepted only as <c>24:00</c> because ERCOT labels the last hour of a day "24:00".
    /// </summary>
    public static bool TryParseTimeOfDay(ReadOnlySpan<byte> s, out int seconds)
    {
        seconds = 0;
        if (s.Length < 5 || s[2] != ':' || !Digits(s[..2], out var hour) || !Digits(s.Slice(3, 2), out var minute)) return false;
        var second = 0;
        if (s.Length > 5)
        {
            if (s.Length < 8 || s[5] != ':' || !Digits(s.Slice(6, 2), out second)) return false;
            if (s.Length > 8 && (s[8] != '.' || !AllDigits(s[9..]))) return false;
        }
        if (minute > 59 || second > 59 || hour > 24 || (hour == 24 && (minute | second) != 0)) return false;
        seconds = hour * 3600 + minute * 60 + second;
        return true;
    }

    /// <summary>A local timestamp <c>yyyy-MM-ddTHH:mm[:ss]</c> or <c>MM/dd/yyyy HH:mm[:ss]</c> without offset.</summary>
    public static bool TryParseLocalDateTime(ReadOnlySpan<byte> s, out DateOnly date, out int secondsIntoDay)
    {
        secondsIntoDay = 0;
        date = default;
        return s.Length > 11 && (s[10] == 'T' || s[10] == ' ')
            && TryParseDate(s[..10], out date) && TryParseTimeOfDay(s[11..], out secondsIntoDay) && secondsIntoDay < 86400;
    }

    /// <summary>
    /// A UTC instant <c>yyyy-MM-ddTHH:mm[:ss]Z</c> (or <c>+00:00</c>) straight to ticks, without time-zone machinery:
    /// this is the hot path of loading a year of tidy prices.
    /// </summary>
    public static bool TryParseUtcTicks(ReadOnlySpan<byte> s, out long ticks)
    {
        ticks = 0;
        ReadOnlySpan<byte> clock;
        if (s.Length > 0 && s[^1] == 'Z') clock = s[..^1];
        else if (s.EndsWith("+00:00"u8)) clock = s[..^6];
        else return false;
        if (!TryParseLocalDateTime(clock, out var date, out var seconds)) return false;
        ticks = date.DayNumber * TimeSpan.TicksPerDay + seconds * TimeSpan.TicksPerSecond;
        return true;
    }

    private static bool Digits(ReadOnlySpan<byte> s, out int value)
    {
        value = 0;
        foreach (var b in s)
        {
            var d = b - '0';
            if ((uint)d > 9) return false;
            value = value * 10 + d;
        }
        return true;
    }

    private static bool AllDigits(ReadOnlySpan<byte> s)
    {
        foreach (var b in s)
            if ((uint)(b - '0') > 9) return false;
        return s.Length > 0;
    }
}
