using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using Polly;
using Polly.Retry;

namespace Curtail.Miners.Fleet;

/// <summary>
/// Sends a plan's commands with bounded concurrency, at most one write in flight per miner, retries with
/// exponential backoff for transient failures (Polly), then confirms each by reading the miner back until the
/// effect shows or the family's deadline passes. Every miner gets a result with its latency.
/// Commands go first: no read-back of a dispatch starts while any of its commands still waits for a slot (probes
/// aside, below). A status read costs both ends about what a command's exchange does, so read-backs started at each
/// miner's settle time while thousands of commands were still queued took the CPU from them; on a loaded 2-core
/// machine that stretched the send of a 10,000-miner shed from about 2 s to 17-21 s.
/// When to look: a firmware shows a sleep after its own delay (LuxOS: "~25 W in &lt;5 s"), the same for every miner
/// of a family, and a read-back before it is wasted work that delays the others'. The first
/// <see cref="DispatchOptions.ProbeCount"/> commands of each family and action to be acknowledged are probes: they
/// look every <see cref="DispatchOptions.ProbeInterval"/> from <see cref="DispatchOptions.FirstReadDelay"/> on. Once
/// three quarters of them have seen the effect, the latest of those offsets (from each probe's acknowledgement to the
/// read that saw it) is when every other miner takes its first read-back after its own acknowledgement; until
/// then, or if the probes never see it, they wait for the firmware's documented <see cref="DispatchOptions.SettleBound"/>.
/// A miss is looked at again every probe interval for six intervals, then every <see cref="DispatchOptions.PollInterval"/>.
/// Only a read that shows the effect confirms a command: the probes choose when to look, never what is seen.
/// </summary>
public sealed class FleetDispatcher
{
    private readonly DispatchOptions _options;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _commandSlots;
    private readonly SemaphoreSlim _readSlots;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _perMiner = new(StringComparer.Ordinal);
    private readonly ResiliencePipeline _retry;

