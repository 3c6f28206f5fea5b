using System.Collections.Concurrent;

namespace Curtail.Miners.Fleet;

public sealed record FleetMember(IMiner Miner, string Group = "default");

public sealed record ActuationRound(AllocationPlan Plan, DispatchReport Dispatch);

public sealed record ActuationReport(
    double TargetW,
    double LoadBeforeW,
    double ExpectedLoadW,
    IReadOnlyList<ActuationRound> Rounds,
    IReadOnlyList<MinerCommandResult> Results,
    IReadOnlyList<string> Unreachable,
    TimeSpan ReadElapsed,
    TimeSpan Elapsed)
{
    public bool TargetMet => ExpectedLoadW <= TargetW + 0.5;
}

/// <summary>
/// One control action on the fleet: read every miner, plan with <see cref="FleetAllocator"/>, dispatch with
/// <see cref="FleetDispatcher"/>; miners that failed or stayed unconfirmed are excluded and the rest re-planned, so
/// a partial failure is covered by other miners. It keeps each miner's last transition time (for dwell limits)
/// and, during an event, the set of miners it put to sleep.
/// </summary>
public sealed class FleetActuator : IAsyncDisposable
{
    private readonly IReadOnlyList<FleetMember> _members;
    private readonly Dictionary<string, FleetMember> _byId;
    private readonly FleetAllocator _allocator = new();
    private readonly FleetDispatcher _dispatcher;
    private readonly TimeProvider _time;
    private readonly int _readConcurrency;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastTransition = new(StringComparer.Ordinal);
    private readonly HashSet<string> _heldAsleep = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, MinerStatus> _lastGood = new(StringComparer.Ordinal);

    public FleetActuator(IReadOnlyList<FleetMember> members, FleetDispatcher dispatcher, TimeProvider time, int readConcurrency = 256)
    {
        _members = members;
        _byId = members.ToDictionary(m => m.Miner.Id, StringComparer.Ordinal);
        _dispatcher = dispatcher;
        _dispatcher.Prepare(members.Select(m => m.Miner));
        _time = time;
        _readConcurrency = readConcurrency;
    }

    public IReadOnlyDictionary<string, GroupConstraints> Groups { get; init; } = new Dictionary<string, GroupConstraints>();

    public double? MaxRampUpW { get; init; }

    public int MaxRounds { get; init; } = 3;

    /// <summary>Miners put to sleep during the current event (see <see cref="BeginEvent"/>).</summary>
    public IReadOnlyCollection<string> HeldAsleep
    {
        get { lock (_heldAsleep) return _heldAsleep.ToList(); }
    }

    public bool InEvent { get; private set; }

    /// <summary>From now on, miners this actuator sleeps are kept asleep until <see cref="EndEvent"/>.</summary>
    public void BeginEvent() => InEvent = true;

    public void EndEvent()
    {
        InEvent = false;
        lock (_heldAsleep) _heldAsleep.Clear();
    }

    /// <summary>
    /// Reads every miner with bounded concurrency. Never fails because of a miner: any exception from one driver
    /// (a malformed reply, a driver bug) becomes that miner's error; only cancelling <paramref name="ct"/> stops the
    /// read. A miner that fails keeps its last good reading and time, marked as not live.
    /// </summary>
    /// <remarks>
    /// As many workers as reads may be in flight, each taking the next miner: not one task per miner waiting for a
    /// slot. 10,000 waiting reads were 10,000 tasks with a semaphore waiter each (about 0.6 KB), alive for the whole
    /// read, so they outlived two collections and were garbage only in gen2, which raised the controller's peak
    /// memory (docs/miners.md, issue 11).
    /// </remarks>
    public async Task<IReadOnlyList<MinerReading>> ReadAllAsync(CancellationToken ct = default)
    {
        var readings = new MinerReading[_members.Count];
        var cursor = new WorkCursor(readings.Length);
        var workers = new Task[Math.Clamp(_readConcurrency, 1, Math.Max(1, readings.Length))];
        for (var w = 0; w < workers.Length; w++) workers[w] = ReadWorkerAsync(readings, cursor, ct);
        await Task.WhenAll(workers).ConfigureAwait(false);
        return readings;
    }

    private async Task ReadWorkerAsync(MinerReading[] readings, WorkCursor cursor, CancellationToken ct)
    {
        while (cursor.TryTake(out var i))
        {
            ct.ThrowIfCancellationRequested();
            readings[i] = await ReadOneAsync(_members[i], ct).ConfigureAwait(false);
        }
    }

