namespace Curtail.Ercot.Csv;

/// <summary>
/// Splits a CSV line into field ranges. ERCOT's MIS files quote every field and its historical files do not; no
/// field in these layouts contains a comma, so quotes are simply stripped from each field.
/// </summary>
internal static class CsvFields
{
    /// <summary>Number of fields in the line; only the first <c>ranges.Length</c> ranges are written.</summary>
    public static int Split(ReadOnlySpan<byte> line, Span<Range> ranges)
    {
        var count = 0;
        var start = 0;
        while (true)
        {
            var comma = line[start..].IndexOf((byte)',');
            var end = comma < 0 ? line.Length : start + comma;
            if (count < ranges.Length) ranges[count] = start..end;
            count++;
            if (comma < 0) return count;
            start = end + 1;
        }
    }

    /// <summary>The field's bytes without surrounding spaces or double quotes.</summary>
    public static ReadOnlySpan<byte> Value(ReadOnlySpan<byte> line, Range range)
    {
        var field = line[range].Trim((byte)' ');
        if (field.Length >= 2 && field[0] == (byte)'"' && field[^1] == (byte)'"') field = field[1..^1].Trim((byte)' ');
        return field;
    }
}
