namespace Curtail.Controller.Safety;

/// <summary>A moment at which the site's target changes by itself: an override ends, an event is released, a deadline falls.</summary>
public sealed record ScheduledChange(DateTimeOffset At, string Reason, bool Urgent);

/// <summary>
/// One timer, always set to the earliest coming <see cref="ScheduledChange"/>, so that such a change is acted on at its
/// moment rather than at the next scheduled cycle. Each cycle hands it the changes it knows of; the timer is replaced
/// only when the earliest one moves.
/// </summary>
public sealed class ChangeAlarm(TimeProvider time, Action<ScheduledChange> fire) : IDisposable
{
    /// <summary>Fire a hair after the moment, so that "until" comparisons (now &lt; until) have flipped.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(1);

    private readonly Lock _lock = new();
    private ITimer? _timer;
    private ScheduledChange? _next;

    public ScheduledChange? Next { get { lock (_lock) return _next; } }

    public void Schedule(IEnumerable<ScheduledChange> changes, DateTimeOffset now)
    {
        var earliest = changes.Where(c => c.At > now).OrderBy(c => c.At).FirstOrDefault();
        lock (_lock)
        {
            if (earliest == _next) return;
            _timer?.Dispose();
            _timer = null;
            _next = earliest;
            if (earliest is null) return;
            _timer = time.CreateTimer(_ =>
            {
                lock (_lock) if (_next == earliest) _next = null;
                fire(earliest);
            }, null, earliest.At - now + Margin, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose()
    {
        lock (_lock) _timer?.Dispose();
    }
}
