using Curtail.Ercot.Reading;

namespace Curtail.Ercot.Prices;

/// <summary>
/// Day-ahead market hourly settlement point prices: tidy dam_spp files, ERCOT NP4-190-CD ("HourEnding" 01:00..24:00,
/// DSTFlag) and NP4-180-ER annual exports ("Repeated Hour Flag"). Each price covers one hour [start, start + 1 h)
/// in UTC; the repeated hour of the fall-back day (flag Y) is the second, CST copy.
/// </summary>
public static class DayAheadPriceReader
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    /// <inheritdoc cref="Read(IReadOnlyList{string}, PriceReadOptions?)"/>
    public static PointPricesResult Read(string file, PriceReadOptions? options = null) => Read([file], options);

    /// <summary>
    /// Reads every known settlement point in the files (plain or gzip; a directory means its day-ahead files).
    /// Missing hours, duplicates, rows out of order, prices outside [-251, 10000], unknown points and unparseable
    /// rows are problems: InvalidInputException unless <see cref="PriceReadOptions.SkipBadRows"/>.
    /// </summary>
    public static PointPricesResult Read(IReadOnlyList<string> filesOrDirectories, PriceReadOptions? options = null) =>
        PointPricesReading.Read(filesOrDirectories, l => l.IsDayAhead(), "day-ahead hourly price", IntervalRule.Fixed(Interval), options);
}
