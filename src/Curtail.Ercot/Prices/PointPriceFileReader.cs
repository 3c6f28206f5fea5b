using System.Text;
using Curtail.Core.Prices;
using Curtail.Ercot.Csv;
using Curtail.Ercot.Reading;

namespace Curtail.Ercot.Prices;

/// <summary>
/// Reads every settlement point of a day-ahead or SCED file (tidy or ERCOT layout) into per-point row buffers.
/// The per-layout difference is only how a row's start instant is found.
/// </summary>
internal sealed class PointPriceFileReader
{
    private readonly string _path;
    private readonly PriceReadOptions _options;
    private readonly ProblemLog _log = new();
    private readonly PointTable<RowBuffer?> _rowsByPoint = new();
    private readonly CptClock _clock = new();

    // Created once: a lambda capturing this, written at the call site, would allocate on every row.
    private readonly Func<string, RowBuffer?> _bufferForKnownPoint;

    private PointPriceFileReader(string path, PriceReadOptions options)
    {
        _path = path;
        _options = options;
        _bufferForKnownPoint = name => SettlementPoints.IsKnown(name) ? new RowBuffer(path) : null;
    }

    public ProblemLog Log => _log;

    public IEnumerable<(string Point, RowBuffer Rows)> RowsByPoint =>
        _rowsByPoint.Entries.Where(e => e.Value is not null).Select(e => (e.Key, e.Value!));

    /// <summary>The file's rows by point, or null when its header is not one of the accepted layouts.</summary>
    public static PointPriceFileReader? Read(string path, Func<ErcotFileLayout, bool> accepts, PriceReadOptions options, out ErcotFileLayout layout)
    {
        using var reader = Utf8LineReader.Open(path);
        layout = reader.TryReadLine(out var headerLine) ? ErcotFileLayouts.Detect(CsvHeader.Parse(headerLine)) : ErcotFileLayout.Unknown;
        if (!accepts(layout)) return null;
        var fileReader = new PointPriceFileReader(path, options);
        fileReader.ReadRows(reader, CsvHeader.Parse(headerLine), layout);
        return fileReader;
    }

    private void ReadRows(Utf8LineReader reader, CsvHeader header, ErcotFileLayout layout)
    {
        var pointColumn = header.Required("settlementpoint");
        var priceColumn = layout switch
        {
            ErcotFileLayout.TidyDayAhead => header.Required("spp"),
            ErcotFileLayout.TidySced or ErcotFileLayout.Np6788Cd => header.Required("lmp"),
            _ => header.Required("settlementpointprice"),
        };
        var columns = new TimeColumns(header, layout);
        Span<Range> fields = stackalloc Range[header.Count + 1];
        while (reader.TryReadLine(out var line))
        {
            if (line.IsEmpty) continue;
            var lineNumber = reader.LineNumber;
            var count = CsvFields.Split(line, fields);
            if (count != header.Count)
            {
                Problem(lineNumber, RowProblemKind.Unparseable, $"expected {header.Count} fields, found {count}");
                continue;
            }
            var name = CsvFields.Value(line, fields[pointColumn]);
            var rows = _rowsByPoint.GetOrAdd(name, _bufferForKnownPoint);
            if (rows is null)
            {
                if (!_options.IgnoreUnknownPoints)
                    Problem(lineNumber, RowProblemKind.UnknownSettlementPoint, $"unknown settlement point '{Encoding.UTF8.GetString(name)}'");
                continue;
            }
            if (!TryReadStart(line, fields, columns, lineNumber, out var start)) continue;
            var priceText = CsvFields.Value(line, fields[priceColumn]);
            if (!Utf8Values.TryParseDouble(priceText, out var price))
            {
                Problem(lineNumber, RowProblemKind.Unparseable, $"price '{Encoding.UTF8.GetString(priceText)}' is not a number");
                continue;
            }
            if (!PlausibleValues.IsPlausiblePrice(price))
            {
                Problem(lineNumber, RowProblemKind.OutOfRange, PlausibleValues.PriceOutOfRange(Encoding.UTF8.GetString(name), price));
                continue;
            }
            rows.Add(start, price, lineNumber);
        }
    }

