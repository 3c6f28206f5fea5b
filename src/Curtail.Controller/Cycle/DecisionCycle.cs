using Curtail.Controller.Cluster;
using Curtail.Controller.DemandResponse;
using Curtail.Controller.Hosting;
using Curtail.Controller.Safety;
using Curtail.Controller.Storage;
using Curtail.Controller.Telemetry;
using Curtail.Core.Decisions;
using Curtail.Miners;
using Curtail.Miners.Fleet;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Curtail.Controller.Cycle;

/// <summary>How a cycle learns the miners' state and what it may decide.</summary>
public enum CycleMode
{
    /// <summary>Reads every miner, then decides.</summary>
    Normal,

    /// <summary>A fail-safe: decides at once from what is known (the last read and the commands since), without reading.</summary>
    Preempt,

    /// <summary>After a failed cycle: decides from what is known and holds the price policy where it is.</summary>
    Safe,
}

/// <summary>
/// One decision cycle: snapshot the inputs (prices, genset, miners re-read from the devices, trader settings, events),
/// decide the site target with the shared engine, record the decision, dispatch to the miners in one batch from the
/// cycle's own read, and record the outcome. Cycles never overlap, except that a fail-safe (<see cref="PreemptAsync"/>)
/// cancels the one in flight and decides from what is known. A fault in any one input costs that input only; a cycle
/// that fails all the same is followed by a safe action and a retry, never by silence.
/// </summary>
public sealed class DecisionCycle(
    ControllerRuntime runtime,
    SiteTargetPlanner planner,
    FleetActuator? actuator,
    ControllerStore store,
    CurtailTelemetry telemetry,
    TimeProvider time,
    ILogger<DecisionCycle> log,
    TimeProvider? deviceTime = null,
    FourCpWatch? fourCpWatch = null,
    ControllerAlarms? alarms = null,
    PriceService? prices = null) : IDisposable
{
    /// <summary>How long a fail-safe waits for the cancelled cycle to let go before it acts alongside it.</summary>
    public static readonly TimeSpan PreemptWait = TimeSpan.FromSeconds(1);

    /// <summary>When a failed cycle is tried again (service clock).</summary>
    public static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(10);

    /// <summary>The most a start-up price poll may delay the first decision (stored prices are read first).</summary>
    public static readonly TimeSpan StartupPollTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The most a fail-safe waits for the 4CP watch (which reads its own store); beyond it, the last answer stands.</summary>
    private static readonly TimeSpan PreemptWatchWait = TimeSpan.FromMilliseconds(200);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Lock _flightLock = new();
    private readonly ControllerAlarms _alarms = alarms ?? new ControllerAlarms(NullLogger<ControllerAlarms>.Instance);
    private readonly KnownFleet _known = new();
    private readonly DecisionCycleRecorder _recorder = new(planner.Site, store, runtime, telemetry);
    private CancellationTokenSource? _inFlight;
    private GroupState[]? _groups;
    private FourCpHour? _lastWatchHour;
    private bool _startupPricesLoaded;
    private DateTimeOffset? _retryAt;
    private ChangeAlarm? _changes;

    public ControllerAlarms Alarms => _alarms;

    /// <summary>
    /// Set on a clustered site: each cycle takes or renews the site's lease, starts from the stored state, and records
    /// its decision under the lease's epoch before any command goes out (docs/controller.md, High availability).
    /// </summary>
    public ClusterCoordinator? Cluster { get; set; }

    private long? _lastEpoch;

    /// <summary>Told of every finished cycle (set by the host when notifications are configured); must not block.</summary>
    public Action<Notifications.CycleNotice>? Decided { get; set; }

    /// <summary>The next change the cycle will act on by itself (an override's end, a release, a deadline, a retry).</summary>
    public ScheduledChange? NextScheduledChange => _changes?.Next;

    /// <summary>Told when a cycle found another instance leading the site (the host hands the cycle over).</summary>
    public Action<string>? NotLeader { get; set; }

    /// <summary>How a scheduled change asks for its cycle (set by the host: urgent ones preempt, others queue).</summary>
    public Action<ScheduledChange>? RequestCycle
    {
        set => _changes = value is null ? null : new ChangeAlarm(time, value);
    }

    public async Task<CycleRecord?> RunAsync(string trigger, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            return await RunGuardedAsync(trigger, CycleMode.Normal, ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The fail-safe's entry (genset link loss, overload, under-frequency, a dispatch or its deadline): cancels the cycle
    /// in flight, waits at most <see cref="PreemptWait"/> for it to let go, and decides from what is known, without
    /// queueing behind it.
    /// </summary>
    public async Task<CycleRecord?> PreemptAsync(string trigger, CancellationToken ct = default)
    {
        lock (_flightLock) _inFlight?.Cancel();
        var entered = await _gate.WaitAsync(PreemptWait, ct);
        if (!entered) log.LogWarning("fail-safe {Trigger}: the running cycle did not stop within {Wait} s; acting alongside it", trigger, PreemptWait.TotalSeconds);
        try
        {
            return await RunGuardedAsync(trigger, CycleMode.Preempt, ct);
        }
        finally
        {
            if (entered) _gate.Release();
        }
    }

    private async Task<CycleRecord?> RunGuardedAsync(string trigger, CycleMode mode, CancellationToken ct)
    {
        using var flight = CancellationTokenSource.CreateLinkedTokenSource(ct);
        lock (_flightLock) _inFlight = flight;
        try
        {
            var record = await RunCoreAsync(trigger, mode, flight.Token);
            _alarms.Clear(ControllerAlarms.CycleFailed);
            _retryAt = null;
            return record;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            log.LogWarning("cycle {Trigger} preempted by a fail-safe", trigger);
            return null;
        }
        catch (NotLeaderException notLeader)
        {
            // Not a failure: another instance leads the site and runs its cycles; this one sends nothing.
            log.LogWarning("cycle {Trigger}: not the leader, nothing sent: {Reason}", trigger, notLeader.Message);
            NotLeader?.Invoke(trigger);
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            log.LogError(ex, "cycle {Trigger} failed: {Reason}; holding the site from what is known", trigger, ex.Message);
            telemetry.CycleFailures.Add(1);
            var now = time.GetUtcNow();
            _alarms.Raise(ControllerAlarms.CycleFailed, $"{trigger}: {ex.Message}", now);
            _retryAt = now + RetryAfterFailure;
            if (mode == CycleMode.Safe) return null;
            try
            {
                return await RunCoreAsync($"safe:{trigger}", CycleMode.Safe, flight.Token);
            }
            catch (Exception safeEx) when (safeEx is not OperationCanceledException)
            {
                log.LogCritical(safeEx, "the safe action after cycle {Trigger} failed too: {Reason}", trigger, safeEx.Message);
                return null;
            }
        }
        finally
        {
            lock (_flightLock) if (_inFlight == flight) _inFlight = null;
            ScheduleChanges();
        }
    }

    private async Task<CycleRecord> RunCoreAsync(string trigger, CycleMode mode, CancellationToken ct)
    {
        using var activity = CurtailTelemetry.Traces.StartActivity("decision_cycle");
        activity?.SetTag("curtail.trigger", trigger);
        var site = planner.Site;
        var epoch = BeginClusteredCycle();
        await LoadStartupPricesAsync(poll: mode == CycleMode.Normal, ct);

        // 1. Snapshot: re-read the miners so the decision starts from what is really running; a fail-safe uses what is known.
        var reads = await ReadMinersAsync(mode, ct);
        var miners = reads.Select(ControllerRuntime.Describe).ToList();
        if (actuator is not null) runtime.SetMiners(miners);
        var view = runtime.Snapshot();
        var now = time.GetUtcNow();
        var deviceNow = (deviceTime ?? time).GetUtcNow();
        var ages = InputAges.At(view, now, deviceNow);
        _alarms.Update(ages, now);
        // A miner that does not answer counts at the worst case for a shed (its last reading or nameplate), so a
        // silent miner never makes a demand-response ceiling look met.
        var measuredKw = actuator is not null ? reads.Sum(r => r.PlanningPowerW) / 1000 : view.Genset?.ActivePowerKw ?? 0;
        var (settled, lastStart) = SettledPrices(view, now);
        var groups = GroupStates(site, now);
        var inConfiguredWindow = InFourCpWindow(view.Config.FourCp, now);
        var watchHour = await WatchHourAsync(now, mode, ct);
        var inputs = new CycleInputs
        {
            Now = now,
            SettledPrices = settled,
            LastSettledIntervalStart = lastStart,
            // An OpenADR PRICE interval overrides the price acted on while it lasts (docs/openadr.md).
            Sced = SignalPrice.Apply(ScedSoFar.Held(view.Sced, now), view.SignalPrices, now),
            HashpriceUsdPerThDay = runtime.Hashprice.AtUtcTicks(now.UtcTicks),
            Groups = groups,
            Trading = view.Trading,
            Override = view.Override,
            ActiveEvents = view.Events.Where(e => e.ActiveAt(now)).ToList(),
            InFourCpWindow = inConfiguredWindow || watchHour is { Curtail: true },
            FourCpReason = watchHour is { Curtail: true } ? $"4CP watch: {watchHour.Reason}" : inConfiguredWindow ? "configured 4CP window (controller.four_cp)" : null,
            GensetConfigured = view.Config.Genset is not null,
            DeviceNow = deviceNow,
            Genset = view.Genset,
            GensetLinkProblem = view.GensetLinkProblem,
            SiteLoadKw = measuredKw,
            PricesStale = ages.PricesStale,
            HoldReason = HoldReason(mode, ages, trigger),
            HoldAtKw = actuator is not null ? measuredKw : null,
            Ages = ages,
        };

        // 2. Decide. A policy that throws holds the site rather than failing the cycle (the limits still apply).
        var decision = Decide(inputs);
        activity?.SetTag("curtail.target_kw", decision.TargetKw);
        activity?.SetTag("curtail.limited_by", decision.LimitedBy);

        // 3. Record the decision before the first command, so a crash mid-dispatch restarts from it.
        _groups = decision.NextGroups;
        var pending = _recorder.Decided(trigger, inputs, decision, measuredKw, watchHour);
        if (epoch is { } fence) RecordFenced(fence, pending, decision, now);
        else TryStore(() => _recorder.SaveDecided(pending, decision), "recording the decision", now);

        // 4. Dispatch in one batch from this cycle's snapshot (no second read), confirmed by read-back.
        ActuationReport? report = null;
        if (actuator is not null)
        {
            using var dispatch = CurtailTelemetry.Traces.StartActivity("dispatch");
            if (inputs.ActiveEvents.Count > 0 || decision.LimitedBy is "demand_response" or "4cp") actuator.BeginEvent();
            else if (actuator.InEvent) actuator.EndEvent();
            _known.BeginDispatch();
            report = await actuator.ApplyTargetAsync(decision.TargetKw * 1000, reads, ct);
            _known.Completed(report);
            dispatch?.SetTag("curtail.commands", report.Results.Count);
            _recorder.CountCommands(report);
            // The status shows what the dispatch confirmed, not the read before it.
            runtime.SetMiners(_known.Reads.Select(ControllerRuntime.Describe).ToList());
        }

        // 5. Record the outcome.
        var record = pending with { ExpectedLoadKw = report is null ? null : report.ExpectedLoadW / 1000, MinerResultsJson = DecisionCycleRecorder.ResultsJson(report) };
        TryStore(() => store.SaveCycle(record), "recording the dispatch", now);
        if (report is not null) TryStore(() => _recorder.AuditCommands(record, report, now), "auditing the miner commands", now);
        TryStore(() => _recorder.RecordEvents(inputs, measuredKw, now), "recording demand-response intervals", now);
        _recorder.UpdateTelemetry(inputs, decision, measuredKw, miners, now, view);
        runtime.SetLastDecision(DecisionCycleRecorder.Summary(record, decision, measuredKw, report));
        if (store.IsPostgres) TryStore(() => SiteStatusReport.Save(store, runtime, Cluster, record, decision, measuredKw, _alarms), "recording the site status", now);
        // Telling the notifier is after the commands and must never fail the cycle that sent them.
        try
        {
            Decided?.Invoke(new Notifications.CycleNotice(trigger, now, decision.TargetKw, planner.Site.FullPowerMw * 1000, decision.LimitedBy,
                string.Join(" → ", decision.Limits.Select(l => l.Detail)), ages.MinersUnreadable, ages.Miners, runtime.Snapshot().Events));
        }
        catch (Exception ex)
        {
            log.LogWarning(ex, "cycle {Trigger}: notifying the cycle's events failed", trigger);
        }
        log.LogInformation("cycle {Trigger}: target {Target:F0} kW (limited by {Limiter}), measured {Measured:F0} kW, {Commands} commands",
            trigger, decision.TargetKw, decision.LimitedBy, measuredKw, report?.Results.Count ?? 0);
        return record;
    }

    /// <summary>
    /// On a clustered site: takes or renews the lease (throws <see cref="NotLeaderException"/> when another
    /// instance holds it) and brings the live state up to the store; a new epoch also drops this process's own copy of
    /// the group states, so a new leader resumes from the stored ones.
    /// </summary>
    private long? BeginClusteredCycle()
    {
        if (Cluster is not { } cluster) return null;
        var epoch = cluster.BeginCycle();
        if (epoch != _lastEpoch) _groups = null;
        _lastEpoch = epoch;
        try
        {
            ClusterSync.Refresh(runtime, store);
        }
        catch (Exception ex)
        {
            _alarms.Raise(ControllerAlarms.StoreFailed, $"reading the stored state: {ex.Message}", time.GetUtcNow());
        }
        return epoch;
    }

    private void RecordFenced(long epoch, CycleRecord pending, CycleDecision decision, DateTimeOffset now)
    {
        try
        {
            Cluster!.RecordDecided(epoch, planner.Site.Fleet.Select(g => g.Name).ToList(), decision.NextGroups, pending);
            _alarms.Clear(ControllerAlarms.StoreFailed);
        }
        catch (StoreUnavailableException ex)
        {
            log.LogError("store: recording the decision failed: {Reason}; the lease still holds, dispatching", ex.Message);
            _alarms.Raise(ControllerAlarms.StoreFailed, $"recording the decision: {ex.Message}", now);
        }
    }

    private async Task<IReadOnlyList<MinerReading>> ReadMinersAsync(CycleMode mode, CancellationToken ct)
    {
        if (actuator is null) return [];
        if (mode != CycleMode.Normal && _known.HasRead) return _known.ForFailSafe();
        var reads = await actuator.ReadAllAsync(ct);
        _known.Read(reads);
        return reads;
    }

    private CycleDecision Decide(CycleInputs inputs)
    {
        try
        {
            return planner.Decide(inputs);
        }
        catch (Exception ex) when (inputs.HoldReason is null)
        {
            log.LogError(ex, "price policy failed: {Reason}; holding the miners as they are", ex.Message);
            return planner.Decide(inputs with { HoldReason = $"price policy failed: {ex.Message}" });
        }
    }

    private static string? HoldReason(CycleMode mode, InputAges ages, string trigger) =>
        mode == CycleMode.Safe ? $"after a failed cycle ({trigger})"
        : ages.PricesStale ? (ages.SettledPrice is { } age ? $"no fresh settled price (last ended {age.TotalMinutes:0} min ago)" : "no settled price yet")
        : null;

    /// <summary>
    /// The price policy's group states: this process's own copy, else the stored ones (a restart), else inferred from the
    /// miners, conservatively: a group whose miners are mostly asleep is curtailed as of now, so its minimum off time
    /// holds it through whatever made it sleep.
    /// </summary>
    private GroupState[] GroupStates(Core.Sites.SiteDefinition site, DateTimeOffset now)
    {
        if (_groups is { } known && known.Length == site.Fleet.Count) return known;
        IReadOnlyDictionary<string, GroupState> stored;
        try
        {
            stored = store.LoadGroupStates();
        }
        catch (Exception ex)
        {
            _alarms.Raise(ControllerAlarms.StoreFailed, $"reading group states: {ex.Message}", now);
            stored = new Dictionary<string, GroupState>();
        }
        var inferred = _known.HasRead ? _known.InferGroups(site, now) : null;
        return site.Fleet.Select((g, i) => stored.TryGetValue(g.Name, out var s) ? s : inferred?[i] ?? GroupState.RunningLongSince).ToArray();
    }

    private async Task<FourCpHour?> WatchHourAsync(DateTimeOffset now, CycleMode mode, CancellationToken ct)
    {
        if (fourCpWatch is null) return null;
        try
        {
            if (mode == CycleMode.Normal) return _lastWatchHour = await fourCpWatch.EvaluateAsync(now, ct);
            // A fail-safe does not wait on the watch's feeds: its stored answer for the hour, or the last one.
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
            bounded.CancelAfter(PreemptWatchWait);
            return _lastWatchHour = await fourCpWatch.EvaluateAsync(now, bounded.Token);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            _alarms.Raise(ControllerAlarms.FourCpWatchFailed, ex.Message, now);
            return _lastWatchHour;
        }
    }

    /// <summary>
    /// Before the first decision after a start: the stored prices, then one bounded poll (not for a fail-safe), so that a
    /// restart never decides on an empty price history (which would read as "no price" and, before, woke a curtailed site).
    /// </summary>
    private async Task LoadStartupPricesAsync(bool poll, CancellationToken ct)
    {
        if (_startupPricesLoaded || prices is null) return;
        // A fail-safe as the first cycle reads the store only: it must not wait on the feed. The next cycle polls.
        if (poll) _startupPricesLoaded = true;
        try
        {
            prices.LoadStored();
            if (!poll) return;
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
            bounded.CancelAfter(StartupPollTimeout);
            await prices.PollAsync(bounded.Token);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            log.LogWarning("start-up price load: {Reason}; deciding on what is stored", ex.Message);
        }
    }

    private void TryStore(Action write, string what, DateTimeOffset now)
    {
        try
        {
            write();
            _alarms.Clear(ControllerAlarms.StoreFailed);
        }
        catch (Exception ex)
        {
            // The store failing must not stop a curtailment: the dispatch goes on and the alarm says what was not kept.
            log.LogError(ex, "store: {What} failed: {Reason}", what, ex.Message);
            _alarms.Raise(ControllerAlarms.StoreFailed, $"{what}: {ex.Message}", now);
        }
    }

    private void ScheduleChanges()
    {
        if (_changes is null) return;
        var view = runtime.Snapshot();
        var now = time.GetUtcNow();
        var changes = new List<ScheduledChange>();
        if (view.Override is { } o) changes.Add(new(o.Until, "override:end", false));
        foreach (var e in view.Events.Where(e => e.ActiveAt(now)))
        {
            if (e.ReleaseAt is { } release) changes.Add(new(release, $"release:{e.Id}", false));
            if (e.TargetMetAt is null) changes.Add(new(e.Deadline, $"deadline:{e.Id}", true));
        }
        if (_retryAt is { } retry) changes.Add(new(retry, "retry", false));
        _changes.Schedule(changes, now);
    }

    /// <summary>Prices of intervals that ended by now, most recent last (at most two days: the policies look back hours).</summary>
    private static (double[] Prices, DateTimeOffset? LastStart) SettledPrices(ControllerRuntime.View view, DateTimeOffset now)
    {
        if (view.Prices is not { Count: > 0 } p) return ([], null);
        var list = new List<double>();
        DateTimeOffset? last = null;
        var from = now.AddDays(-2).UtcTicks;
        for (var i = 0; i < p.Count; i++)
        {
            if (p.EndTicks[i] > now.UtcTicks) break;
            if (p.StartTicks[i] < from) continue;
            list.Add(p.Prices[i]);
            last = new DateTimeOffset(p.StartTicks[i], TimeSpan.Zero);
        }
        return (list.ToArray(), last);
    }

    private static bool InFourCpWindow(Config.FourCpConfig? fourCp, DateTimeOffset now)
    {
        if (fourCp is null) return false;
        var local = Core.Time.CentralPrevailingTime.ToLocal(now);
        return fourCp.Months.Contains(local.Month) && fourCp.Hours.Contains(local.Hour);
    }

    public void Dispose()
    {
        _changes?.Dispose();
        _gate.Dispose();
    }
}
