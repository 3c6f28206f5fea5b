using Curtail.Core.Time;

namespace Curtail.Core.Tests.Time;

/// <summary>ERCOT's holidays, checked against the calendar by hand (weekday of each date looked up).</summary>
public sealed class ErcotHolidaysTests
{
    [Fact]
    public void TwentyTwentyFourHasEightWeekdayHolidays()
    {
        // New Year's Day Mon, Memorial Day last Monday of May, July 4 Thu, Labor Day first Monday of September,
        // Thanksgiving the fourth Thursday of November and the Friday after, Christmas Eve Tue and Christmas Day Wed.
        Assert.Equal(
            new[] { "2024-01-01", "2024-05-27", "2024-07-04", "2024-09-02", "2024-11-28", "2024-11-29", "2024-12-24", "2024-12-25" },
            ErcotHolidays.Of(2024).Select(d => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void AHolidayOnAWeekendIsObservedOnTheNearestWeekday()
    {
        // 2023: January 1 is a Sunday (observed Monday the 2nd); Christmas Eve a Sunday moves to Monday the 25th, which is
        // Christmas Day itself, so Christmas Day is observed Tuesday the 26th.
        Assert.Contains(new DateOnly(2023, 1, 2), ErcotHolidays.Of(2023));
        Assert.Contains(new DateOnly(2023, 12, 25), ErcotHolidays.Of(2023));
        Assert.Contains(new DateOnly(2023, 12, 26), ErcotHolidays.Of(2023));
        // 2022: January 1 a Saturday is observed Friday 2021-12-31; December 24 a Saturday on the 23rd, the 25th a Sunday on the 26th.
        Assert.True(ErcotHolidays.IsHoliday(new DateOnly(2021, 12, 31)));
        Assert.True(ErcotHolidays.IsHoliday(new DateOnly(2022, 12, 23)));
        Assert.True(ErcotHolidays.IsHoliday(new DateOnly(2022, 12, 26)));
        Assert.False(ErcotHolidays.IsHoliday(new DateOnly(2022, 12, 24)));
        Assert.False(ErcotHolidays.IsHoliday(new DateOnly(2024, 7, 5)));
        Assert.All(ErcotHolidays.Of(2022).Concat(ErcotHolidays.Of(2023)), d => Assert.InRange((int)d.DayOfWeek, 1, 5));
    }
}
