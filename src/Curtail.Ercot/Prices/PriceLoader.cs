using Curtail.Core;
using Curtail.Core.Prices;
using Curtail.Ercot.Reading;

namespace Curtail.Ercot.Prices;

/// <summary>
/// The one entry point for real-time 15-minute settlement point prices, whatever their layout: tidy CSVs (hubs,
/// load zones), ERCOT's NP6-905-CD and NP6-785-ER. Files may be plain or gzip and are read in parallel; files of
/// different years are joined into one series.
/// </summary>
public static class PriceLoader
{
    /// <summary>
    /// Loads the prices of <paramref name="settlementPoint"/> from files and directories. A directory contributes
    /// every real-time price file directly inside it that may hold the point (tidy hub files for hubs, tidy
    /// load-zone files for load zones, ERCOT layouts always); day-ahead, SCED, load and other files there are
    /// ignored, whereas a file named explicitly must be a real-time price file. <paramref name="fromCpt"/> and
    /// <paramref name="toCptExclusive"/> are Central Prevailing Time delivery dates: intervals from local midnight
    /// starting <paramref name="fromCpt"/> up to local midnight starting <paramref name="toCptExclusive"/>.
    /// </summary>
    /// <exception cref="InvalidInputException">
    /// An unknown point, a path that does not exist, a named file of another layout, no prices for the point in
    /// range, or (unless <see cref="PriceReadOptions.SkipBadRows"/>) any row problem: the message names the file,
    /// line and reason of the first problems and their total count.
    /// </exception>
    public static PriceLoadResult Load(IReadOnlyList<string> filesOrDirectories, string settlementPoint,
        DateOnly? fromCpt = null, DateOnly? toCptExclusive = null, PriceReadOptions? options = null)
    {
        options ??= PriceReadOptions.Strict;
        if (!SettlementPoints.IsKnown(settlementPoint))
            throw new InvalidInputException($"unknown settlement point '{settlementPoint}'; known points: {string.Join(", ", SettlementPoints.All)}");
        if (fromCpt >= toCptExclusive)
            throw new InvalidInputException($"empty date range: from {fromCpt:yyyy-MM-dd} is not before to {toCptExclusive:yyyy-MM-dd}");
        var fromTicks = fromCpt is { } from ? CptClock.StartOfDayTicks(from) : long.MinValue;
        var toTicks = toCptExclusive is { } to ? CptClock.StartOfDayTicks(to) : long.MaxValue;

        var inputs = InputFiles.Expand(filesOrDirectories);
        var reads = InputFiles.ReadInParallel(inputs, input =>
        {
            var rows = RealTimeFileReader.Read(input.Path, settlementPoint, fromTicks, toTicks, options,
                layout => input.NamedByUser || MayHold(layout, settlementPoint), out var layout);
            if (rows is null && input.NamedByUser)
                throw new InvalidInputException(input.Path, 1, ErcotFileLayouts.Refusal(input.Path, "real-time 15-minute price", ErcotFileLayouts.IsRealTime));
            return rows;
        });

        var used = inputs.Zip(reads).Where(x => x.Second is not null).Select(x => (File: x.First.Path, Rows: x.Second!)).ToList();
        if (used.Count == 0)
            throw new InvalidInputException($"no real-time price files that may hold {settlementPoint} in {string.Join(", ", filesOrDirectories)}");
        var log = new ProblemLog();
        foreach (var (_, rows) in used) log.AddRange(rows.Log);
        var series = SeriesAssembler.Assemble(settlementPoint, used.Select(u => u.Rows.Rows), RealTimeFileReader.Rule, log,
            fromCpt.HasValue ? fromTicks : null, toCptExclusive.HasValue ? toTicks : null);
        log.ThrowUnlessSkipping(options);
        if (series.Count == 0)
            throw new InvalidInputException(
                $"no {settlementPoint} prices{RangeText(fromCpt, toCptExclusive)} in {string.Join(", ", used.Select(u => u.File))}");
        return new PriceLoadResult(series, log.SkippedRows, log.InFileOrder(), used.Select(u => u.File).ToList());
    }

    /// <summary>
    /// In a directory, the tidy layouts tell hubs from load zones: spp_lo/spp_hi exist only because of the LZ/LZEW
    /// pair, so a tidy load-zone file holds no hub and a tidy hub file no load zone. Skipping the other kind halves
    /// the work of loading a point from the shipped data folder. ERCOT's own layouts mix both and are always read.
    /// </summary>
    private static bool MayHold(ErcotFileLayout layout, string settlementPoint)
    {
        var isLoadZone = SettlementPoints.TypeOf(settlementPoint) == "LZ";
        return layout switch
        {
            ErcotFileLayout.TidyRealTimeHubs => !isLoadZone,
            ErcotFileLayout.TidyRealTimeLoadZones => isLoadZone,
            _ => true,
        };
    }

    private static string RangeText(DateOnly? from, DateOnly? to) =>
        from is null && to is null ? "" : $" from {from:yyyy-MM-dd} to {to:yyyy-MM-dd} (CPT)";
}
