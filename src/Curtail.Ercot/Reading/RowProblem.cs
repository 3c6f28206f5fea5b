namespace Curtail.Ercot.Reading;

/// <summary>What is wrong with a row (or, for <see cref="Missing"/>, with the rows around it).</summary>
public enum RowProblemKind
{
    /// <summary>A field could not be read: wrong field count, bad date, hour, timestamp, flag or number.</summary>
    Unparseable,
    /// <summary>A price outside ERCOT's plausible range [-251, 10000] $/MWh (or a load outside its plausible range).</summary>
    OutOfRange,
    /// <summary>A settlement point Curtail does not know (Curtail.Core.Prices.SettlementPoints).</summary>
    UnknownSettlementPoint,
    /// <summary>A second row for an interval already read; the first one is kept.</summary>
    Duplicate,
    /// <summary>A row that starts before the interval read just before it ended.</summary>
    OutOfOrder,
    /// <summary>Intervals absent between two rows, or at either end of the requested date range.</summary>
    Missing,
}

/// <summary>One problem found while reading a file: where it is and why.</summary>
public sealed record RowProblem(string File, int Line, RowProblemKind Kind, string Reason)
{
    /// <summary>True when the problem made the reader drop a row (every kind except <see cref="RowProblemKind.Missing"/>).</summary>
    public bool DropsRow => Kind != RowProblemKind.Missing;

    public override string ToString() => $"{File}:{Line}: {Reason}";
}
