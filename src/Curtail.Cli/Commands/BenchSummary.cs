namespace Curtail.Cli.Commands;

/// <summary>
/// What `curtail bench miners --json` prints (snake_case). Times are milliseconds after the decision, which is the end
/// of the fleet read the dispatch plans from; a command counts as sent when the miner has acknowledged it.
/// </summary>
internal sealed record BenchSummary
{
    public int Miners { get; init; }
    public string Families { get; init; } = "";
    public double NominalMw { get; init; }
    public double TargetMw { get; init; }
    public int Concurrency { get; init; }
    public double ReadMs { get; init; }
    public int Unreadable { get; init; }
    public int Commands { get; init; }
    public double? FirstCommandMsAfterDecision { get; init; }
    public double? AllSentMsAfterDecision { get; init; }
    public double? CommandLatencyP50Ms { get; init; }
    public double? CommandLatencyP99Ms { get; init; }
    public double? ConfirmLatencyP50Ms { get; init; }
    public double? ConfirmLatencyP99Ms { get; init; }
    public double? ConfirmLatencyMaxMs { get; init; }
    public double? ConfirmAfterAckP50Ms { get; init; }
    public double? ConfirmAfterAckP99Ms { get; init; }
    public int ReadBacks { get; init; }

    /// <summary>Per family (as the API spells it) and action: each firmware has its own delay.</summary>
    public IReadOnlyDictionary<string, FamilyConfirmations> ConfirmByFamily { get; init; } = new Dictionary<string, FamilyConfirmations>();
    public double? AllConfirmedMsAfterDecision { get; init; }
    public int Confirmed { get; init; }
    public int Unconfirmed { get; init; }
    public int Failed { get; init; }
    public int Rounds { get; init; }
    public bool TargetMet { get; init; }
    public double ExpectedLoadMw { get; init; }
    /// <summary>CPU time of this process (user + system) during the read, and from the decision to the last command sent.</summary>
    public double ReadCpuMs { get; init; }
    public double? SendCpuMs { get; init; }
    /// <summary>The kernel's share of <see cref="SendCpuMs"/> (system calls, and the loopback TCP work done in them).</summary>
    public double? SendSystemCpuMs { get; init; }
    /// <summary>Managed allocation during the read, and from the decision to the last command sent.</summary>
    public double ReadAllocatedMb { get; init; }
    public double? SendAllocatedMb { get; init; }

    /// <summary>GC pauses (all threads stopped) and collections from the decision to the last command sent.</summary>
    public double? SendGcPauseMs { get; init; }
    public int? SendCollections { get; init; }
    public double HeapRetainedMb { get; init; }
    public double PeakWorkingSetMb { get; init; }

    /// <summary>The most memory the GC held committed at any collection of the run (its share of the peak RSS).</summary>
    public double PeakGcCommittedMb { get; init; }

    /// <summary>The collection behind <see cref="PeakGcCommittedMb"/>: where the committed memory was (per generation).</summary>
    public GcAtPeak? GcAtPeak { get; init; }
    public double WorkingSetMb { get; init; }
    public int Gen0Collections { get; init; }
    public int Gen1Collections { get; init; }
    public int Gen2Collections { get; init; }
    public double GcPauseMs { get; init; }
    public int ThreadPoolThreads { get; init; }
    public bool EmulatorInProcess { get; init; }
    /// <summary>The shed-path rehearsal before the measured read, as `curtail run` does at start (null with --no-rehearsal).</summary>
    public double? RehearsalMs { get; init; }
    public int? RehearsalCommands { get; init; }
    public IReadOnlyList<string> RehearsalProblems { get; init; } = [];
    public string? LoadAverage { get; init; }
    public IReadOnlyList<string> Errors { get; init; } = [];
    public IReadOnlyList<string> SlowestConfirmations { get; init; } = [];
}

/// <summary>
/// One family's and action's confirmations in `curtail bench miners --json` (milliseconds). <c>ProbeFoundMs</c>: when
/// its probes found the effect shows after an acknowledgement (the others' first read-back), null if they did not;
/// <c>FailedReadBacks</c>: read-backs with no usable reply (not those that showed no effect yet);
/// <c>ConfirmingRead*</c>: how long the read-back that showed the effect took, which the confirmation holds on top of
/// that moment.
/// </summary>
internal sealed record FamilyConfirmations(int Commands, int Confirmed, double? ConfirmLatencyP50Ms, double? ConfirmLatencyP99Ms,
    double? ConfirmAfterAckP50Ms, double? ConfirmAfterAckP99Ms, int ReadBacks, int FailedReadBacks, double? ProbeFoundMs, double? ConfirmingReadP50Ms,
    double? ConfirmingReadP99Ms);

/// <summary>
/// One collection's account of the managed heap (<see cref="GCMemoryInfo"/>), in MB: committed, heap size, the
/// fragmentation (free space inside it), each generation's size after the collection, and pinned objects.
/// </summary>
internal sealed record GcAtPeak
{
    public double CommittedMb { get; init; }
    public double HeapSizeMb { get; init; }
    public double FragmentedMb { get; init; }
    public double PromotedMb { get; init; }
    public int Generation { get; init; }
    public long PinnedObjects { get; init; }
    /// <summary>Size after the collection of gen0, gen1, gen2, the large and the pinned object heap.</summary>
    public IReadOnlyList<double> GenerationsMb { get; init; } = [];
    public IReadOnlyList<double> GenerationsFragmentedMb { get; init; } = [];

    public static GcAtPeak From(GCMemoryInfo info) => new()
    {
        CommittedMb = Mb(info.TotalCommittedBytes),
        HeapSizeMb = Mb(info.HeapSizeBytes),
        FragmentedMb = Mb(info.FragmentedBytes),
        PromotedMb = Mb(info.PromotedBytes),
        Generation = info.Generation,
        PinnedObjects = info.PinnedObjectsCount,
        GenerationsMb = [.. info.GenerationInfo.ToArray().Select(g => Mb(g.SizeAfterBytes))],
        GenerationsFragmentedMb = [.. info.GenerationInfo.ToArray().Select(g => Mb(g.FragmentationAfterBytes))],
    };

    private static double Mb(long bytes) => Math.Round(bytes / 1e6, 1);
}
