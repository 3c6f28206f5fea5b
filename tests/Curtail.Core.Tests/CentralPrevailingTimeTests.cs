using Curtail.Core.Time;

namespace Curtail.Core.Tests;

public class CentralPrevailingTimeTests
{
    private static DateTimeOffset Utc(int y, int m, int d, int h, int min) => new(y, m, d, h, min, 0, TimeSpan.Zero);

    [Fact]
    public void HourEndingOneIntervalOneStartsAtLocalMidnight()
    {
        Assert.Equal(Utc(2023, 1, 10, 6, 0), CentralPrevailingTime.IntervalStartUtc(new DateOnly(2023, 1, 10), 1, 1, 4, false));
        Assert.Equal(Utc(2023, 8, 18, 0, 30), CentralPrevailingTime.IntervalStartUtc(new DateOnly(2023, 8, 17), 20, 3, 4, false));
    }

    [Fact]
    public void FallBackRepeatsHourEndingTwoWithTheFlagOnTheStandardTimeCopy()
    {
        var day = new DateOnly(2021, 11, 7);
        Assert.Equal(Utc(2021, 11, 7, 6, 0), CentralPrevailingTime.IntervalStartUtc(day, 2, 1, 4, repeatedHour: false));
        Assert.Equal(Utc(2021, 11, 7, 7, 0), CentralPrevailingTime.IntervalStartUtc(day, 2, 1, 4, repeatedHour: true));
        Assert.Equal(25, CentralPrevailingTime.HoursInDay(day));
    }

    [Fact]
    public void SpringForwardHasNoHourEndingThree()
    {
        var day = new DateOnly(2021, 3, 14);
        Assert.Equal(23, CentralPrevailingTime.HoursInDay(day));
        Assert.Throws<ArgumentException>(() => CentralPrevailingTime.IntervalStartUtc(day, 3, 1, 4, false));
        Assert.Equal(Utc(2021, 3, 14, 8, 0), CentralPrevailingTime.IntervalStartUtc(day, 4, 1, 4, false));
    }

    [Fact]
    public void AFlagOnAnUnambiguousHourIsAnError() =>
        Assert.Throws<ArgumentException>(() => CentralPrevailingTime.IntervalStartUtc(new DateOnly(2021, 7, 1), 5, 1, 4, true));

    [Theory]
    [InlineData(0, 1)]
    [InlineData(25, 1)]
    [InlineData(5, 5)]
    public void OutOfRangeLabelsAreRejected(int hourEnding, int interval) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => CentralPrevailingTime.IntervalStartUtc(new DateOnly(2021, 7, 1), hourEnding, interval, 4, false));

    [Fact]
    public void LocalDateOfAnInstant() =>
        Assert.Equal(new DateOnly(2023, 8, 17), CentralPrevailingTime.LocalDate(Utc(2023, 8, 18, 4, 59)));
}