    /// <summary>Where a layout keeps a row's start: a UTC column (tidy), or a CPT date, time and repeated-hour flag (ERCOT).</summary>
    private sealed class TimeColumns
    {
        public readonly int Utc = -1, Date = -1, HourEnding = -1, LocalTimestamp = -1, Flag = -1;

        public TimeColumns(CsvHeader header, ErcotFileLayout layout)
        {
            switch (layout)
            {
                case ErcotFileLayout.TidyDayAhead: Utc = header.Required("intervalstartutc"); break;
                case ErcotFileLayout.TidySced: Utc = header.Required("scedtimestamputc"); break;
                case ErcotFileLayout.Np6788Cd:
                    LocalTimestamp = header.Required("scedtimestamp");
                    Flag = header.Required("repeatedhourflag");
                    break;
                default:
                    Date = header.Required("deliverydate");
                    HourEnding = header.Required("hourending");
                    Flag = header.IndexOf("dstflag") >= 0 ? header.Required("dstflag") : header.Required("repeatedhourflag");
                    break;
            }
        }
    }

    private bool TryReadStart(ReadOnlySpan<byte> line, Span<Range> fields, TimeColumns columns, int lineNumber, out long start)
    {
        start = 0;
        if (columns.Utc >= 0)
        {
            var text = CsvFields.Value(line, fields[columns.Utc]);
            return Utf8Values.TryParseUtcTicks(text, out start)
                || Problem(lineNumber, RowProblemKind.Unparseable, $"'{Encoding.UTF8.GetString(text)}' is not a UTC timestamp like 2021-02-15T06:00Z");
        }
        var flagText = CsvFields.Value(line, fields[columns.Flag]);
        if (!Utf8Values.TryParseFlag(flagText, out var repeated))
            return Problem(lineNumber, RowProblemKind.Unparseable, $"repeated-hour flag '{Encoding.UTF8.GetString(flagText)}' is not Y or N");
        DateOnly date;
        int secondsIntoDay;
        if (columns.LocalTimestamp >= 0)
        {
            var text = CsvFields.Value(line, fields[columns.LocalTimestamp]);
            if (!Utf8Values.TryParseLocalDateTime(text, out date, out secondsIntoDay))
                return Problem(lineNumber, RowProblemKind.Unparseable, $"SCED timestamp '{Encoding.UTF8.GetString(text)}' is not like 08/04/2025 19:55:10");
        }
        else
        {
            var dateText = CsvFields.Value(line, fields[columns.Date]);
            var hourText = CsvFields.Value(line, fields[columns.HourEnding]);
            if (!Utf8Values.TryParseDate(dateText, out date))
                return Problem(lineNumber, RowProblemKind.Unparseable, $"delivery date '{Encoding.UTF8.GetString(dateText)}' is not a date like 02/15/2021");
            if (!TryParseHourEnding(hourText, out var hourEnding))
                return Problem(lineNumber, RowProblemKind.Unparseable, $"hour ending '{Encoding.UTF8.GetString(hourText)}' is not 1..24 or 01:00..24:00");
            secondsIntoDay = (hourEnding - 1) * 3600;
        }
        return _clock.TryToUtcTicks(date, secondsIntoDay, repeated, out start, out var error)
            || Problem(lineNumber, RowProblemKind.Unparseable, error!);
    }

    /// <summary>ERCOT writes hour ending as "01:00".."24:00" in NP4-190-CD and as 1..24 in its workbooks.</summary>
    private static bool TryParseHourEnding(ReadOnlySpan<byte> text, out int hourEnding)
    {
        if (Utf8Values.TryParseTimeOfDay(text, out var seconds) && seconds % 3600 == 0) hourEnding = seconds / 3600;
        else if (!Utf8Values.TryParseInt(text, out hourEnding)) return false;
        return hourEnding is >= 1 and <= 24;
    }

    private bool Problem(int lineNumber, RowProblemKind kind, string reason)
    {
        _log.Add(_path, lineNumber, kind, reason);
        return false;
    }
}
