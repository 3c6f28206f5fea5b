using Curtail.Core;
using Curtail.Ercot.Prices;
using Curtail.Ercot.Reading;

namespace Curtail.Ercot.Tests;

/// <summary>Every kind of bad row is refused with file, line and reason, or skipped and counted when asked.</summary>
public class ProblemReportingTests : IDisposable
{
    private const string Header = "interval_start_utc,interval_start_local,settlement_point,spp\n";
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Row(string utc, string point, string price) => $"{utc},local,{point},{price}\n";

    private static string Rows(params (string Utc, string Point, string Price)[] rows) =>
        Header + string.Concat(rows.Select(r => Row(r.Utc, r.Point, r.Price)));

    private static readonly (string, string, string)[] GoodHour =
    [
        ("2021-06-01T05:00Z", "HB_WEST", "20.5"), ("2021-06-01T05:00Z", "HB_NORTH", "21"),
        ("2021-06-01T05:15Z", "HB_WEST", "22.5"), ("2021-06-01T05:15Z", "HB_NORTH", "23"),
        ("2021-06-01T05:30Z", "HB_WEST", "24.5"), ("2021-06-01T05:30Z", "HB_NORTH", "25"),
        ("2021-06-01T05:45Z", "HB_WEST", "26.5"), ("2021-06-01T05:45Z", "HB_NORTH", "27"),
    ];

    private static (string, string, string)[] WithRow(int index, (string, string, string) row)
    {
        var rows = GoodHour.ToList();
        rows[index] = row;
        return rows.ToArray();
    }

    private InvalidInputException Refused(string content, string name = "bad.csv")
    {
        var path = _dir.Write(name, content);
        var e = Assert.Throws<InvalidInputException>(() => PriceLoader.Load([path], "HB_WEST"));
        Assert.Equal(path, e.Location);
        return e;
    }

    [Fact]
    public void GoodFileLoadsWithoutProblems()
    {
        var result = PriceLoader.Load([_dir.Write("good.csv", Rows(GoodHour))], "HB_WEST");
        Assert.Equal([20.5, 22.5, 24.5, 26.5], result.Series.Prices.ToArray());
        Assert.Equal(0, result.SkippedRows);
        Assert.Empty(result.Problems);
    }

    [Fact]
    public void UnparseablePriceNamesFileLineAndValue()
    {
        var e = Refused(Rows(WithRow(4, ("2021-06-01T05:30Z", "HB_WEST", "12,5"))));
        Assert.Equal(6, e.Line);
        Assert.Contains("bad.csv:6: expected 4 fields, found 5", e.Message);

        e = Refused(Rows(WithRow(4, ("2021-06-01T05:30Z", "HB_WEST", "n/a"))));
        Assert.Contains(":6: price 'n/a' of HB_WEST is not a number", e.Message);
    }

    [Fact]
    public void UnparseableTimestampIsReported()
    {
        var e = Refused(Rows(WithRow(2, ("2021-06-01 05:15", "HB_WEST", "22.5"))));
        Assert.Equal(4, e.Line);
        Assert.Contains("interval_start_utc '2021-06-01 05:15' is not a UTC timestamp", e.Message);
    }

    [Theory]
    [InlineData("-251.01")]
    [InlineData("10000.5")]
    public void PriceOutsidePlausibleRangeIsReported(string price)
    {
        var e = Refused(Rows(WithRow(6, ("2021-06-01T05:45Z", "HB_WEST", price))));
        Assert.Equal(8, e.Line);
        Assert.Contains($"price {price} $/MWh of HB_WEST is outside the plausible range [-251, 10000]", e.Message);
    }

    [Fact]
    public void PricesAtTheBoundsAreAccepted()
    {
        var rows = WithRow(0, ("2021-06-01T05:00Z", "HB_WEST", "-251"));
        rows[2] = ("2021-06-01T05:15Z", "HB_WEST", "10000");
        var series = PriceLoader.Load([_dir.Write("bounds.csv", Rows(rows))], "HB_WEST").Series;
        Assert.Equal(-251, series.Prices[0]);
        Assert.Equal(10000, series.Prices[1]);
    }

    [Fact]
    public void UnknownSettlementPointIsReported()
    {
        var e = Refused(Rows(WithRow(3, ("2021-06-01T05:15Z", "HB_NORHT", "23"))));
        Assert.Equal(5, e.Line);
        Assert.Contains("unknown settlement point 'HB_NORHT'", e.Message);
    }

    [Fact]
    public void UnknownRequestedPointIsRefusedBeforeReading()
    {
        var e = Assert.Throws<InvalidInputException>(() => PriceLoader.Load([_dir.Write("good.csv", Rows(GoodHour))], "HB_WST"));
        Assert.Contains("unknown settlement point 'HB_WST'", e.Message);
        Assert.Contains("HB_WEST", e.Message);
    }

    [Fact]
    public void DuplicateIntervalNamesBothLines()
    {
        var e = Refused(Rows(WithRow(4, ("2021-06-01T05:15Z", "HB_WEST", "99"))));
        Assert.Equal(6, e.Line);
        Assert.Contains("duplicate HB_WEST interval starting 2021-06-01T05:15Z", e.Message);
        Assert.Contains("bad.csv:4)", e.Message);
    }

    [Fact]
    public void OutOfOrderIntervalIsReported()
    {
        var rows = GoodHour.ToList();
        (rows[2], rows[6]) = (rows[6], rows[2]);
        var e = Refused(Rows(rows.ToArray()));
        // The first problem in the file is the apparent gap 05:00 -> 05:45 at line 4; then the two late rows.
        Assert.Equal(4, e.Line);
        Assert.Contains("bad.csv:6: HB_WEST interval starting 2021-06-01T05:30Z is out of order: it follows 2021-06-01T05:45Z (", e.Message);
        Assert.Contains("bad.csv:8: HB_WEST interval starting 2021-06-01T05:15Z is out of order", e.Message);
    }

