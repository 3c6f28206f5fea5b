using System.Text;
using Curtail.Core.Prices;
using Curtail.Ercot.Csv;
using Curtail.Ercot.Reading;

namespace Curtail.Ercot.Prices;

/// <summary>The rows of one settlement point that one real-time file holds inside the requested window.</summary>
internal sealed record RealTimeFileRows(ErcotFileLayout Layout, RowBuffer Rows, ProblemLog Log);

/// <summary>
/// Reads one real-time 15-minute file (tidy or ERCOT layout) for one settlement point. Rows of other points are
/// only checked to name a known point (by comparing bytes), nothing else of them is parsed, so a multi-point
/// file costs little more than decompressing it.
/// </summary>
internal sealed class RealTimeFileReader
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(15);
    private const int MaxNamesCompared = 16;
    // A yearly file (about 1 MB gzip) gets room for a year up front instead of regrowing a dozen times; a
    // directory of ERCOT's per-interval NP6-905-CD files (thousands of small files) must not get a year each.
    private const int IntervalsInALeapYear = 366 * 96;
    private readonly string _path;
    private readonly string _point;
    private readonly byte[] _pointUtf8;
    private readonly bool _pointIsLoadZone;
    private readonly byte[] _pointType;
    private readonly long _fromTicks;
    private readonly long _toTicks;
    private readonly PriceReadOptions _options;
    private readonly PointTable<bool> _knownPoints = new();
    private readonly List<byte[]> _knownNamesSeen = [];
    private int _lastKnownName;
    private readonly ProblemLog _log = new();
    private readonly RowBuffer _rows;

    private RealTimeFileReader(string path, string point, long fromTicks, long toTicks, PriceReadOptions options)
    {
        _path = path;
        _point = point;
        _pointUtf8 = Encoding.UTF8.GetBytes(point);
        _pointType = Encoding.UTF8.GetBytes(SettlementPoints.TypeOf(point));
        _pointIsLoadZone = SettlementPoints.TypeOf(point) == "LZ";
        _fromTicks = fromTicks;
        _toTicks = toTicks;
        _options = options;
        _rows = new RowBuffer(path, (int)Math.Clamp(new FileInfo(path).Length / 32, 64, IntervalsInALeapYear));
    }

    /// <summary>
    /// The file's rows for <paramref name="point"/> starting in [from, to), or null when the file is not a
    /// real-time price file or <paramref name="wanted"/> turns its layout down (decided from the header alone).
    /// </summary>
    public static RealTimeFileRows? Read(string path, string point, long fromTicks, long toTicks, PriceReadOptions options,
        Func<ErcotFileLayout, bool> wanted, out ErcotFileLayout layout)
    {
        using var reader = Utf8LineReader.Open(path);
        if (!reader.TryReadLine(out var headerLine))
        {
            layout = ErcotFileLayout.Unknown;
            return null;
        }
        var header = CsvHeader.Parse(headerLine);
        layout = ErcotFileLayouts.Detect(header);
        if (!layout.IsRealTime() || !wanted(layout)) return null;
        var fileReader = new RealTimeFileReader(path, point, fromTicks, toTicks, options);
        if (layout is ErcotFileLayout.Np6905Cd or ErcotFileLayout.Np6785Er or ErcotFileLayout.Np6905CdRtcB) fileReader.ReadErcotLayout(reader, header);
        else fileReader.ReadTidyLayout(reader, header, layout);
        return new RealTimeFileRows(layout, fileReader._rows, fileReader._log);
    }

    private void ReadTidyLayout(Utf8LineReader reader, CsvHeader header, ErcotFileLayout layout)
    {
        var startColumn = header.Required("intervalstartutc");
        var pointColumn = header.Required("settlementpoint");
        var loadZones = layout == ErcotFileLayout.TidyRealTimeLoadZones;
        var lowColumn = loadZones ? header.Required("spplo") : header.Required("spp");
        var highColumn = loadZones ? header.Required("spphi") : lowColumn;
        var choice = loadZones ? _options.LoadZonePrice : LoadZonePrice.Low;
        Span<Range> fields = stackalloc Range[header.Count + 1];
        while (reader.TryReadLine(out var line))
        {
            if (line.IsEmpty) continue;
            var lineNumber = reader.LineNumber;
            if (!HasFieldCount(line, fields, header.Count, lineNumber)) continue;
            var name = CsvFields.Value(line, fields[pointColumn]);
            if (!name.SequenceEqual(_pointUtf8))
            {
                CheckOtherPoint(name, lineNumber);
                continue;
            }
            var startText = CsvFields.Value(line, fields[startColumn]);
            if (!Utf8Values.TryParseUtcTicks(startText, out var start))
            {
                Unparseable(lineNumber, $"interval_start_utc '{Encoding.UTF8.GetString(startText)}' is not a UTC timestamp like 2021-02-15T06:00Z");
                continue;
            }
            if (start < _fromTicks || start >= _toTicks) continue;
            if (!TryReadPrice(line, fields, choice == LoadZonePrice.High ? highColumn : lowColumn, lineNumber, out var price)) continue;
            if (choice == LoadZonePrice.Mid)
            {
                if (!TryReadPrice(line, fields, highColumn, lineNumber, out var high)) continue;
                price = (price + high) / 2;
            }
            Accept(start, price, lineNumber);
        }
    }

    private void ReadErcotLayout(Utf8LineReader reader, CsvHeader header)
    {
        var dateColumn = header.Required("deliverydate");
        var hourColumn = header.Required("deliveryhour");
        var intervalColumn = header.Required("deliveryinterval");
        var nameColumn = header.Required("settlementpointname");
        var typeColumn = header.Required("settlementpointtype");
        var priceColumn = header.Required("settlementpointprice");
        var flagColumn = header.IndexOf("dstflag") >= 0 ? header.Required("dstflag") : header.Required("repeatedhourflag");
        var clock = new CptClock();
        Span<Range> fields = stackalloc Range[header.Count + 1];
        while (reader.TryReadLine(out var line))
        {
            if (line.IsEmpty) continue;
            var lineNumber = reader.LineNumber;
            if (!HasFieldCount(line, fields, header.Count, lineNumber)) continue;
            var name = CsvFields.Value(line, fields[nameColumn]);
            var type = CsvFields.Value(line, fields[typeColumn]);
            if (!name.SequenceEqual(_pointUtf8))
            {
                if (PlausibleValues.IsHubOrZoneType(type)) CheckOtherPoint(name, lineNumber);
                continue;
            }
            // ERCOT publishes each load zone twice, as LZ and as energy-weighted LZEW; the LZ row is the zone's price.
            if (_pointIsLoadZone && type.SequenceEqual("LZEW"u8)) continue;
            if (!type.SequenceEqual(_pointType))
            {
                Unparseable(lineNumber, $"settlement point type '{Encoding.UTF8.GetString(type)}' does not match {_point} (type {Encoding.UTF8.GetString(_pointType)})");
                continue;
            }
            if (!TryReadIntervalStart(line, fields, dateColumn, hourColumn, intervalColumn, flagColumn, clock, lineNumber, out var start)) continue;
            if (start < _fromTicks || start >= _toTicks) continue;
            if (!TryReadPrice(line, fields, priceColumn, lineNumber, out var price)) continue;
            Accept(start, price, lineNumber);
        }
    }

    private bool TryReadIntervalStart(ReadOnlySpan<byte> line, Span<Range> fields, int dateColumn, int hourColumn, int intervalColumn,
        int flagColumn, CptClock clock, int lineNumber, out long start)
    {
        start = 0;
        var dateText = CsvFields.Value(line, fields[dateColumn]);
        if (!Utf8Values.TryParseDate(dateText, out var date))
            return Unparseable(lineNumber, $"delivery date '{Encoding.UTF8.GetString(dateText)}' is not a date like 02/15/2021");
        if (!Utf8Values.TryParseInt(CsvFields.Value(line, fields[hourColumn]), out var hourEnding) || hourEnding is < 1 or > 24)
            return Unparseable(lineNumber, $"delivery hour '{Encoding.UTF8.GetString(CsvFields.Value(line, fields[hourColumn]))}' is not an hour ending 1..24");
        if (!Utf8Values.TryParseInt(CsvFields.Value(line, fields[intervalColumn]), out var interval) || interval is < 1 or > 4)
            return Unparseable(lineNumber, $"delivery interval '{Encoding.UTF8.GetString(CsvFields.Value(line, fields[intervalColumn]))}' is not 1..4");
        if (!Utf8Values.TryParseFlag(CsvFields.Value(line, fields[flagColumn]), out var repeated))
            return Unparseable(lineNumber, $"DST flag '{Encoding.UTF8.GetString(CsvFields.Value(line, fields[flagColumn]))}' is not Y or N");
        var secondsIntoDay = (hourEnding - 1) * 3600 + (interval - 1) * 900;
        if (!clock.TryToUtcTicks(date, secondsIntoDay, repeated, out start, out var error))
            return Unparseable(lineNumber, $"hour ending {hourEnding} interval {interval}: {error}");
        return true;
    }

    private bool HasFieldCount(ReadOnlySpan<byte> line, Span<Range> fields, int expected, int lineNumber)
    {
        var count = CsvFields.Split(line, fields);
        return count == expected || Unparseable(lineNumber, $"expected {expected} fields, found {count}");
    }

    private bool TryReadPrice(ReadOnlySpan<byte> line, Span<Range> fields, int column, int lineNumber, out double price)
    {
        var text = CsvFields.Value(line, fields[column]);
        if (!Utf8Values.TryParseDouble(text, out price))
            return Unparseable(lineNumber, $"price '{Encoding.UTF8.GetString(text)}' of {_point} is not a number");
        if (PlausibleValues.IsPlausiblePrice(price)) return true;
        _log.Add(_path, lineNumber, RowProblemKind.OutOfRange, PlausibleValues.PriceOutOfRange(_point, price));
        return false;
    }

    private void CheckOtherPoint(ReadOnlySpan<byte> name, int lineNumber)
    {
        if (_options.IgnoreUnknownPoints) return;
        // A file repeats the same handful of names in the same order every interval: comparing bytes with the
        // name that followed last time, then with the others seen, beats hashing.
        for (var i = 0; i < _knownNamesSeen.Count; i++)
        {
            var candidate = (_lastKnownName + 1 + i) % _knownNamesSeen.Count;
            if (!name.SequenceEqual(_knownNamesSeen[candidate])) continue;
            _lastKnownName = candidate;
            return;
        }
        if (_knownPoints.GetOrAdd(name, SettlementPoints.IsKnown))
        {
            if (_knownNamesSeen.Count < MaxNamesCompared) _knownNamesSeen.Add(name.ToArray());
            return;
        }
        _log.Add(_path, lineNumber, RowProblemKind.UnknownSettlementPoint, $"unknown settlement point '{Encoding.UTF8.GetString(name)}'");
    }

    private void Accept(long start, double price, int lineNumber) => _rows.Add(start, price, lineNumber);

    private bool Unparseable(int lineNumber, string reason)
    {
        _log.Add(_path, lineNumber, RowProblemKind.Unparseable, reason);
        return false;
    }

    public static IntervalRule Rule => IntervalRule.Fixed(Interval);
}
