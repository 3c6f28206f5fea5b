using Curtail.Controller.Safety;
using Curtail.Core.Time;
using Microsoft.Extensions.Logging.Abstractions;

namespace Curtail.Controller.Tests;

public class ChangeAlarmTests
{
    private static readonly DateTimeOffset Start = new(2024, 5, 8, 20, 0, 0, TimeSpan.Zero);

    [Fact]
    public void FiresAtTheEarliestChangeAndOnlyOnce()
    {
        var time = new ManualTimeProvider(Start);
        var fired = new List<(DateTimeOffset At, ScheduledChange Change)>();
        using var alarm = new ChangeAlarm(time, c => fired.Add((time.GetUtcNow(), c)));
        alarm.Schedule([new(Start.AddMinutes(20), "release:e1", false), new(Start.AddMinutes(7), "override:end", false), new(Start.AddMinutes(-1), "past", true)], Start);
        Assert.Equal("override:end", alarm.Next!.Reason);

        time.Advance(TimeSpan.FromMinutes(7) - TimeSpan.FromMilliseconds(1));
        Assert.Empty(fired);
        time.Advance(TimeSpan.FromMilliseconds(2));
        var (at, change) = Assert.Single(fired);
        Assert.Equal("override:end", change.Reason);
        Assert.True(at > Start.AddMinutes(7), "the change is acted on once its moment has passed");
        Assert.Null(alarm.Next);
        time.Advance(TimeSpan.FromHours(1));
        Assert.Single(fired);
    }

    [Fact]
    public void AnEarlierChangeReplacesTheTimerAndAGoneOneCancelsIt()
    {
        var time = new ManualTimeProvider(Start);
        var fired = new List<string>();
        using var alarm = new ChangeAlarm(time, c => fired.Add(c.Reason));
        alarm.Schedule([new(Start.AddMinutes(30), "override:end", false)], Start);
        alarm.Schedule([new(Start.AddMinutes(30), "override:end", false), new(Start.AddMinutes(10), "deadline:e2", true)], Start);
        time.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal(["deadline:e2"], fired);
        // The override was cleared before its end: nothing is left to fire.
        alarm.Schedule([], time.GetUtcNow());
        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(["deadline:e2"], fired);
    }
}

public class ControllerAlarmsTests
{
    [Fact]
    public void AnAlarmIsRaisedOnceRefreshedAndCleared()
    {
        var alarms = new ControllerAlarms(NullLogger<ControllerAlarms>.Instance);
        var t0 = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        alarms.Raise(ControllerAlarms.PricesStale, "last settled price ended 25 min ago", t0);
        alarms.Raise(ControllerAlarms.PricesStale, "last settled price ended 30 min ago", t0.AddMinutes(5));
        var a = Assert.Single(alarms.Active);
        Assert.Equal(t0, a.Since);
        Assert.Equal("last settled price ended 30 min ago", a.Detail);
        alarms.Clear(ControllerAlarms.PricesStale);
        Assert.Empty(alarms.Active);
    }
}