    [Fact]
    public void MissingIntervalsAreCountedAndLocated()
    {
        var rows = GoodHour.Where((_, i) => i is not (2 or 4)).ToArray();
        var e = Refused(Rows(rows));
        Assert.Equal(6, e.Line);
        Assert.Contains("2 HB_WEST interval(s) missing from 2021-06-01T05:15Z to 2021-06-01T05:45Z", e.Message);
    }

    [Fact]
    public void MissingIntervalsAtTheEdgesOfTheRequestedRangeAreReported()
    {
        var path = _dir.Write("hour.csv", Rows(GoodHour));
        var e = Assert.Throws<InvalidInputException>(() => PriceLoader.Load([path], "HB_WEST", new DateOnly(2021, 5, 31), new DateOnly(2021, 6, 2)));
        Assert.Equal(2, e.Line);
        Assert.Contains("96 HB_WEST interval(s) missing at the start of the requested range, from 2021-05-31T05:00Z to 2021-06-01T05:00Z", e.Message);
        Assert.Contains("hour.csv:8: 92 HB_WEST interval(s) missing at the end of the requested range, from 2021-06-01T06:00Z to 2021-06-02T05:00Z", e.Message);
    }

    [Fact]
    public void MessageGivesTheTotalCountAndTheNextProblems()
    {
        var rows = GoodHour.ToList();
        rows[0] = ("2021-06-01T05:00Z", "HB_WEST", "x");
        rows[2] = ("2021-06-01T05:15Z", "HB_WEST", "20000");
        rows[3] = ("2021-06-01T05:15Z", "LZ_NOWHERE", "1");
        var e = Refused(Rows(rows.ToArray()));
        Assert.Equal(2, e.Line);
        Assert.Contains("3 problem(s) in total, 3 bad row(s)", e.Message);
        Assert.Contains("bad.csv:4: price 20000", e.Message);
        Assert.Contains("bad.csv:5: unknown settlement point 'LZ_NOWHERE'", e.Message);
    }

    [Fact]
    public void SkipModeDropsBadRowsAndCountsThem()
    {
        var rows = GoodHour.ToList();
        rows[2] = ("2021-06-01T05:15Z", "HB_WEST", "20000");
        rows.Add(("2021-06-01T05:45Z", "HB_WEST", "99"));
        rows.Add(("2021-06-01T06:00Z", "HB_WEST", "garbage"));
        rows.Add(("2021-06-01T06:15Z", "HB_WEST", "30"));
        var path = _dir.Write("bad.csv", Rows(rows.ToArray()));
        var result = PriceLoader.Load([path], "HB_WEST", options: new PriceReadOptions { SkipBadRows = true });
        Assert.Equal(3, result.SkippedRows);
        Assert.Equal([20.5, 24.5, 26.5, 30], result.Series.Prices.ToArray());
        Assert.Equal(
            [RowProblemKind.Unparseable, RowProblemKind.OutOfRange, RowProblemKind.Duplicate, RowProblemKind.Missing, RowProblemKind.Missing],
            result.Problems.Select(p => p.Kind).Order().ToArray());
        Assert.All(result.Problems, p => Assert.Equal(path, p.File));
        Assert.Contains(result.Problems, p => p.Line == 11 && p.Reason.Contains("'garbage'"));
        // The bad 05:15 and 06:00 rows leave two one-interval gaps in the series.
        Assert.Null(result.Series.UniformStep());
        Assert.Null(result.Series.PriceAt(TestFiles.Utc("2021-06-01T05:20Z")));
    }

    [Fact]
    public void FileWithoutAnyRowOfThePointIsRefused()
    {
        var path = _dir.Write("north.csv", Header + Row("2021-06-01T05:00Z", "HB_NORTH", "21"));
        var e = Assert.Throws<InvalidInputException>(() => PriceLoader.Load([path], "HB_WEST"));
        Assert.Contains("no HB_WEST prices in", e.Message);
    }

    [Fact]
    public void UnrecognisedHeaderOfANamedFileIsRefused()
    {
        var path = _dir.Write("weird.csv", "time,price\n2021-06-01T05:00Z,3\n");
        var e = Assert.Throws<InvalidInputException>(() => PriceLoader.Load([path], "HB_WEST"));
        Assert.Equal(1, e.Line);
        Assert.Contains("not a real-time 15-minute price layout", e.Message);
    }

    [Fact]
    public void MissingPathIsRefused()
    {
        var e = Assert.Throws<InvalidInputException>(() => PriceLoader.Load([Path.Combine(_dir.Path, "nope.csv.gz")], "HB_WEST"));
        Assert.Contains("no such file or directory", e.Message);
    }

    [Fact]
    public void IntervalOffTheFifteenMinuteGridIsReported()
    {
        var e = Refused(Rows(WithRow(2, ("2021-06-01T05:20Z", "HB_WEST", "22.5"))));
        Assert.Equal(4, e.Line);
        Assert.Contains("HB_WEST interval starting 2021-06-01T05:20Z is not on the 15-minute grid", e.Message);
    }

    [Fact]
    public void ByteOrderMarkWindowsLineEndsQuotesAndBlankLinesAreTolerated()
    {
        var content = "\uFEFF" + Rows(GoodHour).Replace("\n", "\r\n").Replace(",HB_WEST,", ",\"HB_WEST\",") + "\r\n";
        var result = PriceLoader.Load([_dir.Write("windows.csv", content)], "HB_WEST");
        Assert.Equal([20.5, 22.5, 24.5, 26.5], result.Series.Prices.ToArray());
    }
}
