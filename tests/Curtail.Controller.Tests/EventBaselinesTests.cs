using Curtail.Controller.DemandResponse;
using Curtail.Controller.Notifications;
using Curtail.Controller.Safety;
using Curtail.Controller.Storage;
using Curtail.Core.Time;
using Microsoft.Extensions.Logging.Abstractions;

namespace Curtail.Controller.Tests;

/// <summary>
/// ERCOT's ERS baselines worked by hand. The event: received Wednesday 2024-07-17 14:00 CDT, deadline 14:10, released
/// 14:40, so its window is the intervals 14:00, 14:15 and 14:30. The weekdays before it, newest first, skipping
/// 07-10 (another event): 07-16, 07-15, 07-12, 07-11, 07-09, 07-08, 07-05, 07-04, 07-03, 07-02. Day k of those draws
/// k MW all afternoon; the weekend, the event day 07-10 and the 11th weekday 07-01 draw far more, and must not count.
/// Middle 8 of 10: drop 1 MW and 10 MW, mean of 2..9 = 5.5 MW.
/// </summary>
public sealed class EventBaselinesTests
{
    private static readonly DateOnly EventDay = new(2024, 7, 17);
    private static readonly DateTimeOffset Received = CentralPrevailingTime.LocalToUtc(EventDay, 14, 0, false);
    private static readonly DateOnly[] LikeDays = [.. new[] { 16, 15, 12, 11, 9, 8, 5, 3, 2, 1 }.Select(d => new DateOnly(2024, 7, d))];

    private static DispatchEvent Event(double? reduction = 3.0, double? target = null, string id = "ers10-a") => new()
    {
        Id = id, Program = DemandResponseProgram.Ers10, ReceivedAt = Received, AcknowledgedAt = Received, Deadline = Received.AddMinutes(10),
        ReleaseAt = Received.AddMinutes(40), ReductionMw = reduction, TargetMw = target, BaselineMw = 5,
    };

    private static DispatchEvent OtherEventOn(DateOnly day)
    {
        var at = CentralPrevailingTime.LocalToUtc(day, 9, 0, false);
        return new DispatchEvent { Id = "other", Program = DemandResponseProgram.Ers30, ReceivedAt = at, Deadline = at.AddMinutes(30), ReleasedAt = at.AddHours(1), BaselineMw = 5 };
    }

    /// <summary>
    /// A reading every 5 minutes from 13:00 to 16:00 CDT on each day, at that day's load. With
    /// <paramref name="morningOnEventDay"/>, each day also draws half its afternoon load from 10:00 to 13:00 (the event
    /// day's adjustment window) and the event day draws that many MW then.
    /// </summary>
    private static List<LoadReading> History(bool withEleventhDay = true, int likeDays = 10, double? morningOnEventDay = null)
    {
        var loads = new Dictionary<DateOnly, double>();
        for (var k = 0; k < likeDays; k++) loads[LikeDays[k]] = k + 1;
        loads[new DateOnly(2024, 7, 13)] = 100; // Saturday
        loads[new DateOnly(2024, 7, 14)] = 100; // Sunday
        loads[new DateOnly(2024, 7, 10)] = 50;  // another event's day
        loads[new DateOnly(2024, 7, 4)] = 300;  // Independence Day
        if (withEleventhDay) loads[new DateOnly(2024, 6, 28)] = 200;
        var readings = new List<LoadReading>();
        foreach (var (day, mw) in loads)
        {
            for (var m = 0; m < 180; m += 5)
                readings.Add(new LoadReading(CentralPrevailingTime.LocalToUtc(day, 13, 0, false).AddMinutes(m), mw));
            if (morningOnEventDay is not null)
                for (var m = 0; m < 180; m += 5)
                    readings.Add(new LoadReading(CentralPrevailingTime.LocalToUtc(day, 10, 0, false).AddMinutes(m), mw / 2));
        }
        if (morningOnEventDay is { } morning)
            for (var m = 0; m < 180; m += 5)
                readings.Add(new LoadReading(CentralPrevailingTime.LocalToUtc(EventDay, 10, 0, false).AddMinutes(m), morning));
        // The event day before the instruction: 4, 5 and 6 MW in the 15 minutes before it (mean 5), 9 MW earlier.
        readings.Add(new LoadReading(Received.AddMinutes(-30), 9));
        readings.Add(new LoadReading(Received.AddMinutes(-15), 4));
        readings.Add(new LoadReading(Received.AddMinutes(-10), 5));
        readings.Add(new LoadReading(Received.AddMinutes(-5), 6));
        return [.. readings.OrderBy(r => r.Time)];
    }

