namespace Curtail.Emulators.Miners;

/// <summary>
/// A clock tests move by hand. Only the wall clock is faked: timers still run in real time, so emulated network
/// delays are shortened with <see cref="EmulatorTiming.SpeedFactor"/> while ramps and dwell times jump with
/// <see cref="Advance"/>.
/// </summary>
public sealed class FakeTimeProvider : TimeProvider
{
    private long _ticks;

    public FakeTimeProvider(DateTimeOffset start) => _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
