namespace Curtail.Forecasting;

/// <summary>NERC/US federal holidays that change ERCOT's load shape (observed dates).</summary>
public static class UsHolidays
{
    public static bool IsHoliday(DateOnly date)
    {
        var y = date.Year;
        return date == Observed(new DateOnly(y, 1, 1))
            || date == Observed(new DateOnly(y + 1, 1, 1))
            || date == Nth(y, 1, DayOfWeek.Monday, 3)
            || date == Nth(y, 2, DayOfWeek.Monday, 3)
            || date == Last(y, 5, DayOfWeek.Monday)
            || (y >= 2021 && date == Observed(new DateOnly(y, 6, 19)))
            || date == Observed(new DateOnly(y, 7, 4))
            || date == Nth(y, 9, DayOfWeek.Monday, 1)
            || date == Nth(y, 11, DayOfWeek.Thursday, 4)
            || date == Nth(y, 11, DayOfWeek.Thursday, 4).AddDays(1)
            || date == Observed(new DateOnly(y, 12, 25));
    }

    private static DateOnly Observed(DateOnly d) => d.DayOfWeek switch
    {
        DayOfWeek.Saturday => d.AddDays(-1),
        DayOfWeek.Sunday => d.AddDays(1),
        _ => d,
    };

    private static DateOnly Nth(int year, int month, DayOfWeek day, int n)
    {
        var first = new DateOnly(year, month, 1);
        var offset = ((int)day - (int)first.DayOfWeek + 7) % 7;
        return first.AddDays(offset + 7 * (n - 1));
    }

    private static DateOnly Last(int year, int month, DayOfWeek day)
    {
        var last = new DateOnly(year, month, DateTime.DaysInMonth(year, month));
        var offset = ((int)last.DayOfWeek - (int)day + 7) % 7;
        return last.AddDays(-offset);
    }
}
