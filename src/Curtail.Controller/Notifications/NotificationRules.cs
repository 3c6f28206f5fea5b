using Curtail.Controller.Safety;

namespace Curtail.Controller.Notifications;

/// <summary>
/// Turns what the controller already knows (each cycle's decision, its alarms) into notifications, once per change:
/// a curtailment when the target first drops below nameplate and a resume when it is back; each dispatch's receipt,
/// acknowledgement, target met or deadline missed once; the failing-miners share once each time it crosses the
/// threshold. Not thread-safe on its own: <see cref="Notifier"/> serialises the calls.
/// </summary>
public sealed class NotificationRules(string site, double minersFailingPercent)
{
    private bool _curtailed;
    private bool _minersFailing;
    private readonly HashSet<string> _sent = new(StringComparer.Ordinal);

    public IEnumerable<Notification> FromCycle(CycleNotice c)
    {
        var curtailed = c.TargetKw < 0.99 * c.FullKw;
        if (curtailed && !_curtailed)
            yield return new(NotifyEvent.Curtail, $"Curtailing to {c.TargetKw:F0} kW ({c.LimitedBy})", $"target {c.TargetKw:F0} of {c.FullKw:F0} kW, limited by {c.LimitedBy}: {c.Why}", c.Time, site);
        else if (!curtailed && _curtailed)
            yield return new(NotifyEvent.Resume, $"Resuming to {c.TargetKw:F0} kW", $"target back to {c.TargetKw:F0} of {c.FullKw:F0} kW: {c.Why}", c.Time, site);
        _curtailed = curtailed;

        if (c.Trigger.StartsWith("genset:", StringComparison.Ordinal))
        {
            var problem = c.Trigger["genset:".Length..];
            var kind = problem switch
            {
                "breaker_open" => NotifyEvent.Trip,
                "link_lost" => NotifyEvent.FailSafe,
                _ => NotifyEvent.GensetAlarm,
            };
            yield return new(kind, $"Genset {problem.Replace('_', ' ')}: fail-safe to {c.TargetKw:F0} kW", $"the genset reported {problem.Replace('_', ' ')}; the fail-safe cycle set the target to {c.TargetKw:F0} kW ({c.LimitedBy})", c.Time, site);
        }

        foreach (var e in c.Events)
        {
            if (Once($"received:{e.Id}"))
                yield return new(NotifyEvent.DrReceived, $"{(e.Test ? "TEST " : "")}{e.Program} dispatch {e.Id} received", $"at most {e.CeilingMw:F3} MW by {e.Deadline:u}; received {e.ReceivedAt:u}", c.Time, site);
            if (e.AcknowledgedAt is { } ack && Once($"ack:{e.Id}"))
                yield return new(NotifyEvent.DrAcknowledged, $"Dispatch {e.Id} acknowledged", $"acknowledged {ack:u}; deadline {e.Deadline:u}", c.Time, site);
            if (e.TargetMetAt is { } met && Once($"met:{e.Id}"))
                yield return new(NotifyEvent.DrMet, $"Dispatch {e.Id}: target met", $"load at or below {e.CeilingMw:F3} MW at {met:u} (deadline {e.Deadline:u})", c.Time, site);
            if (e.TargetMetAt is null && c.Time > e.Deadline && e.ReleasedAt is null && Once($"missed:{e.Id}"))
                yield return new(NotifyEvent.DrMissed, $"Dispatch {e.Id}: deadline missed", $"load still above {e.CeilingMw:F3} MW at the deadline {e.Deadline:u}", c.Time, site);
        }

        var share = c.Miners > 0 ? 100.0 * c.MinersUnreadable / c.Miners : 0;
        var failing = share > minersFailingPercent;
        if (failing && !_minersFailing)
            yield return new(NotifyEvent.MinersFailing, $"{c.MinersUnreadable} of {c.Miners} miners not answering", $"{share:F0} % of the miners did not answer (threshold {minersFailingPercent:F0} %)", c.Time, site);
        _minersFailing = failing;
    }

    /// <summary>The controller's own alarms, when raised (they are raised once until they clear).</summary>
    public Notification? FromAlarm(ControllerAlarm a)
    {
        NotifyEvent? kind = a.Name switch
        {
            ControllerAlarms.PricesStale or ControllerAlarms.ScedStale => NotifyEvent.PricesStale,
            ControllerAlarms.GensetStale => NotifyEvent.GensetAlarm,
            ControllerAlarms.CycleFailed or ControllerAlarms.StoreFailed => NotifyEvent.CycleFailed,
            ControllerAlarms.DrUnderDelivering => NotifyEvent.DrMissed,
            _ => null, // miners_failing comes from the cycle with the configured share; the 4CP watch is not urgent
        };
        return kind is { } k ? new(k, $"Alarm: {a.Name.Replace('_', ' ')}", a.Detail, a.Since, site) : null;
    }

    private bool Once(string key) => _sent.Add(key);
}
