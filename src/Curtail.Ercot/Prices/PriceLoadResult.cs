using Curtail.Core.Prices;
using Curtail.Ercot.Reading;

namespace Curtail.Ercot.Prices;

/// <summary>
/// Real-time prices of one settlement point. <see cref="SkippedRows"/> and <see cref="Problems"/> are empty unless
/// the read was asked to skip bad rows (otherwise any problem is an exception).
/// </summary>
public sealed record PriceLoadResult(PriceSeries Series, int SkippedRows, IReadOnlyList<RowProblem> Problems, IReadOnlyList<string> FilesRead);
