using Curtail.Ercot.Reading;

namespace Curtail.Ercot.Load;

/// <summary>Native load read from files; <see cref="SkippedRows"/> and <see cref="Problems"/> are empty unless skipping bad rows.</summary>
public sealed record SystemLoadResult(SystemLoadSeries Series, int SkippedRows, IReadOnlyList<RowProblem> Problems);
