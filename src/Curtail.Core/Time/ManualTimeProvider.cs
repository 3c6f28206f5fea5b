namespace Curtail.Core.Time;

/// <summary>
/// A TimeProvider that only moves when told to, for tests and backtests. Timers (and so Task.Delay, WaitAsync and
/// CancellationTokenSource timeouts created with this provider) fire, in due order, while <see cref="Advance"/>
/// moves the clock past their due time. Thread-safe; callbacks run on the thread that advances the clock.
/// </summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now;

    public ManualTimeProvider(DateTimeOffset start) => _now = start.ToUniversalTime();

    public ManualTimeProvider() : this(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)) { }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate) return _now;
    }

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp()
    {
        lock (_gate) return _now.UtcTicks;
    }

    /// <summary>Number of armed timers (for tests that check nothing is left scheduled).</summary>
    public int ActiveTimerCount
    {
        get { lock (_gate) return _timers.Count(t => t.Due is not null); }
    }

    /// <summary>Moves the clock forward, firing every timer that falls due on the way at its own due time.</summary>
    public void Advance(TimeSpan by)
    {
        if (by < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(by), by, "time only moves forward");
        DateTimeOffset target;
        lock (_gate) target = _now + by;
        while (true)
        {
            ManualTimer? next;
            lock (_gate)
            {
                next = _timers.Where(t => t.Due is { } d && d <= target).OrderBy(t => t.Due).ThenBy(t => t.Sequence).FirstOrDefault();
                if (next is null)
                {
                    _now = target;
                    return;
                }
                if (next.Due!.Value > _now) _now = next.Due.Value;
                next.Due = next.Period > TimeSpan.Zero ? _now + next.Period : null;
            }
            next.Fire();
        }
    }

    /// <summary>Moves the clock to <paramref name="time"/> (not backwards), firing timers on the way.</summary>
    public void SetUtcNow(DateTimeOffset time)
    {
        var by = time - GetUtcNow();
        if (by < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(time), time, "time only moves forward");
        Advance(by);
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new ManualTimer(this, callback, state);
        lock (_gate)
        {
            timer.Sequence = _timers.Count == 0 ? 0 : _timers.Max(t => t.Sequence) + 1;
            _timers.Add(timer);
        }
        timer.Change(dueTime, period);
        return timer;
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset? Due;
        public TimeSpan Period;
        public long Sequence;

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._gate)
            {
                if (!owner._timers.Contains(this)) return false;
                Period = period == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : period;
                Due = dueTime == Timeout.InfiniteTimeSpan ? null : owner._now + dueTime;
                return true;
            }
        }

        public void Dispose()
        {
            lock (owner._gate) owner._timers.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
