using Curtail.Core;
using Curtail.Core.Prices;
using Curtail.Ercot.Reading;

namespace Curtail.Ercot.Prices;

/// <summary>
/// Prices of every settlement point found in day-ahead or SCED files, one PriceSeries per point.
/// <see cref="SkippedRows"/> and <see cref="Problems"/> are empty unless the read was asked to skip bad rows.
/// </summary>
public sealed record PointPricesResult(
    IReadOnlyDictionary<string, PriceSeries> SeriesByPoint, int SkippedRows, IReadOnlyList<RowProblem> Problems, IReadOnlyList<string> FilesRead)
{
    public IReadOnlyCollection<string> Points => SeriesByPoint.Keys.ToList();

    /// <summary>The series of one point; InvalidInputException naming the points present when it is absent.</summary>
    public PriceSeries For(string settlementPoint) =>
        SeriesByPoint.TryGetValue(settlementPoint, out var series)
            ? series
            : throw new InvalidInputException($"no prices for '{settlementPoint}' in {string.Join(", ", FilesRead)}; points present: {string.Join(", ", SeriesByPoint.Keys)}");
}