    /// <summary>The event's trace: 6 MW while ramping (before the deadline), then <paramref name="mw"/> until the release.</summary>
    private static List<LoadTraceMinute> Trace(double mw, int minutes = 40) => [.. Enumerable.Range(0, minutes)
        .Select(i => new LoadTraceMinute("ers10-a", Received.AddMinutes(i), i < 10 ? 6 : mw, 60, LoadTraceSource.Genset))];

    [Fact]
    public void MiddleEightOfTenDropsTheHighestAndLowestOfTheTenLatestLikeDaysWithoutEvents()
    {
        var (baseline, detail) = EventBaselines.MiddleEightOfTen(Event(), Received.AddMinutes(10), Received.AddMinutes(40), History(), [OtherEventOn(new DateOnly(2024, 7, 10))]);
        Assert.Equal(5.5, baseline!.Value, 9);
        Assert.Contains("dropped 07-16 (lowest) and 07-01 (highest)", detail, StringComparison.Ordinal);
        Assert.Contains("holidays skipped 07-04", detail, StringComparison.Ordinal);
        // The event day has no load from 10:00 to 13:00 in this history: the baseline is left unadjusted and says why.
        Assert.Contains("no event-day adjustment: no load reading on the event day in 10:00 CPT of the adjustment window 10:00-13:00 CPT", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void TheEventDayAdjustmentAddsTheEventDaysExcessOverTheLikeDaysInTheThreeHoursEndingAnHourBeforeTheInstruction()
    {
        // Received 14:00: the adjustment window is 10:00-13:00. The middle 8 days (loads 2..9) drew half as much then:
        // mean 5.5 / 2 = 2.75 MW. The event day drew 4 MW: adjustment +1.25 MW, baseline 5.5 + 1.25 = 6.75 MW.
        var history = History(morningOnEventDay: 4.0);
        var (baseline, detail) = EventBaselines.MiddleEightOfTen(Event(), Received.AddMinutes(10), Received.AddMinutes(40), history, [OtherEventOn(new DateOnly(2024, 7, 10))]);
        Assert.Equal(6.75, baseline!.Value, 9);
        Assert.Contains("unadjusted 5.5 MW, event-day adjustment +1.25 MW (event day 4 MW against the like days' 2.75 MW in 10:00-13:00 CPT)", detail, StringComparison.Ordinal);
        var (adjustment, _) = EventBaselines.EventDayAdjustment(Event(), EventDay, [.. LikeDays.Skip(1).Take(8)], history);
        Assert.Equal(1.25, adjustment!.Value, 9);

        // A site running below its like days before the instruction gets a lower baseline: 1 MW -> -1.75 -> 3.75 MW.
        var (lower, _) = EventBaselines.MiddleEightOfTen(Event(), Received.AddMinutes(10), Received.AddMinutes(40), History(morningOnEventDay: 1.0), [OtherEventOn(new DateOnly(2024, 7, 10))]);
        Assert.Equal(3.75, lower!.Value, 9);

        // Judged on it: load 2 MW after the deadline, 3 MW asked: 6.75 - 2 = 4.75 achieved (158 %).
        var p = EventBaselines.Evaluate(Event(reduction: 3.0), Trace(2.0), history, [OtherEventOn(new DateOnly(2024, 7, 10))], Received.AddHours(1));
        Assert.Equal(4.75, p.Baselines.Single(b => b.Method == EventBaselines.Middle8Of10).AchievedReductionMw!.Value, 9);
    }

    [Fact]
    public void AnEventOnAnErcotHolidayTakesWeekendDaysAndHolidaysAsItsLikeDays()
    {
        // Labor Day, Monday 2024-09-02, 14:00 CDT. Like days, newest first: 09-01, 08-31, 08-25, 08-24, 08-18, 08-17,
        // 08-11, 08-10, 08-04, 08-03, drawing 1..10 MW; the weekdays between draw 100 MW and must not count.
        var day = new DateOnly(2024, 9, 2);
        var at = CentralPrevailingTime.LocalToUtc(day, 14, 0, false);
        var e = new DispatchEvent { Id = "ers30-labor", Program = DemandResponseProgram.Ers30, ReceivedAt = at, Deadline = at.AddMinutes(30), ReleaseAt = at.AddHours(1), ReductionMw = 1, BaselineMw = 5 };
        var likeDays = new[] { (9, 1), (8, 31), (8, 25), (8, 24), (8, 18), (8, 17), (8, 11), (8, 10), (8, 4), (8, 3) }.Select(d => new DateOnly(2024, d.Item1, d.Item2)).ToList();
        var readings = new List<LoadReading>();
        for (var d = day.AddDays(-40); d < day; d = d.AddDays(1))
        {
            var index = likeDays.IndexOf(d);
            for (var m = 0; m < 180; m += 5)
                readings.Add(new LoadReading(CentralPrevailingTime.LocalToUtc(d, 13, 0, false).AddMinutes(m), index >= 0 ? index + 1 : 100));
        }
        var (baseline, detail) = EventBaselines.MiddleEightOfTen(e, at.AddMinutes(30), at.AddHours(1), readings, []);
        Assert.Equal(5.5, baseline!.Value, 9);
        Assert.StartsWith("like days 09-01, 08-31, 08-25, 08-24, 08-18, 08-17, 08-11, 08-10, 08-04, 08-03; dropped 09-01 (lowest) and 08-03 (highest)", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEventDayIsNotALikeDay()
    {
        // Without the other event, 07-10 (50 MW) is the 5th like day and 07-01 drops out: the days are 07-16..07-02
        // with loads 1,2,3,4,50,5,6,7,8,9 -> drop 1 and 50 -> mean of 2..9 = 5.5 still, but 07-10 is among the days used.
        var (_, detail) = EventBaselines.MiddleEightOfTen(Event(), Received.AddMinutes(10), Received.AddMinutes(40), History(), []);
        Assert.Contains("07-10", detail, StringComparison.Ordinal);
        Assert.Contains("dropped 07-16 (lowest) and 07-10 (highest)", detail, StringComparison.Ordinal);
        var (_, withEvent) = EventBaselines.MiddleEightOfTen(Event(), Received.AddMinutes(10), Received.AddMinutes(40), History(), [OtherEventOn(new DateOnly(2024, 7, 10))]);
        Assert.DoesNotContain("07-10", withEvent, StringComparison.Ordinal);
    }

    [Fact]
    public void FewerThanTenLikeDaysGiveNoBaselineAndSaySo()
    {
        var (baseline, detail) = EventBaselines.MiddleEightOfTen(Event(), Received.AddMinutes(10), Received.AddMinutes(40),
            History(withEleventhDay: false, likeDays: 9), [OtherEventOn(new DateOnly(2024, 7, 10))]);
        Assert.Null(baseline);
        Assert.Contains("9 of the 10 like days", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void MeterBeforeIsTheMeanLoadInTheFifteenMinutesBeforeTheInstruction()
    {
        var (baseline, _) = EventBaselines.MeterBefore(Event(), History());
        Assert.Equal(5.0, baseline!.Value, 9);
        var (none, why) = EventBaselines.MeterBefore(Event(), []);
        Assert.Null(none);
        Assert.Contains("no load reading in the 15 minutes before the instruction", why, StringComparison.Ordinal);
    }

    [Fact]
    public void AReductionEventThatDeliversIsNotShort()
    {
        // Load 2 MW after the deadline: 8-of-10 gives 5.5 - 2 = 3.5 of 3.0 MW (117 %), meter-before 5 - 2 = 3.0 of 3.0 (100 %).
        var p = EventBaselines.Evaluate(Event(reduction: 3.0), Trace(2.0), History(), [OtherEventOn(new DateOnly(2024, 7, 10))], Received.AddHours(1));
        var eight = p.Baselines.Single(b => b.Method == EventBaselines.Middle8Of10);
        var mbma = p.Baselines.Single(b => b.Method == EventBaselines.MeterBeforeMeterAfter);
        Assert.Equal(2.0, eight.EventLoadMw!.Value, 9); // the ramp minutes before the deadline are not counted
        Assert.Equal(3.5, eight.AchievedReductionMw!.Value, 9);
        Assert.Equal(3.5 / 3.0, eight.DeliveryRatio!.Value, 9);
        Assert.Equal(3.0, mbma.AchievedReductionMw!.Value, 9);
        Assert.Equal(1.0, mbma.DeliveryRatio!.Value, 9);
        Assert.False(p.UnderDelivering);
        Assert.Null(p.Warning);
    }

    [Fact]
    public void ATargetEventAboveItsTargetIsUnderDeliveringAgainstBothBaselines()
    {
        // Target 2.5 MW, load 2.9: 8-of-10 requires 5.5 - 2.5 = 3.0 and gets 2.6 (87 %); meter-before requires 2.5, gets 2.1 (84 %).
        var p = EventBaselines.Evaluate(Event(reduction: null, target: 2.5), Trace(2.9), History(), [OtherEventOn(new DateOnly(2024, 7, 10))], Received.AddMinutes(30));
        var eight = p.Baselines.Single(b => b.Method == EventBaselines.Middle8Of10);
        var mbma = p.Baselines.Single(b => b.Method == EventBaselines.MeterBeforeMeterAfter);
        Assert.Equal(3.0, eight.RequiredReductionMw!.Value, 9);
        Assert.Equal(2.6, eight.AchievedReductionMw!.Value, 9);
        Assert.True(eight.UnderDelivering);
        Assert.Equal(2.5, mbma.RequiredReductionMw!.Value, 9);
        Assert.Equal(2.1 / 2.5, mbma.DeliveryRatio!.Value, 9);
        Assert.True(p.UnderDelivering);
        Assert.StartsWith("event ers10-a is under-delivering: 2.6 MW of the 3 MW required against middle-8-of-10", p.Warning, StringComparison.Ordinal);
    }

    [Fact]
    public void BeforeTheDeadlineNothingIsJudged()
    {
        var p = EventBaselines.Evaluate(Event(), Trace(6, minutes: 8), History(), [], Received.AddMinutes(8));
        Assert.False(p.UnderDelivering);
        Assert.All(p.Baselines, b => Assert.Null(b.AchievedReductionMw));
        Assert.Contains("has not passed", p.Baselines.Single(b => b.Method == EventBaselines.MeterBeforeMeterAfter).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void TheMonitorRaisesTheUnderDeliveryAlarmFromTheStoreAndItIsNotifiedAsAMissedDispatch()
    {
        var db = Path.Combine(Path.GetTempPath(), $"curtail-baselines-{Guid.NewGuid():N}.db");
        using var store = ControllerStore.Sqlite(db);
        // The cycles' measured load is the history: 5 MW in the 15 minutes before the instruction.
        var n = 0;
        foreach (var r in History())
            store.SaveCycle(new CycleRecord($"c{n++}", r.Time, "schedule", r.LoadMw * 1000, r.LoadMw * 1000, "price", r.LoadMw * 1000, null, "{}", "{}", "[]"));
        var e = Event(reduction: null, target: 2.5) with { ReleaseAt = Received.AddHours(2) };
        store.SaveEvent(e);
        foreach (var m in Trace(2.9, minutes: 30)) store.SaveTraceMinute(m);
        var time = new ManualTimeProvider(Received.AddMinutes(30));
        var alarms = new ControllerAlarms(NullLogger<ControllerAlarms>.Instance);
        ControllerAlarm? raised = null;
        alarms.Raised += a => raised = a;
        var monitor = new EventPerformanceMonitor(store, time, alarms);

        var warnings = monitor.CheckActive();

        Assert.Single(warnings);
        Assert.True(alarms.IsActive(ControllerAlarms.DrUnderDelivering));
        Assert.Contains("meter-before-meter-after", raised!.Detail, StringComparison.Ordinal);
        var notice = new NotificationRules("site", 50).FromAlarm(raised);
        Assert.Equal(NotifyEvent.DrMissed, notice!.Event);

        // The site sheds more: from minute 30 on it draws 1 MW; by minute 60 the mean since the deadline is
        // (20 x 2.9 + 30 x 1) / 50 = 1.76 MW: 3.24 of 2.5 MW against meter-before, and the alarm clears.
        for (var i = 30; i < 60; i++) store.SaveTraceMinute(new LoadTraceMinute(e.Id, Received.AddMinutes(i), 1.0, 60, LoadTraceSource.Genset));
        time.Advance(TimeSpan.FromMinutes(30));
        Assert.Empty(monitor.CheckActive());
        Assert.False(alarms.IsActive(ControllerAlarms.DrUnderDelivering));
    }
}
