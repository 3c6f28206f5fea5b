using NodaTime;

namespace Curtail.Core.Time;

/// <summary>
/// ERCOT labels everything in Central Prevailing Time (America/Chicago, with DST). This is the one place that
/// turns its labels into UTC; everything past ingest works on UTC instants only.
/// </summary>
public static class CentralPrevailingTime
{
    private static readonly DateTimeZone Zone = DateTimeZoneProviders.Tzdb["America/Chicago"];

    /// <summary>
    /// Start (UTC) of an ERCOT interval given by delivery date, hour ending (1..24), interval within the hour
    /// (1..intervalsPerHour) and the repeated-hour flag. On the fall-back day hour ending 2 occurs twice: the
    /// first copy is CDT (flag false), the second is CST (flag true). On the spring-forward day hour ending 3
    /// does not exist.
    /// </summary>
    public static DateTimeOffset IntervalStartUtc(DateOnly deliveryDate, int hourEnding, int interval, int intervalsPerHour, bool repeatedHour)
    {
        if (hourEnding is < 1 or > 24)
            throw new ArgumentOutOfRangeException(nameof(hourEnding), hourEnding, "hour ending must be 1..24");
        if (interval < 1 || interval > intervalsPerHour)
            throw new ArgumentOutOfRangeException(nameof(interval), interval, $"interval must be 1..{intervalsPerHour}");
        var minutesIntoHour = (interval - 1) * (60 / intervalsPerHour);
        return LocalToUtc(deliveryDate, hourEnding - 1, minutesIntoHour, repeatedHour);
    }

    /// <summary>UTC instant of a local wall-clock time; <paramref name="secondOccurrence"/> picks CST in the repeated hour.</summary>
    public static DateTimeOffset LocalToUtc(DateOnly date, int hour, int minute, bool secondOccurrence, int second = 0)
    {
        var local = new LocalDate(date.Year, date.Month, date.Day).AtMidnight().PlusHours(hour).PlusMinutes(minute).PlusSeconds(second);
        var mapping = Zone.MapLocal(local);
        ZonedDateTime zoned = mapping.Count switch
        {
            1 => mapping.Single(),
            2 => secondOccurrence ? mapping.Last() : mapping.First(),
            _ => throw new ArgumentException($"{local:yyyy-MM-dd HH:mm} does not exist in Central Prevailing Time (spring-forward gap)"),
        };
        if (mapping.Count == 1 && secondOccurrence)
            throw new ArgumentException($"{local:yyyy-MM-dd HH:mm} is flagged as the repeated hour but is not ambiguous");
        return zoned.ToDateTimeOffset().ToUniversalTime();
    }

    /// <summary>UTC instant of local midnight starting <paramref name="date"/> in Central Prevailing Time.</summary>
    public static DateTimeOffset StartOfDayUtc(DateOnly date) =>
        Zone.AtStartOfDay(new LocalDate(date.Year, date.Month, date.Day)).ToDateTimeOffset().ToUniversalTime();

    /// <summary>The Central Prevailing Time wall clock of a UTC instant.</summary>
    public static DateTimeOffset ToLocal(DateTimeOffset utc) =>
        Instant.FromDateTimeOffset(utc).InZone(Zone).ToDateTimeOffset();

    /// <summary>The CPT delivery date an instant falls in.</summary>
    public static DateOnly LocalDate(DateTimeOffset utc) => DateOnly.FromDateTime(ToLocal(utc).DateTime);

    /// <summary>Hours in a CPT calendar day: 23 on spring-forward, 25 on fall-back, else 24.</summary>
    public static int HoursInDay(DateOnly date) =>
        (int)Math.Round((StartOfDayUtc(date.AddDays(1)) - StartOfDayUtc(date)).TotalHours);
}
