using Curtail.Controller.Safety;
using Curtail.Controller.Storage;

namespace Curtail.Controller.DemandResponse;

/// <summary>
/// Judges demand-response events against ERCOT's ERS baselines (<see cref="EventBaselines"/>) from the store's records,
/// for the API, the dashboard and `curtail events list`, and raises the <see cref="ControllerAlarms.DrUnderDelivering"/>
/// alarm (notified as <c>dr_missed</c>) while an active event delivers less than it must.
/// </summary>
public sealed class EventPerformanceMonitor(ControllerStore store, TimeProvider time, ControllerAlarms? alarms = null)
{
    /// <summary>The event's performance now.</summary>
    public EventPerformance Evaluate(DispatchEvent e, IReadOnlyList<DispatchEvent>? events = null)
    {
        var now = time.GetUtcNow();
        var history = store.SiteLoadReadings(e.ReceivedAt - EventBaselines.HistoryNeeded, e.ReceivedAt);
        return EventBaselines.Evaluate(e, store.LoadTrace(e.Id), history, events ?? store.Events(), now);
    }

    /// <summary>Checks every active event; raises the alarm naming the short ones, or clears it. Returns their warnings.</summary>
    public IReadOnlyList<string> CheckActive()
    {
        var now = time.GetUtcNow();
        var events = store.Events();
        var warnings = events.Where(e => e.ActiveAt(now) && e.Deadline <= now)
            .Select(e => Evaluate(e, events)).Where(p => p.UnderDelivering).Select(p => p.Warning!).ToList();
        alarms?.Set(ControllerAlarms.DrUnderDelivering, warnings.Count > 0, string.Join(" | ", warnings), now);
        return warnings;
    }
}
