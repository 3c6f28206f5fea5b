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
        GensetReading? lastReading = null;
        string? lastError = null;
        while (!ct.IsCancellationRequested)
        {
            var readTask = PollOnceAsync(ct);
            while (!readTask.IsCompleted)
            {
                var wait = UntilFailSafe(started);
                if (wait <= TimeSpan.Zero)
                {
                    Decide(Unusable(lastReading), "no reply yet to the poll in progress");
                    continue;
                }
                await Task.WhenAny(readTask, Task.Delay(Min(wait, PollInterval), _time, ct)).ConfigureAwait(false);
                ct.ThrowIfCancellationRequested();
            }
            (lastReading, lastError) = await readTask.ConfigureAwait(false);
            Decide(lastReading, lastError);

            next += PollInterval;
            if (next < _time.GetUtcNow()) next = _time.GetUtcNow();
            while (_time.GetUtcNow() < next)
            {
                var toFailSafe = UntilFailSafe(started);
                if (toFailSafe <= TimeSpan.Zero)
                {
                    Decide(Unusable(lastReading), lastError ?? "no usable reading");
                    continue;
                }
                await Task.Delay(Min(toFailSafe, next - _time.GetUtcNow()), _time, ct).ConfigureAwait(false);
            }
        }
    }

    private GensetReading? Unusable(GensetReading? r) =>
        r is not null && !r.IsUsableAt(_time.GetUtcNow(), follower.Settings.MaxReadingAge) ? r : null;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>Time left before the fail-safe is due; MaxValue when it already applies or no reading is missing.</summary>
    private TimeSpan UntilFailSafe(DateTimeOffset started)
    {
        var due = FailSafeDeadline(started);
        return due == DateTimeOffset.MaxValue ? TimeSpan.MaxValue : due - _time.GetUtcNow();
    }

    /// <summary>When the fail-safe becomes due if nothing usable arrives; MaxValue once it has been applied.</summary>
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