    public FleetDispatcher(DispatchOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _commandSlots = new SemaphoreSlim(options.MaxConcurrentCommands);
        _readSlots = new SemaphoreSlim(options.MaxConcurrentReads);
        // One attempt means no retry strategy: Polly refuses a retry with zero retries.
        _retry = options.MaxAttempts <= 1 ? ResiliencePipeline.Empty : new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<MinerException>(e => e.IsTransient),
                MaxRetryAttempts = options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
            })
            .Build();
    }

    /// <summary>
    /// Makes the per-miner write gates ahead of a dispatch. The actuator does it for its fleet when it is built, so a
    /// first shed does not also grow a dictionary of 10,000 gates (and lock it to resize) while its commands go out.
    /// </summary>
    public void Prepare(IEnumerable<IMiner> miners)
    {
        foreach (var miner in miners) GateOf(miner);
    }

    /// <summary>The miner's write gate (one write in flight per miner, across dispatches), made on first use.</summary>
    private SemaphoreSlim GateOf(IMiner miner) => _perMiner.GetOrAdd(miner.Id, static _ => new SemaphoreSlim(1, 1));

    /// <summary>Raised as each command is delivered (before confirmation), for progress and benchmarks.</summary>
    public event Action<string, TimeSpan>? CommandSent;

    /// <summary>Raised as a read-back shows a command's effect, with the time from the command's start.</summary>
    public event Action<string, TimeSpan>? CommandConfirmed;

    public async Task<DispatchReport> DispatchAsync(IReadOnlyList<(IMiner Miner, MinerAction Action)> work, CancellationToken cancellationToken = default)
    {
        var start = _time.GetTimestamp();
        var commands = work.Where(w => w.Action.Kind != MinerActionKind.Keep).ToList();
        var state = new DispatchState(commands.Count, commands.Select(c => (c.Miner.Family, c.Action.Kind)).Distinct(),
            Math.Max(0, _options.ProbeCount));
        var outcomes = new Task<MinerCommandResult>[commands.Count];
        // As many senders as commands may be in flight, each taking the next command: a task per command waiting for
        // a slot (10,000 of them, with a semaphore waiter each) lived through the whole send and was garbage only in
        // gen2, which raised the controller's peak memory (docs/miners.md, issue 11). A command's confirmation is a
        // task of its own from its delivery on.
        var cursor = new WorkCursor(commands.Count);
        var senders = new Task[Math.Clamp(_options.MaxConcurrentCommands, 1, Math.Max(1, commands.Count))];
        try
        {
            for (var w = 0; w < senders.Length; w++) senders[w] = SendWorkerAsync(commands, outcomes, cursor, start, state, cancellationToken);
            await Task.WhenAll(senders).ConfigureAwait(false);
        }
        finally
        {
            // Cancelled with commands still queued: never hold the others' read-backs.
            state.Queue.Abandon();
        }
        var results = await Task.WhenAll(outcomes).ConfigureAwait(false);
        return new DispatchReport(results, _time.GetElapsedTime(start))
        {
            ProbeFindings = state.Settle.ToDictionary(s => s.Key, s => s.Value.Found.IsCompletedSuccessfully ? s.Value.Found.Result : (TimeSpan?)null),
        };
    }

    private async Task SendWorkerAsync(List<(IMiner Miner, MinerAction Action)> commands, Task<MinerCommandResult>[] outcomes, WorkCursor cursor,
        long dispatchStart, DispatchState state, CancellationToken ct)
    {
        await Task.Yield();
        while (cursor.TryTake(out var i))
        {
            var (miner, action) = commands[i];
            // One write in flight per miner, across dispatches: the gate is held until the command is confirmed.
            var gate = GateOf(miner);
            await gate.WaitAsync(ct).ConfigureAwait(false);
            var handedOver = false;
            try
            {
                await _commandSlots.WaitAsync(ct).ConfigureAwait(false);
                state.Queue.Started();
                var sent = await SendOneAsync(miner, action, dispatchStart, ct).ConfigureAwait(false);
                if (sent.Failed is { } failed)
                {
                    outcomes[i] = Task.FromResult(failed);
                    continue;
                }
                outcomes[i] = ConfirmAndReleaseAsync(miner, action, sent, state, gate, ct);
                handedOver = true;
            }
            finally
            {
                if (!handedOver) gate.Release();
            }
        }
    }

    /// <summary>A delivered command (its start and acknowledgement timestamps), or the result of one that could not be delivered.</summary>
    private readonly record struct Delivery(long CommandStart, long Acknowledged, TimeSpan Latency, TimeSpan SentAt, int Attempts, MinerCommandResult? Failed);

    /// <summary>Holds a command slot on entry and releases it once the command is delivered or has failed.</summary>
    private async Task<Delivery> SendOneAsync(IMiner miner, MinerAction action, long dispatchStart, CancellationToken ct)
    {
        var attempts = 1;
        var commandStart = _time.GetTimestamp();
        try
        {
            try
            {
                // The first attempt outside the pipeline: nearly every command of a shed is delivered at once, and going
                // through Polly cost each one five async state machines (about 1.2 KB, a fifth of a 10,000-miner
                // shed's allocation; docs/miners.md, "Sixth pass").
                await SendAsync(miner, action, ct).ConfigureAwait(false);
            }
            catch (MinerException first) when (first.IsTransient && _options.MaxAttempts > 1)
            {
                var retry = new RetryState(first);
                try
                {
                    await RetryAsync(miner, action, retry, ct).ConfigureAwait(false);
                }
                finally
                {
                    attempts = retry.Attempts;
                }
            }
        }
        catch (MinerException ex)
        {
            return new Delivery(commandStart, 0, default, default, attempts, new MinerCommandResult(miner.Id, action.Kind, DispatchOutcome.Failed, ex.Reason,
                _time.GetElapsedTime(commandStart), null, attempts, null, _time.GetElapsedTime(dispatchStart)));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // A reply the driver could not make sense of: one miner's failure, not the dispatch's.
            return new Delivery(commandStart, 0, default, default, attempts, new MinerCommandResult(miner.Id, action.Kind, DispatchOutcome.Failed,
                MinerException.Contain(miner.Id, Verb(action), ex).Reason, _time.GetElapsedTime(commandStart), null, attempts, null,
                _time.GetElapsedTime(dispatchStart)));
        }
        finally
        {
            _commandSlots.Release();
        }
        var acknowledged = _time.GetTimestamp();
        var latency = _time.GetElapsedTime(commandStart, acknowledged);
        CommandSent?.Invoke(miner.Id, latency);
        return new Delivery(commandStart, acknowledged, latency, _time.GetElapsedTime(dispatchStart, acknowledged), attempts, null);
    }

    /// <summary>
    /// The retries after a transient first failure, in the Polly pipeline. Its first execution replays that failure, so
    /// the pipeline's backoff comes before the second attempt and its retry count (MaxAttempts − 1) stays as configured.
    /// Throws the last failure when no attempt succeeded.
    /// </summary>
    private Task RetryAsync(IMiner miner, MinerAction action, RetryState retry, CancellationToken ct) =>
        _retry.ExecuteAsync(async token =>
        {
            if (retry.TakeFirstFailure() is { } first) ExceptionDispatchInfo.Throw(first);
            retry.Attempts++;
            await SendAsync(miner, action, token).ConfigureAwait(false);
        }, ct).AsTask();

    /// <summary>The attempts made so far, and the first failure until the pipeline has replayed it.</summary>
    private sealed class RetryState(MinerException firstFailure)
    {
        private MinerException? _firstFailure = firstFailure;

        public int Attempts { get; set; } = 1;

        public MinerException? TakeFirstFailure() => Interlocked.Exchange(ref _firstFailure, null);
    }

    private async Task<MinerCommandResult> ConfirmAndReleaseAsync(IMiner miner, MinerAction action, Delivery sent, DispatchState state,
        SemaphoreSlim gate, CancellationToken ct)
    {
        try
        {
            var confirmation = await ConfirmAsync(miner, action, sent.Acknowledged, state, ct).ConfigureAwait(false);
            TimeSpan? confirmLatency = confirmation.ShownAt is { } shown ? _time.GetElapsedTime(sent.CommandStart, shown) : null;
            if (confirmLatency is { } c) CommandConfirmed?.Invoke(miner.Id, c);
            return new MinerCommandResult(miner.Id, action.Kind, confirmLatency is not null ? DispatchOutcome.Confirmed : DispatchOutcome.Unconfirmed,
                confirmation.Error, sent.Latency, confirmLatency, sent.Attempts, confirmation.Status, sent.SentAt)
            {
                ConfirmAfterAcknowledged = confirmation.ShownAt is { } at ? _time.GetElapsedTime(sent.Acknowledged, at) : null,
                ReadBacks = confirmation.Reads,
                FailedReadBacks = confirmation.FailedReads,
                ConfirmingRead = confirmation.LastReadTook,
            };
        }
        finally
        {
            gate.Release();
        }
    }

    private static Task SendAsync(IMiner miner, MinerAction action, CancellationToken ct) => action.Kind switch
    {
        MinerActionKind.Sleep => miner is ISleepable s ? s.SleepAsync(ct) : throw Unsupported(miner, "sleep"),
        MinerActionKind.Wake => miner is ISleepable w ? w.WakeAsync(ct) : throw Unsupported(miner, "wake"),
        MinerActionKind.SetTarget => miner is IPowerTargetable p ? p.SetPowerTargetAsync(action.TargetW!.Value, ct) : throw Unsupported(miner, "power targets"),
        MinerActionKind.SetHashboards => miner is IHashboardSheddable h ? h.SetActiveHashboardsAsync(action.Boards!.Value, ct) : throw Unsupported(miner, "hashboard shedding"),
        _ => Task.CompletedTask,
    };

    private static string Verb(MinerAction action) => action.Kind switch
    {
        MinerActionKind.SetTarget => $"set power target {action.TargetW:0} W",
        MinerActionKind.SetHashboards => $"set {action.Boards} active hashboards",
        _ => action.Kind.ToString().ToLowerInvariant(),
    };

    private static MinerException Unsupported(IMiner miner, string what) =>
        new(miner.Id, MinerFailureKind.Rejected, $"{miner.Family} firmware does not support {what}");

    /// <summary>The outcome of the read-backs: the timestamp of the reply that showed the effect (null if none did).</summary>
    private readonly record struct Confirmation(long? ShownAt, MinerStatus? Status, string? Error, int Reads, int FailedReads, TimeSpan? LastReadTook = null);

    private async Task<Confirmation> ConfirmAsync(IMiner miner, MinerAction action, long acknowledged, DispatchState state, CancellationToken ct)
    {
        var (family, kind) = (miner.Family, action.Kind);
        var deadline = _options.ConfirmDeadline(family, kind);
        var deadlineFrom = acknowledged;
        var settle = state.Settle[(family, kind)];
        var probe = settle.TakeProbe();
        var bound = _options.SettleBound(family, kind);
        var first = _options.FirstReadDelay(family, kind);
        var interval = _options.ProbeInterval < _options.PollInterval ? _options.ProbeInterval : _options.PollInterval;
        TimeSpan firstLook;
        if (probe)
        {
            firstLook = first;
        }
        else
        {
            // Wait for the probes to find when the effect shows, at most until the firmware's documented time.
            var untilBound = bound - _time.GetElapsedTime(acknowledged);
            if (!settle.Found.IsCompleted && untilBound > TimeSpan.Zero)
            {
                // Every command of a shed but the probes waits here while the send goes on: one timed wait on the task (not
                // a linked token source, a delay and a WhenAny), and in this method, not a helper: a state machine less each.
                try
                {
                    await settle.Found.WaitAsync(untilBound, _time, ct).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // The documented time has passed: look now.
                }
            }
            firstLook = settle.Found.IsCompletedSuccessfully ? Max(settle.Found.Result, first) : Max(bound, first);
        }
        await DelayUntilAsync(acknowledged, firstLook < deadline ? firstLook : deadline, ct).ConfigureAwait(false);
        if (!probe && !state.Queue.Drained.IsCompleted)
        {
            // Commands first (see the class summary). The deadline counts from here, so waiting for the others'
            // commands never makes this miner unconfirmed.
            await state.Queue.Drained.WaitAsync(ct).ConfigureAwait(false);
            deadlineFrom = _time.GetTimestamp();
        }
        MinerStatus? last = null;
        string? lastError = null;
        var reads = 0;
        var failedReads = 0;
        while (true)
        {
            // Without the token: a cancellable wait is three more objects for each of the thousands of read-backs
            // queued here at once after a fleet-wide shed; a cancelled dispatch's read-back ends as it gets its slot.
            // Probes take no slot (at most ProbeCount per family and action): they time the firmware, and queued
            // behind another family's burst of read-backs they timed the queue (mixed fleet, fifth pass).
            if (!probe) await _readSlots.WaitAsync().ConfigureAwait(false);
            var issued = _time.GetElapsedTime(acknowledged);
            try
            {
                ct.ThrowIfCancellationRequested();
                reads++;
                last = await ReadBackAsync(miner, kind, ct).ConfigureAwait(false);
                lastError = null;
                if (Shows(action, last, miner.Model))
                {
                    var shownAt = _time.GetTimestamp();
                    if (probe) settle.Shown(issued);
                    return new Confirmation(shownAt, last, null, reads, failedReads, _time.GetElapsedTime(acknowledged, shownAt) - issued);
                }
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && ct.IsCancellationRequested))
            {
                // The Antminer CGI restarts the miner process: a read right after a write may fail. A reply the
                // driver cannot make sense of leaves this miner unconfirmed, never the whole dispatch failed.
                lastError = MinerException.Contain(miner.Id, "read-back", ex).Reason;
                failedReads++;
            }
            finally
            {
                if (!probe) _readSlots.Release();
            }
            var left = deadline - _time.GetElapsedTime(deadlineFrom);
            if (left <= TimeSpan.Zero)
                return new Confirmation(null, last, lastError ?? $"no effect within {deadline.TotalSeconds:0.#} s: mode {last?.Mode}, {last?.PowerW:0} W", reads, failedReads);
            // Around the expected moment look again soon (a miss by a few ms must not cost a whole poll), later
            // at the poll interval; never before the moment the probes found.
            var now = _time.GetElapsedTime(acknowledged);
            var found = settle.Found.IsCompletedSuccessfully ? settle.Found.Result : (TimeSpan?)null;
            var denseUntil = (probe ? Max(bound, first) : found ?? Max(bound, first)) + 6 * interval;
            var next = now + (now < denseUntil ? interval : _options.PollInterval);
            if (!probe && found is { } f && next < f) next = f;
            var wait = next - now;
            await Task.Delay(wait < left ? wait : left, _time, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The cheapest read that can show the action's effect.</summary>
    private static Task<MinerStatus> ReadBackAsync(IMiner miner, MinerActionKind kind, CancellationToken ct) =>
        kind == MinerActionKind.Sleep && miner is ISleepStateReadable sleep ? sleep.ReadSleepStateAsync(ct)
        : miner is IPowerStateReadable quick ? quick.ReadPowerStateAsync(ct)
        : miner.ReadStatusAsync(ct);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private Task DelayUntilAsync(long from, TimeSpan offset, CancellationToken ct)
    {
        var wait = offset - _time.GetElapsedTime(from);
        return wait > TimeSpan.Zero ? Task.Delay(wait, _time, ct) : Task.CompletedTask;
    }

    /// <summary>Whether a read shows the action's effect.</summary>
    public static bool Shows(MinerAction action, MinerStatus status, ModelSpec model) => action.Kind switch
    {
        MinerActionKind.Sleep => status.Mode == MinerMode.Sleeping
                                 && (status.PowerSource == PowerSource.Estimated || status.PowerW <= model.SleepW * 2),
        MinerActionKind.Wake => status.Mode != MinerMode.Sleeping,
        // Preset-based firmwares (LuxOS profiles, Vnish presets) land on a step at or below the request; the measured
        // power must follow (firmware that accepts a target and ignores it is caught here), unless only estimated.
        MinerActionKind.SetTarget => status.PowerTargetW is { } t && t <= action.TargetW!.Value + 1 && t >= action.TargetW.Value - model.NominalW * 0.08
                                     && (status.PowerSource == PowerSource.Estimated || status.Mode == MinerMode.Sleeping
                                         || status.PowerW <= action.TargetW.Value + Math.Max(50, model.NominalW * 0.03)),
        // Boards off must show in the board count the firmware reports; power follows within the board's share.
        MinerActionKind.SetHashboards => status.ActiveHashboards == action.Boards && status.Mode != MinerMode.Sleeping,
        _ => true,
    };

    /// <summary>One dispatch's shared state: its send queue and, per family and action, what its probes found.</summary>
    private sealed class DispatchState(int commands, IEnumerable<(MinerFamily, MinerActionKind)> keys, int probes)
    {
        public SendQueue Queue { get; } = new(commands);

        public IReadOnlyDictionary<(MinerFamily, MinerActionKind), SettleFinder> Settle { get; } = keys.ToDictionary(k => k, _ => new SettleFinder(probes));
    }

    /// <summary>
    /// When the effect of one family's action shows, as its probes see it: the offset from a probe's
    /// acknowledgement to its read-back that first showed the effect. Found once three quarters of the probes have
    /// shown, as the latest of those offsets (about their 75th percentile, not the fastest). An offset also holds how
    /// long the acknowledgement took after the firmware had the command, which varies from miner to miner: from the
    /// median, a look a few ms too early cost many miners a second read-back (10,000 LuxOS miners: 1.5 a command).
    /// </summary>
    private sealed class SettleFinder(int probes)
    {
        private readonly TaskCompletionSource<TimeSpan> _found = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<TimeSpan> _shown = [];
        private int _taken;

        public Task<TimeSpan> Found => _found.Task;

        public bool TakeProbe() => Interlocked.Increment(ref _taken) <= probes;

        public void Shown(TimeSpan offset)
        {
            lock (_shown)
            {
                _shown.Add(offset);
                if (_shown.Count == (3 * probes + 3) / 4) _found.TrySetResult(_shown.Max());
            }
        }
    }

    /// <summary>Counts a dispatch's commands that have not yet taken a command slot.</summary>
    private sealed class SendQueue
    {
        private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _waiting;

        public SendQueue(int count)
        {
            _waiting = count;
            if (count == 0) _drained.SetResult();
        }

        public Task Drained => _drained.Task;

        public void Started()
        {
            if (Interlocked.Decrement(ref _waiting) == 0) _drained.TrySetResult();
        }

        /// <summary>No more commands will start (the senders stopped): read-backs need not wait for them.</summary>
        public void Abandon() => _drained.TrySetResult();
    }
}
