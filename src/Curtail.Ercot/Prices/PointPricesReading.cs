using Curtail.Core;
using Curtail.Core.Prices;
using Curtail.Ercot.Reading;

namespace Curtail.Ercot.Prices;

/// <summary>Shared driver of the day-ahead and SCED readers: read files in parallel, then build one series per point.</summary>
internal static class PointPricesReading
{
    public static PointPricesResult Read(IReadOnlyList<string> filesOrDirectories, Func<ErcotFileLayout, bool> accepts, string layoutName,
        IntervalRule rule, PriceReadOptions? options)
    {
        options ??= PriceReadOptions.Strict;
        var inputs = InputFiles.Expand(filesOrDirectories);
        var reads = InputFiles.ReadInParallel(inputs, input =>
        {
            var read = PointPriceFileReader.Read(input.Path, accepts, options, out var layout);
            if (read is null && input.NamedByUser)
                throw new InvalidInputException(input.Path, 1, ErcotFileLayouts.Refusal(input.Path, layoutName, accepts));
            return read;
        });
        var used = inputs.Zip(reads).Where(x => x.Second is not null).Select(x => (File: x.First.Path, Reader: x.Second!)).ToList();
        if (used.Count == 0) throw new InvalidInputException($"no {layoutName} files in {string.Join(", ", filesOrDirectories)}");

        var log = new ProblemLog();
        foreach (var (_, reader) in used) log.AddRange(reader.Log);
        var series = used.SelectMany(u => u.Reader.RowsByPoint)
            .GroupBy(r => r.Point, r => r.Rows)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => SeriesAssembler.Assemble(g.Key, g, rule, log))
            .Where(s => s.Count > 0)
            .ToDictionary(s => s.SettlementPoint, StringComparer.Ordinal);
        log.ThrowUnlessSkipping(options);
        if (series.Count == 0) throw new InvalidInputException($"no prices of known settlement points in {string.Join(", ", used.Select(u => u.File))}");
        return new PointPricesResult(series, log.SkippedRows, log.InFileOrder(), used.Select(u => u.File).ToList());
    }
}
