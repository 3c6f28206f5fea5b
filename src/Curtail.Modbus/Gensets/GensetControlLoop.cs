using Curtail.Core.LoadFollowing;
using Curtail.Modbus.Protocol;

namespace Curtail.Modbus.Gensets;

/// <summary>
/// The live load-following loop for one genset: poll every <see cref="PollInterval"/>, decide with the
/// <see cref="LoadFollower"/>, hand the decision to <c>apply</c>. A poll that fails still produces a decision
/// (reading null, with the failure as reason), and the loop also wakes at the link-loss deadline while a poll
/// is hanging, so the fail-safe applies within the link-loss timeout (≤ 2 s) whatever the link does.
/// Each change of decision reason, and every fail-safe decision, is logged with its reason.
/// </summary>
public sealed class GensetControlLoop(
    Func<CancellationToken, Task<GensetReading>> read,
    LoadFollower follower,
    Func<double> siteLoadKw,
    Action<LoadDecision> apply,
    TimeProvider? time = null,
    Action<string>? log = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private LoadDecisionReason? _lastReason;

    public GensetControlLoop(GensetReader reader, LoadFollower follower, Func<double> siteLoadKw, Action<LoadDecision> apply,
        TimeProvider? time = null, Action<string>? log = null)
        : this(reader.ReadAsync, follower, siteLoadKw, apply, time, log) { }

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>What the rest of the engine asks for (prices); unlimited by default.</summary>
    public Func<double> RequestedKw { get; init; } = () => double.PositiveInfinity;
    public long Polls { get; private set; }
    public long FailedPolls { get; private set; }

    public async Task RunAsync(CancellationToken ct)
    {
        var started = _time.GetUtcNow();
        var next = started;
        while (!ct.IsCancellationRequested)
        {
            var readTask = PollOnceAsync(ct);
            while (!readTask.IsCompleted)
            {
                var deadline = FailSafeDeadline(started);
                var wait = deadline == DateTimeOffset.MaxValue ? PollInterval : deadline - _time.GetUtcNow();
                if (wait <= TimeSpan.Zero)
                {
                    Decide(null, "poll still waiting for a reply");
                    wait = PollInterval;
                }
                if (wait > PollInterval) wait = PollInterval;
                await Task.WhenAny(readTask, Task.Delay(wait, _time, ct)).ConfigureAwait(false);
                ct.ThrowIfCancellationRequested();
            }
            var (reading, error) = await readTask.ConfigureAwait(false);
            Decide(reading, error);

            next += PollInterval;
            var now = _time.GetUtcNow();
            if (next < now) next = now;
            while (_time.GetUtcNow() < next)
            {
                var deadline = FailSafeDeadline(started);
                var until = deadline > _time.GetUtcNow() && deadline < next ? deadline : next;
                await Task.Delay(until - _time.GetUtcNow(), _time, ct).ConfigureAwait(false);
                if (until == deadline && until < next) Decide(null, error ?? "no usable reading");
            }
        }
    }

    /// <summary>When the fail-safe becomes due if nothing usable arrives (never earlier than now + 1 ms once passed).</summary>
    private DateTimeOffset FailSafeDeadline(DateTimeOffset started)
    {
        var timeout = follower.Settings.LinkLossTimeout;
        var last = follower.LastUsableReadingTime ?? started;
        var due = last + timeout;
        return follower.LastDecision?.IsFailSafe == true && follower.LastDecision.Time >= due ? DateTimeOffset.MaxValue : due;
    }

    private async Task<(GensetReading? Reading, string? Error)> PollOnceAsync(CancellationToken ct)
    {
        Polls++;
        try
        {
            return (await read(ct).ConfigureAwait(false), null);
        }
        catch (ModbusException ex)
        {
            FailedPolls++;
            return (null, ex.Message);
        }
        catch (Core.InvalidInputException ex)
        {
            FailedPolls++;
            return (null, ex.Message);
        }
    }

    private void Decide(GensetReading? reading, string? error)
    {
        var decision = follower.Decide(reading, siteLoadKw(), _time.GetUtcNow(), RequestedKw(), error);
        if (decision.Reason != _lastReason) log?.Invoke(decision.ToString());
        _lastReason = decision.Reason;
        apply(decision);
    }
}
