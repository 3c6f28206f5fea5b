using Curtail.Controller.Jobs;
using Quartz;

namespace Curtail.Controller.Hosting;

/// <summary>Asks the scheduler to run the decision cycle now; the job's concurrency rule queues it behind a running cycle.</summary>
public sealed class CycleTrigger(ISchedulerFactory schedulers, SchedulerName name)
{
    public async Task RunNowAsync(string reason, CancellationToken ct)
    {
        var scheduler = await schedulers.LookupScheduler(name.Value, ct)
            ?? throw new InvalidOperationException($"scheduler '{name.Value}' is not running");
        await scheduler.TriggerJob(DecisionCycleJob.Key, new JobDataMap { ["trigger"] = reason }, ct);
    }
}
