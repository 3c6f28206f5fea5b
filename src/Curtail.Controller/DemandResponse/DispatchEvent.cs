namespace Curtail.Controller.DemandResponse;

public enum DemandResponseProgram
{
    Ers10,
    Ers30,
    Ecrs,
    Rrs,
    FourCp,
    Manual,
    /// <summary>A Texas SB 6 emergency directive from ERCOT to a large load (docs/directives.md).</summary>
    Sb6,

    /// <summary>An event of an OpenADR 3 program the site's VEN follows (docs/openadr.md).</summary>
    OpenAdr,
}

/// <summary>
/// A demand-response instruction and the records ERCOT's programs ask for (docs/demand-response.md): when it was
/// received and acknowledged, the baseline load at receipt, the load to reach (a ceiling or a reduction from the
/// baseline) by a deadline, the release, the achieved load per interval and per minute, and whether it was a test.
/// </summary>
public sealed record DispatchEvent
{
    public required string Id { get; init; }
    public required DemandResponseProgram Program { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
    public DateTimeOffset? AcknowledgedAt { get; init; }
    public required DateTimeOffset Deadline { get; init; }
    public DateTimeOffset? ReleaseAt { get; init; }
    public DateTimeOffset? ReleasedAt { get; init; }
    public double? TargetMw { get; init; }
    public double? ReductionMw { get; init; }
    public required double BaselineMw { get; init; }
    public string? IssuedBy { get; init; }
    public DateTimeOffset? TargetMetAt { get; init; }

    /// <summary>
    /// ERCOT deploys unannounced test events to ERS and load resources; they are obeyed like real ones, but the records
    /// must tell them apart (a test's performance is judged on its own and it is not an EEA).
    /// </summary>
    public bool Test { get; init; }

    /// <summary>Set for an SB 6 emergency directive: curtail to a level, or run on backup generation (docs/directives.md).</summary>
    public DirectiveKind? Directive { get; init; }

    /// <summary>Where the instruction came from: "api" or "openadr:&lt;program&gt;" (null for events of older versions).</summary>
    public string? Source { get; init; }

    /// <summary>The operator's notes on the event, oldest first; for a directive each is also in the hash chain.</summary>
    public IReadOnlyList<OperatorNote> Notes { get; init; } = [];

    /// <summary>The site load ceiling the event demands, in MW.</summary>
    public double CeilingMw => TargetMw ?? Math.Max(0, BaselineMw - (ReductionMw ?? 0));

    public bool ActiveAt(DateTimeOffset now) => ReleasedAt is null && (ReleaseAt is null || now < ReleaseAt);
}

/// <summary>One interval of an event: the load the site actually drew against the ceiling.</summary>
public sealed record EventIntervalRecord(string EventId, DateTimeOffset IntervalStart, double AchievedMw, double CeilingMw, double BaselineMw);
