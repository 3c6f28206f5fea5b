using System.Collections.Concurrent;
using Polly;
using Polly.Retry;

namespace Curtail.Miners.Fleet;

/// <summary>
/// Sends a plan's commands with bounded concurrency, at most one write in flight per miner, retries with
/// exponential backoff for transient failures (Polly), then confirms each by reading the miner back until the
/// effect shows or the family's deadline passes. Every miner gets a result with its latency.
/// Commands go first: no read-back of a dispatch starts while any of its commands still waits for a slot. A status
/// read costs both ends several times what a command does (a multi-section reply to build and parse), so read-backs
/// started at each miner's settle time while thousands of commands were still queued took the CPU from them; on a
/// loaded 2-core machine that stretched the send of a 10,000-miner shed from about 2 s to 17-21 s.
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

    /// <summary>Raised as each command is delivered (before confirmation), for progress and benchmarks.</summary>
    public event Action<string, TimeSpan>? CommandSent;

    /// <summary>Raised as a read-back shows a command's effect, with the time from the command's start.</summary>
    public event Action<string, TimeSpan>? CommandConfirmed;

    public async Task<DispatchReport> DispatchAsync(IReadOnlyList<(IMiner Miner, MinerAction Action)> work, CancellationToken cancellationToken = default)
    {
        var start = _time.GetTimestamp();
        var commands = work.Where(w => w.Action.Kind != MinerActionKind.Keep).ToList();
        var queue = new SendQueue(commands.Count);
        var outcomes = new Task<MinerCommandResult>[commands.Count];
        // As many senders as commands may be in flight, each taking the next command: a task per command waiting for
        // a slot (10,000 of them, with a semaphore waiter each) lived through the whole send and was garbage only in
        // gen2, which raised the controller's peak memory (docs/miners.md, issue 11). A command's confirmation is a
        // task of its own from its delivery on.
        var cursor = new WorkCursor(commands.Count);
        var senders = new Task[Math.Clamp(_options.MaxConcurrentCommands, 1, Math.Max(1, commands.Count))];
        try
        {
            for (var w = 0; w < senders.Length; w++) senders[w] = SendWorkerAsync(commands, outcomes, cursor, start, queue, cancellationToken);
            await Task.WhenAll(senders).ConfigureAwait(false);
        }
        finally
        {
            // Cancelled with commands still queued: never hold the others' read-backs.
            queue.Abandon();
        }
        var results = await Task.WhenAll(outcomes).ConfigureAwait(false);
        return new DispatchReport(results, _time.GetElapsedTime(start));
    }

    private async Task SendWorkerAsync(List<(IMiner Miner, MinerAction Action)> commands, Task<MinerCommandResult>[] outcomes, WorkCursor cursor,
        long dispatchStart, SendQueue queue, CancellationToken ct)
    {
        await Task.Yield();
        while (cursor.TryTake(out var i))
        {
            var (miner, action) = commands[i];
            // One write in flight per miner, across dispatches: the gate is held until the command is confirmed.
            var gate = _perMiner.GetOrAdd(miner.Id, _ => new SemaphoreSlim(1, 1));
            await gate.WaitAsync(ct).ConfigureAwait(false);
            var handedOver = false;
            try
            {
                await _commandSlots.WaitAsync(ct).ConfigureAwait(false);
                queue.Started();
                var sent = await SendOneAsync(miner, action, dispatchStart, ct).ConfigureAwait(false);
                if (sent.Failed is { } failed)
                {
                    outcomes[i] = Task.FromResult(failed);
                    continue;
                }
                outcomes[i] = ConfirmAndReleaseAsync(miner, action, sent, queue, gate, ct);
                handedOver = true;
            }
            finally
            {
                if (!handedOver) gate.Release();
            }
        }
    }

    /// <summary>A delivered command, or the result of one that could not be delivered.</summary>
    private readonly record struct Delivery(long CommandStart, TimeSpan Latency, TimeSpan SentAt, int Attempts, MinerCommandResult? Failed);

    /// <summary>Holds a command slot on entry and releases it once the command is delivered or has failed.</summary>
    private async Task<Delivery> SendOneAsync(IMiner miner, MinerAction action, long dispatchStart, CancellationToken ct)
    {
        var attempts = 0;
        var commandStart = 0L;
        try
        {
            commandStart = _time.GetTimestamp();
            await _retry.ExecuteAsync(async token =>
            {
                attempts++;
                await SendAsync(miner, action, token).ConfigureAwait(false);
            }, ct).ConfigureAwait(false);
        }
        catch (MinerException ex)
        {
            return new Delivery(commandStart, default, default, attempts, new MinerCommandResult(miner.Id, action.Kind, DispatchOutcome.Failed, ex.Reason,
                _time.GetElapsedTime(commandStart), null, attempts, null, _time.GetElapsedTime(dispatchStart)));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // A reply the driver could not make sense of: one miner's failure, not the dispatch's.
            return new Delivery(commandStart, default, default, attempts, new MinerCommandResult(miner.Id, action.Kind, DispatchOutcome.Failed,
                MinerException.Contain(miner.Id, Verb(action), ex).Reason, _time.GetElapsedTime(commandStart), null, attempts, null,
                _time.GetElapsedTime(dispatchStart)));
        }
        finally
        {
            _commandSlots.Release();
        }
        var latency = _time.GetElapsedTime(commandStart);
        var sentAt = _time.GetElapsedTime(dispatchStart);
        CommandSent?.Invoke(miner.Id, latency);
        return new Delivery(commandStart, latency, sentAt, attempts, null);
    }

    private async Task<MinerCommandResult> ConfirmAndReleaseAsync(IMiner miner, MinerAction action, Delivery sent, SendQueue queue,
        SemaphoreSlim gate, CancellationToken ct)
    {
        try
        {
            var (confirmed, status, error) = await ConfirmAsync(miner, action, queue, ct).ConfigureAwait(false);
            var confirmLatency = confirmed ? _time.GetElapsedTime(sent.CommandStart) : (TimeSpan?)null;
            if (confirmLatency is { } c) CommandConfirmed?.Invoke(miner.Id, c);
            return new MinerCommandResult(miner.Id, action.Kind, confirmed ? DispatchOutcome.Confirmed : DispatchOutcome.Unconfirmed,
                error, sent.Latency, confirmLatency, sent.Attempts, status, sent.SentAt);
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

    private async Task<(bool Confirmed, MinerStatus? Status, string? Error)> ConfirmAsync(IMiner miner, MinerAction action, SendQueue queue,
        CancellationToken ct)
    {
        var deadline = _options.ConfirmDeadline(miner.Family, action.Kind);
        var start = _time.GetTimestamp();
        MinerStatus? last = null;
        string? lastError = null;
        var settle = _options.FirstReadDelay(miner.Family, action.Kind);
        if (settle > TimeSpan.Zero) await Task.Delay(settle < deadline ? settle : deadline, _time, ct).ConfigureAwait(false);
        if (!queue.Drained.IsCompleted)
        {
            // Commands first (see the class summary). The deadline counts from here, so waiting for the others'
            // commands never makes this miner unconfirmed.
            await queue.Drained.WaitAsync(ct).ConfigureAwait(false);
            start = _time.GetTimestamp();
        }
        while (true)
        {
            // Without the token: a cancellable wait is three more objects for each of the thousands of read-backs
            // queued here at once after a fleet-wide shed; a cancelled dispatch's read-back ends as it gets its slot.
            await _readSlots.WaitAsync().ConfigureAwait(false);
            try
            {
                ct.ThrowIfCancellationRequested();
                last = await miner.ReadStatusAsync(ct).ConfigureAwait(false);
                lastError = null;
                if (Shows(action, last, miner.Model)) return (true, last, null);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && ct.IsCancellationRequested))
            {
                // The Antminer CGI restarts the miner process: a read right after a write may fail. A reply the
                // driver cannot make sense of leaves this miner unconfirmed, never the whole dispatch failed.
                lastError = MinerException.Contain(miner.Id, "read-back", ex).Reason;
            }
            finally
            {
                _readSlots.Release();
            }
            var left = deadline - _time.GetElapsedTime(start);
            if (left <= TimeSpan.Zero)
                return (false, last, lastError ?? $"no effect within {deadline.TotalSeconds:0.#} s: mode {last?.Mode}, {last?.PowerW:0} W");
            await Task.Delay(left < _options.PollInterval ? left : _options.PollInterval, _time, ct).ConfigureAwait(false);
        }
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
