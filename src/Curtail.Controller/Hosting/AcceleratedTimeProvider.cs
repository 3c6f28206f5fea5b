namespace Curtail.Controller.Hosting;

/// <summary>
/// A clock that starts at <c>start</c> and runs <c>speed</c> times faster than real time; timers are scaled too, so
/// Quartz, delays and timeouts all live in the accelerated world. The demo and end-to-end tests replay a historical
/// day in minutes with it; in production the service uses <see cref="TimeProvider.System"/>.
/// </summary>
public sealed class AcceleratedTimeProvider : TimeProvider
{
    private readonly DateTimeOffset _start;
    private readonly long _realStart;
    private readonly double _speed;

    public AcceleratedTimeProvider(DateTimeOffset start, double speed)
    {
        if (speed <= 0) throw new ArgumentOutOfRangeException(nameof(speed), speed, "speed must be positive");
        _start = start.ToUniversalTime();
        _speed = speed;
        _realStart = System.GetTimestamp();
    }

    public double Speed => _speed;

    public override DateTimeOffset GetUtcNow() =>
        _start + TimeSpan.FromTicks((long)(System.GetElapsedTime(_realStart).Ticks * _speed));

    public override long GetTimestamp() => (long)(System.GetTimestamp() * _speed);

    public override long TimestampFrequency => System.TimestampFrequency;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        System.CreateTimer(callback, state, Scale(dueTime), Scale(period));

    private TimeSpan Scale(TimeSpan t) =>
        t == Timeout.InfiniteTimeSpan ? t : TimeSpan.FromTicks(Math.Max(0, (long)(t.Ticks / _speed)));
}
