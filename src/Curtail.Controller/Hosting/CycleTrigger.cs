using Curtail.Controller.Cycle;
using Curtail.Controller.Jobs;
using Quartz;

namespace Curtail.Controller.Hosting;

/// <summary>
/// Asks for a decision cycle now. Most reasons go through the scheduler, whose concurrency rule queues them behind a
/// running cycle. A fail-safe (the genset's alarms and link loss, a demand-response dispatch and its deadline) must not
/// queue: it preempts the running cycle (<see cref="DecisionCycle.PreemptAsync"/>).
/// </summary>
public sealed class CycleTrigger(ISchedulerFactory schedulers, SchedulerName name, Func<DecisionCycle>? cycle = null)
{
    public static bool IsFailSafe(string reason) =>
        reason.StartsWith("genset:", StringComparison.Ordinal) || reason.StartsWith("dispatch:", StringComparison.Ordinal)
        || reason.StartsWith("deadline:", StringComparison.Ordinal);

    /// <summary>On a clustered site: whether this instance leads it (only the leader preempts; a standby hands over).</summary>
    public Func<bool>? IsLeader { get; init; }

    public async Task RunNowAsync(string reason, CancellationToken ct)
    {
        if (cycle is not null && IsFailSafe(reason) && (IsLeader is null || IsLeader()))
        {
            // Not tied to the caller's token: an API request that returns must not cancel the shed it asked for.
            _ = Task.Run(() => cycle().PreemptAsync(reason, CancellationToken.None), CancellationToken.None);
            return;
        }
        var scheduler = await schedulers.LookupScheduler(name.Value, ct)
            ?? throw new InvalidOperationException($"scheduler '{name.Value}' is not running");
        await scheduler.TriggerJob(DecisionCycleJob.Key, new JobDataMap { ["trigger"] = reason }, ct);
    }
}
