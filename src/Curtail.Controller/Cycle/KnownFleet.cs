using Curtail.Core.Decisions;
using Curtail.Core.Sites;
using Curtail.Miners;
using Curtail.Miners.Fleet;

namespace Curtail.Controller.Cycle;

/// <summary>
/// What the cycle knows of the miners without reading them: its last read, with each confirmed command's read-back
/// applied. A fail-safe decides from it. When a dispatch was cut short, a sleeping miner may have been woken by a
/// command that got through unconfirmed, so the fail-safe counts every such miner as running at nominal power: the
/// worst case for a shed, which at most sleeps a sleeping miner again.
/// </summary>
internal sealed class KnownFleet
{
    private readonly Lock _lock = new();
    private MinerReading[] _reads = [];
    private bool _dispatchInterrupted;

    public bool HasRead { get { lock (_lock) return _reads.Length > 0; } }

    public IReadOnlyList<MinerReading> Reads { get { lock (_lock) return _reads.ToArray(); } }

    public void Read(IReadOnlyList<MinerReading> reads)
    {
        lock (_lock) _reads = reads.ToArray();
    }

    public void BeginDispatch()
    {
        lock (_lock) _dispatchInterrupted = true;
    }

    public void Completed(ActuationReport report)
    {
        var latest = new Dictionary<string, MinerStatus>(StringComparer.Ordinal);
        foreach (var r in report.Results)
            if (r.LastStatus is { } s) latest[r.MinerId] = s;
        lock (_lock)
        {
            _dispatchInterrupted = false;
            for (var i = 0; i < _reads.Length; i++)
                if (latest.TryGetValue(_reads[i].Member.Miner.Id, out var s)) _reads[i] = _reads[i] with { Status = s, Error = null, LastGood = s, LastSeen = s.ReadAt };
        }
    }

    public IReadOnlyList<MinerReading> ForFailSafe()
    {
        lock (_lock)
        {
            if (!_dispatchInterrupted) return _reads.ToArray();
            return _reads.Select(r => r.Status is { Mode: MinerMode.Sleeping or MinerMode.Throttled or MinerMode.Ramping } s
                ? r with { Status = s with { Mode = MinerMode.Running, PowerW = r.Member.Miner.Model.NominalW, PowerTargetW = null } }
                : r).ToArray();
        }
    }

    /// <summary>Each group curtailed as of now when most of its readable miners sleep, else running.</summary>
    public GroupState?[] InferGroups(SiteDefinition site, DateTimeOffset now)
    {
        lock (_lock)
        {
            return site.Fleet.Select(g =>
            {
                var members = _reads.Where(r => r.Status is not null && string.Equals(r.Member.Group, g.Name, StringComparison.Ordinal)).ToList();
                if (members.Count == 0) return (GroupState?)null;
                var asleep = members.Count(r => r.Status!.Mode == MinerMode.Sleeping);
                return asleep * 2 > members.Count ? new GroupState(GroupMode.Curtailed, now.UtcTicks, 0) : GroupState.RunningLongSince;
            }).ToArray();
        }
    }
}
