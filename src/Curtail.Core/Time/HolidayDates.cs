namespace Curtail.Core.Time;

/// <summary>The date rules holiday calendars are made of (ERCOT's, and the US federal list the forecaster uses).</summary>
public static class HolidayDates
{
    /// <summary>A fixed-date holiday on a Saturday is observed the Friday before, on a Sunday the Monday after.</summary>
    public static DateOnly Observed(DateOnly d) => d.DayOfWeek switch
    {
        DayOfWeek.Saturday => d.AddDays(-1),
        DayOfWeek.Sunday => d.AddDays(1),
        _ => d,
    };

    /// <summary>The <paramref name="n"/>th <paramref name="day"/> of the month (Labor Day: the 1st Monday of September).</summary>
    public static DateOnly NthWeekday(int year, int month, DayOfWeek day, int n)
    {
        var first = new DateOnly(year, month, 1);
        var offset = ((int)day - (int)first.DayOfWeek + 7) % 7;
        return first.AddDays(offset + 7 * (n - 1));
    }

    /// <summary>The last <paramref name="day"/> of the month (Memorial Day: the last Monday of May).</summary>
    public static DateOnly LastWeekday(int year, int month, DayOfWeek day)
    {
        var last = new DateOnly(year, month, DateTime.DaysInMonth(year, month));
        return last.AddDays(-(((int)last.DayOfWeek - (int)day + 7) % 7));
    }
}
