using System.Text;
using Curtail.Core;
using Curtail.Ercot.Csv;
using Curtail.Ercot.Reading;

namespace Curtail.Ercot.Load;

/// <summary>
/// Reads ERCOT hourly native load (tidy native_load files: interval_start_utc, one "&lt;zone&gt;_mw" column per weather
/// zone and ercot_mw). The UTC column is used as is; ERCOT's own labels are kept in the file for people.
/// </summary>
public static class NativeLoadReader
{
    /// <summary>Loads above this are data errors: ERCOT's record is about 86 GW.</summary>
    public const double MaxPlausibleMw = 150_000;

    /// <summary>
    /// Reads one file (plain or gzip). Missing or duplicate hours, hours out of order, unparseable values and loads
    /// outside [0, 150000] MW are problems: InvalidInputException unless <see cref="PriceReadOptions.SkipBadRows"/>.
    /// </summary>
    public static SystemLoadResult Read(string path, PriceReadOptions? options = null)
    {
        options ??= PriceReadOptions.Strict;
        if (!File.Exists(path)) throw new InvalidInputException(path, null, "no such file");
        using var reader = Utf8LineReader.Open(path);
        if (!reader.TryReadLine(out var headerLine)) throw new InvalidInputException(path, 1, "file is empty");
        var header = CsvHeader.Parse(headerLine);
        if (ErcotFileLayouts.Detect(header) != ErcotFileLayout.TidyNativeLoad)
            throw new InvalidInputException(path, 1, "header is not a native load layout (needs interval_start_utc and ercot_mw)");
        var startColumn = header.Required("intervalstartutc");
        var ercotColumn = header.Required("ercotmw");
        var zoneColumns = header.Names.Select((name, index) => (name, index))
            .Where(c => c.name.EndsWith("mw", StringComparison.Ordinal) && c.index != ercotColumn)
            .Select(c => (Zone: c.name[..^2], Column: c.index)).ToArray();

        var log = new ProblemLog();
        var starts = new List<long>(26_304);
        var lines = new List<int>(26_304);
        var ercot = new List<double>(26_304);
        var zones = zoneColumns.Select(_ => new List<double>(26_304)).ToArray();
        var values = new double[zoneColumns.Length + 1];
        Span<Range> fields = stackalloc Range[header.Count + 1];
        while (reader.TryReadLine(out var line))
        {
            if (line.IsEmpty) continue;
            var lineNumber = reader.LineNumber;
            var count = CsvFields.Split(line, fields);
            if (count != header.Count)
            {
                log.Add(path, lineNumber, RowProblemKind.Unparseable, $"expected {header.Count} fields, found {count}");
                continue;
            }
            var startText = CsvFields.Value(line, fields[startColumn]);
            if (!Utf8Values.TryParseUtcTicks(startText, out var start) || start % SystemLoadSeries.Interval.Ticks != 0)
            {
                log.Add(path, lineNumber, RowProblemKind.Unparseable, $"interval_start_utc '{Encoding.UTF8.GetString(startText)}' is not a whole UTC hour like 2021-01-01T06:00Z");
                continue;
            }
            if (!TryReadLoad(line, fields[ercotColumn], "ercot_mw", path, lineNumber, log, out values[0])) continue;
            var good = true;
            for (var z = 0; z < zoneColumns.Length && good; z++)
                good = TryReadLoad(line, fields[zoneColumns[z].Column], zoneColumns[z].Zone + "_mw", path, lineNumber, log, out values[z + 1]);
            if (!good) continue;
            if (starts.Count > 0 && !InOrder(starts[^1], lines[^1], start, path, lineNumber, log)) continue;
            starts.Add(start);
            lines.Add(lineNumber);
            ercot.Add(values[0]);
            for (var z = 0; z < zoneColumns.Length; z++) zones[z].Add(values[z + 1]);
        }
        log.ThrowUnlessSkipping(options);
        if (starts.Count == 0) throw new InvalidInputException(path, null, "no load rows");
        var byZone = zoneColumns.Select((c, z) => (c.Zone, Values: zones[z].ToArray())).ToDictionary(x => x.Zone, x => x.Values);
        return new SystemLoadResult(new SystemLoadSeries(starts.ToArray(), ercot.ToArray(), byZone), log.SkippedRows, log.InFileOrder());
    }

    private static bool InOrder(long previous, int previousLine, long start, string path, int lineNumber, ProblemLog log)
    {
        var hour = SystemLoadSeries.Interval.Ticks;
        if (start == previous)
        {
            log.Add(path, lineNumber, RowProblemKind.Duplicate, $"duplicate load hour {Reading.SeriesAssembler.Utc(start)} (first at line {previousLine})");
            return false;
        }
        if (start < previous)
        {
            log.Add(path, lineNumber, RowProblemKind.OutOfOrder, $"load hour {Reading.SeriesAssembler.Utc(start)} is out of order: it follows {Reading.SeriesAssembler.Utc(previous)} (line {previousLine})");
            return false;
        }
        if (start > previous + hour)
            log.Add(path, lineNumber, RowProblemKind.Missing, $"{(start - previous) / hour - 1} load hour(s) missing from {Reading.SeriesAssembler.Utc(previous + hour)} to {Reading.SeriesAssembler.Utc(start)}");
        return true;
    }

    private static bool TryReadLoad(ReadOnlySpan<byte> line, Range field, string column, string path, int lineNumber, ProblemLog log, out double mw)
    {
        var text = CsvFields.Value(line, field);
        if (!Utf8Values.TryParseDouble(text, out mw))
        {
            log.Add(path, lineNumber, RowProblemKind.Unparseable, $"{column} '{Encoding.UTF8.GetString(text)}' is not a number");
            return false;
        }
        if (mw is >= 0 and <= MaxPlausibleMw) return true;
        log.Add(path, lineNumber, RowProblemKind.OutOfRange, $"{column} {mw} MW is outside the plausible range [0, {MaxPlausibleMw}]");
        return false;
    }
}
