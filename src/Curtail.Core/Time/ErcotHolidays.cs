using static Curtail.Core.Time.HolidayDates;

namespace Curtail.Core.Time;

/// <summary>
/// ERCOT's holidays: the days the Nodal Protocols' "Business Day" (§2.1) leaves out of Monday–Friday: New Year's Day,
/// Memorial Day, Independence Day, Labor Day, Thanksgiving Thursday and Friday, and two days at Christmas "as
/// designated from time to time by the ERCOT CEO". ERS time periods ("Monday through Friday except ERCOT Holidays")
/// and the like days of ERS baselines use the same list.
/// <para>
/// The CEO's two Christmas days are not published in a form we can read here; Curtail takes Christmas Eve and
/// Christmas Day. A fixed-date holiday on a Saturday is observed the Friday before and on a Sunday the Monday after
/// (the federal rule); if that lands on the other Christmas day the observed day moves on to the next weekday.
/// </para>
/// </summary>
public static class ErcotHolidays
{
    /// <summary>Whether <paramref name="date"/> (a CPT calendar date) is an observed ERCOT holiday.</summary>
    public static bool IsHoliday(DateOnly date) =>
        Of(date.Year).Contains(date) || (date.Month == 12 && Of(date.Year + 1).Contains(date)); // New Year's Day on a Saturday is observed on Dec 31

    /// <summary>The observed ERCOT holidays of a year, in date order.</summary>
    public static IReadOnlyList<DateOnly> Of(int year)
    {
        var days = new List<DateOnly>
        {
            Observed(new DateOnly(year, 1, 1)),
            LastWeekday(year, 5, DayOfWeek.Monday),            // Memorial Day
            Observed(new DateOnly(year, 7, 4)),
            NthWeekday(year, 9, DayOfWeek.Monday, 1),          // Labor Day
        };
        var thanksgiving = NthWeekday(year, 11, DayOfWeek.Thursday, 4);
        days.Add(thanksgiving);
        days.Add(thanksgiving.AddDays(1));
        var eve = Observed(new DateOnly(year, 12, 24));
        var christmas = Observed(new DateOnly(year, 12, 25));
        while (christmas == eve || IsWeekend(christmas)) christmas = christmas.AddDays(1);
        days.Add(eve);
        days.Add(christmas);
        days.Sort();
        return days;
    }

    private static bool IsWeekend(DateOnly d) => d.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
}
