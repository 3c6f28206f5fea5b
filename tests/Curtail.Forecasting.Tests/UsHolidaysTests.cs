namespace Curtail.Forecasting.Tests;

/// <summary>The forecaster's holiday feature: the observed US federal holidays that change ERCOT's load shape.</summary>
public class UsHolidaysTests
{
    [Fact]
    public void The2021And2024ListsAreTheObservedFederalHolidays()
    {
        static List<DateOnly> Year(int y) =>
            Enumerable.Range(0, DateOnly.FromDateTime(new DateTime(y, 12, 31)).DayNumber - DateOnly.FromDateTime(new DateTime(y, 1, 1)).DayNumber + 1)
                .Select(i => new DateOnly(y, 1, 1).AddDays(i)).Where(UsHolidays.IsHoliday).ToList();

        // 2024: MLK Jan 15, Presidents' Day Feb 19, Memorial Day May 27, Labor Day Sep 2, Thanksgiving Nov 28 and the day after.
        Assert.Equal(
            [new(2024, 1, 1), new(2024, 1, 15), new(2024, 2, 19), new(2024, 5, 27), new(2024, 6, 19), new(2024, 7, 4), new(2024, 9, 2),
             new(2024, 11, 28), new(2024, 11, 29), new(2024, 12, 25)],
            Year(2024));
        // 2021: Juneteenth (a Saturday) observed on Friday Jun 18, Independence Day (a Sunday) on Monday Jul 5, Christmas
        // (a Saturday) on Friday Dec 24, and New Year's Day 2022 (a Saturday) on Friday Dec 31.
        Assert.Equal(
            [new(2021, 1, 1), new(2021, 1, 18), new(2021, 2, 15), new(2021, 5, 31), new(2021, 6, 18), new(2021, 7, 5), new(2021, 9, 6),
             new(2021, 11, 25), new(2021, 11, 26), new(2021, 12, 24), new(2021, 12, 31)],
            Year(2021));
    }
}