    private async Task<MinerReading> ReadOneAsync(FleetMember member, CancellationToken ct)
    {
        var id = member.Miner.Id;
        try
        {
            var status = await member.Miner.ReadStatusAsync(ct).ConfigureAwait(false);
            _lastGood[id] = status;
            // Limits are part of the snapshot (cached by the drivers after the first), not a second round trip
            // between a decision and its first command.
            var limits = member.Miner is IPowerTargetable p ? await SafeLimitsAsync(p, ct).ConfigureAwait(false) : null;
            return new MinerReading(member, status, null) { LastSeen = status.ReadAt, LastGood = status, Limits = limits };
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && ct.IsCancellationRequested))
        {
            var last = _lastGood.TryGetValue(id, out var s) ? s : null;
            return new MinerReading(member, null, MinerException.Contain(id, "status read", ex).Message) { LastSeen = last?.ReadAt, LastGood = last };
        }
    }

    /// <summary>Reads the fleet, then plans and dispatches (see the class summary).</summary>
    public async Task<ActuationReport> ApplyTargetAsync(double targetW, CancellationToken ct = default)
    {
        var start = _time.GetTimestamp();
        var reads = await ReadAllAsync(ct).ConfigureAwait(false);
        return await ApplyCoreAsync(targetW, reads, start, _time.GetElapsedTime(start), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Plans and dispatches from a snapshot the caller has just read (<see cref="ReadAllAsync"/>, e.g. the control
    /// cycle's own read), so a dispatch starts commanding without a second full read.
    /// </summary>
    public Task<ActuationReport> ApplyTargetAsync(double targetW,
        IReadOnlyList<MinerReading> snapshot, CancellationToken ct = default) =>
        ApplyCoreAsync(targetW, snapshot, _time.GetTimestamp(), TimeSpan.Zero, ct);

    private async Task<ActuationReport> ApplyCoreAsync(double targetW,
        IReadOnlyList<MinerReading> reads, long start, TimeSpan readElapsed, CancellationToken ct)
    {
        var states = new List<MinerState>(reads.Count);
        var limitsTasks = reads.Select(r => r.Limits is not null || r.Member.Miner is not IPowerTargetable || r.Status is null
            ? Task.FromResult(r.Limits) : SafeLimitsAsync((IPowerTargetable)r.Member.Miner, ct)).ToList();
        var limits = await Task.WhenAll(limitsTasks).ConfigureAwait(false);
        for (var i = 0; i < reads.Count; i++)
        {
            var (member, status, _) = reads[i];
            var miner = member.Miner;
            // An unreadable miner cannot be commanded and counts at its worst case for a shed (see PlanningPowerW).
            states.Add(new MinerState(miner.Id, member.Group, miner.Family, status?.Mode ?? MinerMode.Unknown,
                reads[i].PlanningPowerW, status?.PowerTargetW, miner.Model, miner is ISleepable, limits[i],
                _lastTransition.TryGetValue(miner.Id, out var t) ? t : null, status is not null)
            {
                Hashboards = miner is IHashboardSheddable ? status?.Hashboards : null,
                ActiveHashboards = miner is IHashboardSheddable ? status?.ActiveHashboards : null,
            });
        }
        var before = states.Sum(s => s.PowerW);
        var excluded = new HashSet<string>(StringComparer.Ordinal);
        var rounds = new List<ActuationRound>();
        var results = new List<MinerCommandResult>();
        AllocationPlan? plan = null;
        for (var round = 0; round < MaxRounds; round++)
        {
            HashSet<string> held;
            lock (_heldAsleep) held = new HashSet<string>(_heldAsleep, StringComparer.Ordinal);
            plan = _allocator.Plan(new AllocationRequest(states, targetW, _time.GetUtcNow())
            {
                Groups = Groups, MaxRampUpW = MaxRampUpW, Excluded = excluded, HeldAsleep = held,
            });
            var changes = plan.Changes.ToList();
            if (changes.Count == 0) break;
            var report = await _dispatcher.DispatchAsync(changes.Select(a => (_byId[a.MinerId].Miner, a)).ToList(), ct).ConfigureAwait(false);
            rounds.Add(new ActuationRound(plan, report));
            results.AddRange(report.Results);
            var byId = report.Results.ToDictionary(r => r.MinerId, StringComparer.Ordinal);
            var actionById = changes.ToDictionary(c => c.MinerId, StringComparer.Ordinal);
            var now = _time.GetUtcNow();
            // A read-back is a reading like any other (the controller's status shows it as the miner's last_seen): a
            // miner that goes silent later shows when it last answered, not an earlier read (hass-miner #519).
            foreach (var r in report.Results)
                if (r.LastStatus is { } seen && (!_lastGood.TryGetValue(r.MinerId, out var known) || known.ReadAt <= seen.ReadAt))
                    _lastGood[r.MinerId] = seen;
            for (var i = 0; i < states.Count; i++)
            {
                if (!byId.TryGetValue(states[i].Id, out var r)) continue;
                if (r.Outcome == DispatchOutcome.Confirmed)
                {
                    var action = actionById[r.MinerId];
                    states[i] = Apply(states[i], action, r.LastStatus);
                    if (action.Kind is MinerActionKind.Sleep or MinerActionKind.Wake) _lastTransition[r.MinerId] = now;
                    if (action.Kind == MinerActionKind.Sleep && InEvent) lock (_heldAsleep) _heldAsleep.Add(r.MinerId);
                    if (action.Kind == MinerActionKind.Wake) lock (_heldAsleep) _heldAsleep.Remove(r.MinerId);
                }
                else
                {
                    excluded.Add(r.MinerId);
                    if (r.LastStatus is { } s) states[i] = states[i] with { Mode = s.Mode, PowerW = s.PowerW, PowerTargetW = s.PowerTargetW };
                }
            }
            if (report.Failed + report.Unconfirmed == 0) break;
        }
        var expected = states.Sum(s => s.SteadyPowerW);
        if (CollectAfterCommands > 0 && results.Count >= CollectAfterCommands) CollectAfterDispatch();
        return new ActuationReport(targetW, before, expected, rounds, results,
            reads.Where(r => r.Status is null).Select(r => $"{r.Member.Miner.Id}: {r.Error}").ToList(), readElapsed, _time.GetElapsedTime(start));
    }

    /// <summary>
    /// A dispatch of at least this many commands ends with a full collection (<see cref="CollectAfterDispatch"/>);
    /// 0 turns it off.
    /// </summary>
    public int CollectAfterCommands { get; init; } = 1000;

    /// <summary>
    /// Once every command of a large dispatch is confirmed (or has failed), nothing waits on the controller until its
    /// next cycle. The dispatch's own objects (a result, a confirmation and read-backs per miner) lived through its
    /// seconds of confirmation into gen2, where the runtime collects them only when gen2's budget says so: at 10,000
    /// LuxOS miners the wake after a shed found them there and peaked at 143-147 MB (gen2 42 MB against 23 MB for a
    /// first shed). Collected here, between dispatches, they are not carried into the next cycle's read. The pause at
    /// 10,000 miners: 12-20 ms (3 runs), after the last confirmation, never between a decision and its commands.
    /// </summary>
    private static void CollectAfterDispatch() => GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: false);

    /// <summary>
    /// Releases what the drivers hold on the miners (a lingering LuxOS session would lock out other tools for up to
    /// 60 s after the controller stops).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await Parallel.ForEachAsync(_members.Select(m => m.Miner).OfType<IAsyncDisposable>(),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _readConcurrency) },
            (d, _) => d.DisposeAsync()).ConfigureAwait(false);
    }

    private static MinerState Apply(MinerState state, MinerAction action, MinerStatus? status) => action.Kind switch
    {
        // Confirmed asleep means the last watts are ramping out: count the sleep power it settles at.
        MinerActionKind.Sleep => state with { Mode = MinerMode.Sleeping, PowerW = Math.Min(status?.PowerW ?? state.Model.SleepW, state.Model.SleepW) },
        MinerActionKind.Wake => state with { Mode = MinerMode.Ramping, PowerW = status?.PowerW ?? state.PowerW },
        MinerActionKind.SetTarget => state with { Mode = MinerMode.Ramping, PowerTargetW = action.TargetW, PowerW = status?.PowerW ?? state.PowerW },
        MinerActionKind.SetHashboards => state with { ActiveHashboards = action.Boards, PowerW = status?.PowerW ?? action.ExpectedPowerW },
        _ => state,
    };

    private static async Task<PowerLimits?> SafeLimitsAsync(IPowerTargetable miner, CancellationToken ct)
    {
        try
        {
            return await miner.GetPowerLimitsAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && ct.IsCancellationRequested))
        {
            // Without limits the miner is still sleepable; the planner simply does not throttle it.
            return null;
        }
    }
}
