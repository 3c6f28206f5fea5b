using Curtail.Controller.Config;
using Curtail.Controller.Cycle;
using Curtail.Controller.DemandResponse;
using Curtail.Controller.Storage;
using Microsoft.Extensions.Logging;
using Curtail.Controller.Hosting;
using Quartz;

namespace Curtail.Controller.Jobs;

// Thin jobs: each calls one service; the services hold the logic and are tested without a scheduler.

/// <summary>The decision cycle, every cycle interval and at once on events (genset alarm, dispatch, strike change).</summary>
[DisallowConcurrentExecution]
public sealed class DecisionCycleJob(DecisionCycle cycle) : IJob
{
    public static readonly JobKey Key = new("decision-cycle");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default) =>
        await cycle.RunAsync(context.MergedJobDataMap.TryGetString("trigger", out var t) && t is not null ? t : "schedule", cancellationToken);
}

/// <summary>Real-time SPP poll, aligned to ERCOT's publication a little after each 15-minute interval ends.</summary>
[DisallowConcurrentExecution]
public sealed class PricePollJob(PriceService prices, CycleTrigger trigger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        if (await prices.PollAsync(cancellationToken)) await trigger.RunNowAsync("price:settled", cancellationToken);
    }
}

/// <summary>
/// SCED LMP poll, a minute after each 5-minute SCED run: a newer run starts a decision cycle at once, so the site acts on
/// ERCOT's 5-minute clock (the dashboard and the forecaster read the LMPs too); then the RTD look-ahead of that run,
/// and the forecast the dashboard shows is made again with it.
/// </summary>
[DisallowConcurrentExecution]
public sealed class ScedPollJob(PriceService prices, CycleTrigger trigger, ForecastService forecasts) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        if (!await prices.PollScedAsync(cancellationToken)) return;
        await trigger.RunNowAsync("price:sced", cancellationToken);
        // RTD runs with SCED: its look-ahead is fetched after the cycle is on its way (the next cycle decides with it).
        if (await prices.PollRtdAsync(cancellationToken)) forecasts.Refresh();
    }
}

/// <summary>The genset poll, every second.</summary>
[DisallowConcurrentExecution]
public sealed class GensetPollJob(GensetService genset) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default) =>
        await genset.PollAsync(cancellationToken);
}

/// <summary>
/// Every second on a site without a genset: the miners' latest power as one reading of the demand-response load trace
/// (with a genset, each genset poll is the reading).
/// </summary>
[DisallowConcurrentExecution]
public sealed class LoadTraceJob(LoadTraceRecorder trace) : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        trace.RecordMiners();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Once a minute: the active demand-response events against ERCOT's ERS baselines, raising the under-delivery alarm
/// (and its notification) while one delivers less than it must.
/// </summary>
[DisallowConcurrentExecution]
public sealed class DrPerformanceJob(EventPerformanceMonitor monitor) : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        monitor.CheckActive();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Ancillary-service clearing prices per SCED run (NP6-332-CD), half a minute after the SCED poll, into the price store.</summary>
[DisallowConcurrentExecution]
public sealed class McpcPollJob(PriceService prices) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default) =>
        await prices.PollMcpcAsync(cancellationToken);
}

/// <summary>Starts and ends 4CP windows on the hour, so the site curtails at the window's start, not at the next cycle.</summary>
[DisallowConcurrentExecution]
public sealed class FourCpWindowJob(CycleTrigger trigger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default) =>
        await trigger.RunNowAsync("4cp:window", cancellationToken);
}

/// <summary>Refreshes the price forecast the dashboard shows (a `forecast` site also forecasts inside each cycle).</summary>
[DisallowConcurrentExecution]
public sealed class ForecastRefreshJob(ForecastService forecasts) : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        forecasts.Refresh();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Daily housekeeping: decision records and their miner-command audit rows past <c>retention_days</c>, and API-change
/// audit rows past <c>audit_retention_days</c>, are purged.
/// </summary>
[DisallowConcurrentExecution]
public sealed class HousekeepingJob(ControllerStore store, ControllerConfig config, ServiceClock clock, ILogger<HousekeepingJob> log) : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var purged = store.PurgeCycles(clock.Time.GetUtcNow() - config.DecisionRetention);
        if (purged > 0) log.LogInformation("housekeeping: purged {Count} decision records older than {Days} days", purged, config.DecisionRetention.TotalDays);
        var now = clock.Time.GetUtcNow();
        var (commands, changes) = store.PurgeAudit(now - config.DecisionRetention, now - config.AuditRetention);
        if (commands + changes > 0)
            log.LogInformation("housekeeping: purged {Commands} miner-command audit rows older than {Days} days and {Changes} change rows older than {AuditDays} days",
                commands, config.DecisionRetention.TotalDays, changes, config.AuditRetention.TotalDays);
        return ValueTask.CompletedTask;
    }
}
