using Curtail.Core.Fleet;

namespace Curtail.Miners.Fleet;

public enum PowerPreference
{
    /// <summary>Sleep whole miners (fast, coarse; the only option for stock Antminers).</summary>
    Sleep,
    /// <summary>Lower power targets first (keeps hashing at better J/TH); sleep only when throttling is not enough.</summary>
    Throttle,
}

/// <summary>Rules for a group of miners (a hall, a container, a contract).</summary>
public sealed record GroupConstraints(
    string Name,
    double MinPowerFraction = 0,
    TimeSpan MinOnTime = default,
    TimeSpan MinOffTime = default,
    PowerPreference Prefer = PowerPreference.Sleep)
{
    public static GroupConstraints Default { get; } = new("default");

    /// <summary>How this group may shed (<c>shed:</c> in the fleet file); sleep when not set, as before.</summary>
    public ShedMode Shed { get; init; } = ShedMode.Sleep;

    /// <summary>Whether the fleet file says <c>shed:</c> for this group (else the site file's group of that name may).</summary>
    public bool ShedGiven { get; init; }

    /// <summary>shed: power_target: the lowest target per miner, W (null: the miner's own lower limit).</summary>
    public double? ShedFloorW { get; init; }

    /// <summary>shed: hashboards: the fewest boards left enabled on a miner.</summary>
    public int ShedFloorBoards { get; init; } = 1;
}

/// <summary>What allocation knows about one miner: its last read, its capabilities and when it last changed state.</summary>
public sealed record MinerState(
    string Id,
    string Group,
    MinerFamily Family,
    MinerMode Mode,
    double PowerW,
    double? PowerTargetW,
    ModelSpec Model,
    bool CanSleep,
    PowerLimits? TargetLimits,
    DateTimeOffset? LastTransition = null,
    bool Reachable = true)
{
    /// <summary>Hashboards the miner has, when it can shed boards (<see cref="IHashboardSheddable"/>); null otherwise.</summary>
    public int? Hashboards { get; init; }

    /// <summary>Boards enabled now (null: all of <see cref="Hashboards"/>).</summary>
    public int? ActiveHashboards { get; init; }

    public double JoulesPerTh => Model.JoulesPerTh;

    /// <summary>The power this miner settles at without further commands: a ramping miner counts at its target.</summary>
    public double SteadyPowerW => Mode switch
    {
        MinerMode.Sleeping => Math.Min(PowerW, Model.SleepW * 4),
        MinerMode.Ramping => PowerTargetW ?? Model.NominalW,
        _ => PowerW,
    };

    public bool CanTarget => TargetLimits is not null;
}

public enum MinerActionKind
{
    Keep,
    Sleep,
    Wake,
    SetTarget,
    /// <summary>Enable only <see cref="MinerAction.Boards"/> hashboards (fans keep turning, no restart).</summary>
    SetHashboards,
}

public sealed record MinerAction(string MinerId, MinerActionKind Kind, double? TargetW, double ExpectedPowerW, string Reason)
{
    /// <summary>For <see cref="MinerActionKind.SetHashboards"/>: how many boards stay enabled.</summary>
    public int? Boards { get; init; }

    public override string ToString() => Kind switch
    {
        MinerActionKind.SetTarget => $"{MinerId}: {Kind} {TargetW:0} W ({Reason})",
        MinerActionKind.SetHashboards => $"{MinerId}: {Kind} {Boards} ({Reason})",
        _ => $"{MinerId}: {Kind} ({Reason})",
    };
}

public sealed record AllocationRequest(
    IReadOnlyList<MinerState> Fleet,
    double TargetSiteW,
    DateTimeOffset Now)
{
    public IReadOnlyDictionary<string, GroupConstraints> Groups { get; init; } = new Dictionary<string, GroupConstraints>();

    /// <summary>Largest load increase in one step, so the genset can take it (null: no limit).</summary>
    public double? MaxRampUpW { get; init; }

    /// <summary>Miners not to command this round (failed or unconfirmed earlier in the same dispatch).</summary>
    public IReadOnlySet<string> Excluded { get; init; } = new HashSet<string>();

    /// <summary>Miners put to sleep for the current event: any found awake is put back to sleep.</summary>
    public IReadOnlySet<string> HeldAsleep { get; init; } = new HashSet<string>();

    /// <summary>Throttle steps smaller than this are not worth a command.</summary>
    public double MinUsefulChangeW { get; init; } = 50;
}

public sealed record AllocationPlan(IReadOnlyList<MinerAction> Actions, double CurrentLoadW, double ExpectedLoadW, double TargetW)
{
    /// <summary>Load above the target the plan could not remove (constraints, no controllable miner left).</summary>
    public double UnmetW => Math.Max(0, ExpectedLoadW - TargetW);

    public IEnumerable<MinerAction> Changes => Actions.Where(a => a.Kind != MinerActionKind.Keep);
}
