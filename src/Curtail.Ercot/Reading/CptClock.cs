using Curtail.Core.Time;

namespace Curtail.Ercot.Reading;

/// <summary>
/// Turns ERCOT's Central Prevailing Time labels into UTC ticks. Rows arrive day by day, so it caches the current
/// day: on an ordinary 24-hour day a label is plain arithmetic from local midnight; only the two DST-change days
/// a year go through <see cref="CentralPrevailingTime"/>, which knows the gap and the repeated hour.
/// Not thread-safe: one per file being read.
/// </summary>
internal sealed class CptClock
{
    private int _dayNumber = -1;
    private long _dayStartUtcTicks;
    private bool _ordinaryDay;

    /// <summary>UTC ticks of a local wall-clock time on a delivery date; false with a reason when it does not exist.</summary>
    public bool TryToUtcTicks(DateOnly date, int secondsIntoDay, bool repeatedHour, out long utcTicks, out string? error)
    {
        if (date.DayNumber != _dayNumber)
        {
            _dayNumber = date.DayNumber;
            _dayStartUtcTicks = CentralPrevailingTime.StartOfDayUtc(date).UtcTicks;
            _ordinaryDay = CentralPrevailingTime.HoursInDay(date) == 24;
        }
        error = null;
        if (_ordinaryDay)
        {
            utcTicks = _dayStartUtcTicks + secondsIntoDay * TimeSpan.TicksPerSecond;
            if (!repeatedHour) return true;
            error = $"{date:MM/dd/yyyy} is not a fall-back day, yet the row is flagged as the repeated hour";
            return false;
        }
        try
        {
            utcTicks = CentralPrevailingTime.LocalToUtc(date, secondsIntoDay / 3600, secondsIntoDay / 60 % 60, repeatedHour, secondsIntoDay % 60).UtcTicks;
            return true;
        }
        catch (ArgumentException e)
        {
            utcTicks = 0;
            error = e.Message;
            return false;
        }
    }

    /// <summary>UTC ticks of local midnight starting a CPT date.</summary>
    public static long StartOfDayTicks(DateOnly date) => CentralPrevailingTime.StartOfDayUtc(date).UtcTicks;
}
