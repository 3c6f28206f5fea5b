using Curtail.Controller.DemandResponse;
using Curtail.Core.LoadFollowing;
using Curtail.Modbus.Gensets;
using Microsoft.Extensions.Logging;

namespace Curtail.Controller.Hosting;

/// <summary>
/// Reads the genset once per poll. A reading that shows overload, under-frequency or a tripped breaker asks for a
/// decision cycle at once. When the link fails, a one-shot timer fires a cycle exactly when the last good reading
/// becomes older than the link-loss timeout (≤ 2 s), so the fail-safe is decided on time even while polls hang.
/// Each reading's active power is also the site load the demand-response trace averages per minute.
/// </summary>
public sealed class GensetService(GensetReader reader, ControllerRuntime runtime, TimeProvider deviceTime, CycleTrigger trigger, ILogger<GensetService> log,
    LoadTraceRecorder? trace = null) : IDisposable
{
    private readonly Lock _lock = new();
    private DateTimeOffset? _lastGood;
    private bool _alarmRaised;
    private ITimer? _failSafeTimer;
    private bool _linkDown;

    public async Task PollAsync(CancellationToken ct)
    {
        var settings = runtime.Config.Genset!.LoadFollowing;
        try
        {
            var reading = await reader.ReadAsync(ct);
            runtime.SetGenset(reading, null);
            bool restored;
            lock (_lock)
            {
                _lastGood = deviceTime.GetUtcNow();
                _failSafeTimer?.Dispose();
                _failSafeTimer = null;
                restored = _linkDown;
                _linkDown = false;
            }
            try
            {
                await RaiseIfUrgentAsync(reading, settings, ct);
                // A recovered link is acted on at once, not at the next scheduled cycle (the shed it caused can end).
                if (restored && !_alarmRaised)
                {
                    log.LogInformation("genset: link restored; deciding now");
                    await trigger.RunNowAsync("link:restored", ct);
                }
            }
            finally
            {
                // After the alarm: the trace writes to the store once a minute, and that must not delay a shed.
                Trace(reading);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            runtime.SetGenset(null, ex.Message);
            lock (_lock) _linkDown = true;
            trace?.Flush();
            ArmFailSafe(settings, ex.Message);
        }
    }

    private async Task RaiseIfUrgentAsync(GensetReading reading, LoadFollowingSettings settings, CancellationToken ct)
    {
        var problem = Urgent(reading, settings);
        if (problem is null)
        {
            _alarmRaised = false;
            return;
        }
        if (_alarmRaised) return;
        _alarmRaised = true;
        log.LogWarning("genset: {Problem}: deciding now", problem);
        await trigger.RunNowAsync($"genset:{problem}", ct);
    }

    private void Trace(GensetReading reading)
    {
        if (trace is null) return;
        // A hung controller repeats its last figure; that is not a reading of the load.
        if (reading.ActivePowerKw is { } kw && !reading.Issues.HasFlag(ReadingIssues.HeartbeatFrozen)) trace.Record(kw, LoadTraceSource.Genset);
        else trace.Flush();
    }

    private void ArmFailSafe(LoadFollowingSettings settings, string reason)
    {
        lock (_lock)
        {
            if (_failSafeTimer is not null) return;
            var now = deviceTime.GetUtcNow();
            var due = (_lastGood ?? now) + settings.LinkLossTimeout - now;
            if (due < TimeSpan.Zero) due = TimeSpan.Zero;
            log.LogWarning("genset: link problem ({Reason}); fail-safe {Mode} in {Due:F1} s unless a reading arrives", reason, settings.FailSafe, due.TotalSeconds);
            _failSafeTimer = deviceTime.CreateTimer(_ => _ = trigger.RunNowAsync("genset:link_lost", CancellationToken.None), null, due, Timeout.InfiniteTimeSpan);
        }
    }

    private static string? Urgent(GensetReading r, LoadFollowingSettings s)
    {
        if (r.BreakerClosed == false) return "breaker_open";
        var signals = LoadFollower.SignalsOf(r, s);
        // 0 Hz is an engine that is not turning, which its state reports; the shed is for a sag while running.
        if (signals.UnderFrequency && r.FrequencyHz > 0) return "under_frequency";
        if (signals.OverloadAlarm) return "overload_alarm";
        if (signals.AboveAvailable) return "overload";
        return null;
    }

    public void Dispose()
    {
        lock (_lock) _failSafeTimer?.Dispose();
    }
}
