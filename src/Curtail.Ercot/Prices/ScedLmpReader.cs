using Curtail.Ercot.Reading;

namespace Curtail.Ercot.Prices;

/// <summary>
/// SCED locational marginal prices (NP6-788-CD, or the tidy sced_lmp files), one row per SCED run. A run's LMP is
/// what dispatch used until the next run, so each price covers [this run, next run) of its point; the last run
/// of a point holds for <see cref="LastRunHolds"/>, SCED's nominal cadence. Runs are irregular (extra runs come
/// less than 5 minutes apart, occasional gaps reach 30 minutes), so no interval is ever reported missing.
/// </summary>
public static class ScedLmpReader
{
    public static readonly TimeSpan LastRunHolds = TimeSpan.FromMinutes(5);

    /// <inheritdoc cref="Read(IReadOnlyList{string}, PriceReadOptions?)"/>
    public static PointPricesResult Read(string file, PriceReadOptions? options = null) => Read([file], options);

    /// <summary>
    /// Reads every known settlement point in the files (plain or gzip; a directory means its SCED files).
    /// Duplicate runs, runs out of order, LMPs outside [-251, 10000], unknown points and unparseable rows are
    /// problems: InvalidInputException unless <see cref="PriceReadOptions.SkipBadRows"/>.
    /// </summary>
    public static PointPricesResult Read(IReadOnlyList<string> filesOrDirectories, PriceReadOptions? options = null) =>
        PointPricesReading.Read(filesOrDirectories, l => l.IsSced(), "SCED LMP", IntervalRule.HoldUntilNext(LastRunHolds), options);
}
