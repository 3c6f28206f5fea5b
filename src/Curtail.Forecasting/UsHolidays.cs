using static Curtail.Core.Time.HolidayDates;

namespace Curtail.Forecasting;

/// <summary>NERC/US federal holidays that change ERCOT's load shape (observed dates).</summary>
public static class UsHolidays
{
    public static bool IsHoliday(DateOnly date)
    {
        var y = date.Year;
        return date == Observed(new DateOnly(y, 1, 1))
            || date == Observed(new DateOnly(y + 1, 1, 1))
            || date == NthWeekday(y, 1, DayOfWeek.Monday, 3)
            || date == NthWeekday(y, 2, DayOfWeek.Monday, 3)
            || date == LastWeekday(y, 5, DayOfWeek.Monday)
            || (y >= 2021 && date == Observed(new DateOnly(y, 6, 19)))
            || date == Observed(new DateOnly(y, 7, 4))
            || date == NthWeekday(y, 9, DayOfWeek.Monday, 1)
            || date == NthWeekday(y, 11, DayOfWeek.Thursday, 4)
            || date == NthWeekday(y, 11, DayOfWeek.Thursday, 4).AddDays(1)
            || date == Observed(new DateOnly(y, 12, 25));
    }
}
