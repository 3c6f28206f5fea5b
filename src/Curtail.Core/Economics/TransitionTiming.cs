using Curtail.Core.Sites;

namespace Curtail.Core.Economics;

/// <summary>
/// Where the cost of a transition falls inside an interval. A wake draws nameplate power for <c>wake_minutes</c> before
/// hashing starts; a sleep draws nameplate power for <c>sleep_seconds</c> without hashing (boards shutting down).
/// Both are measured from the moment of the mode change.
/// </summary>
public readonly struct TransitionTiming
{
    private readonly long _wakeTicks;
    private readonly long _sleepTicks;

    public TransitionTiming(OperatingConstraints c)
    {
        _wakeTicks = (long)Math.Round(c.WakeMinutes * TimeSpan.TicksPerMinute);
        _sleepTicks = (long)Math.Round(c.SleepSeconds * TimeSpan.TicksPerSecond);
    }

    public long WakeTicks => _wakeTicks;
    public long SleepTicks => _sleepTicks;

    /// <summary>Hours of [elapsedAtStart, elapsedAtStart + length) that fall in the first <paramref name="spanTicks"/> after the change.</summary>
    public static double HoursWithin(long elapsedAtStartTicks, long lengthTicks, long spanTicks)
    {
        if (spanTicks <= 0 || elapsedAtStartTicks >= spanTicks) return 0;
        var overlap = Math.Min(spanTicks, elapsedAtStartTicks + lengthTicks) - Math.Max(0, elapsedAtStartTicks);
        return overlap <= 0 ? 0 : overlap / (double)TimeSpan.TicksPerHour;
    }

    public double WakeHours(long elapsedAtStartTicks, long lengthTicks) => HoursWithin(elapsedAtStartTicks, lengthTicks, _wakeTicks);

    public double SleepHours(long elapsedAtStartTicks, long lengthTicks) => HoursWithin(elapsedAtStartTicks, lengthTicks, _sleepTicks);
}
