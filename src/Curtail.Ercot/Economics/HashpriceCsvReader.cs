using System.Text;
using Curtail.Core;
using Curtail.Core.Economics;
using Curtail.Ercot.Csv;
using Curtail.Ercot.Reading;

namespace Curtail.Ercot.Economics;

/// <summary>
/// Reads a daily hashprice CSV (plain or gzip) such as data/bitcoin/hashprice_daily.csv.gz. Required columns:
/// <c>date</c> (UTC day, yyyy-MM-dd) and <c>hashprice_usd_per_th_day</c>; other columns are ignored.
/// </summary>
public static class HashpriceCsvReader
{
    /// <summary>Hashprice above this (USD per TH/s per day) is a data error; the 2018 high was about 3.</summary>
    public const double MaxPlausibleUsdPerThDay = 100;

    /// <summary>
    /// The daily series. Unparseable rows, values outside [0, 100], duplicate, out-of-order or missing days are
    /// bad input: InvalidInputException naming the file, line and reason of the first problems and their count.
    /// </summary>
    public static HashpriceSeries Read(string path)
    {
        if (!File.Exists(path)) throw new InvalidInputException(path, null, "no such file");
        using var reader = Utf8LineReader.Open(path);
        if (!reader.TryReadLine(out var headerLine)) throw new InvalidInputException(path, 1, "file is empty");
        var header = CsvHeader.Parse(headerLine);
        if (!header.Has("date", "hashpriceusdperthday"))
            throw new InvalidInputException(path, 1, $"header needs columns date and hashprice_usd_per_th_day, found: {header.Text}");
        var dateColumn = header.Required("date");
        var valueColumn = header.Required("hashpriceusdperthday");
        var log = new ProblemLog();
        var days = new List<(DateOnly Date, double UsdPerThDay)>(4096);
        var previousLine = 0;
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
            var dateText = CsvFields.Value(line, fields[dateColumn]);
            var valueText = CsvFields.Value(line, fields[valueColumn]);
            if (!Utf8Values.TryParseDate(dateText, out var date) || dateText[4] != '-')
            {
                log.Add(path, lineNumber, RowProblemKind.Unparseable, $"date '{Encoding.UTF8.GetString(dateText)}' is not a date like 2021-01-01");
                continue;
            }
            if (!Utf8Values.TryParseDouble(valueText, out var value))
            {
                log.Add(path, lineNumber, RowProblemKind.Unparseable, $"hashprice_usd_per_th_day '{Encoding.UTF8.GetString(valueText)}' is not a number");
                continue;
            }
            if (value is < 0 or > MaxPlausibleUsdPerThDay)
            {
                log.Add(path, lineNumber, RowProblemKind.OutOfRange, $"hashprice {value} USD/TH/day is outside the plausible range [0, {MaxPlausibleUsdPerThDay}]");
                continue;
            }
            if (days.Count > 0)
            {
                var previous = days[^1].Date;
                if (date == previous)
                {
                    log.Add(path, lineNumber, RowProblemKind.Duplicate, $"duplicate day {date:yyyy-MM-dd} (first at line {previousLine})");
                    continue;
                }
                if (date < previous)
                {
                    log.Add(path, lineNumber, RowProblemKind.OutOfOrder, $"day {date:yyyy-MM-dd} is out of order: it follows {previous:yyyy-MM-dd}");
                    continue;
                }
                if (date.DayNumber != previous.DayNumber + 1)
                    log.Add(path, lineNumber, RowProblemKind.Missing, $"{date.DayNumber - previous.DayNumber - 1} day(s) missing from {previous.AddDays(1):yyyy-MM-dd} to {date:yyyy-MM-dd}");
            }
            days.Add((date, value));
            previousLine = lineNumber;
        }
        log.ThrowUnlessSkipping(PriceReadOptions.Strict);
        if (days.Count == 0) throw new InvalidInputException(path, null, "no hashprice rows");
        return HashpriceSeries.Daily(days);
    }
}
