using Curtail.Core.Time;

namespace Curtail.Controller.DemandResponse;

/// <summary>One reading of the site's load, MW, at an instant (a decision cycle's measured load).</summary>
public readonly record struct LoadReading(DateTimeOffset Time, double LoadMw);

/// <summary>
/// An event's achieved reduction against one ERS baseline method: the baseline, the load the site drew from the
/// deadline on (from the 1-minute trace), the reduction that makes and the reduction the event asks for.
/// </summary>
/// <param name="Method">"middle-8-of-10" or "meter-before-meter-after".</param>
/// <param name="BaselineMw">What the site would have drawn without the event, by this method; null when it cannot be computed.</param>
/// <param name="EventLoadMw">Mean of the trace's minutes from the deadline to the release (or now).</param>
/// <param name="AchievedReductionMw">Baseline − event load.</param>
/// <param name="RequiredReductionMw">The event's reduction, or baseline − its target.</param>
/// <param name="DeliveryRatio">Achieved / required; null when nothing is required or either is unknown.</param>
/// <param name="UnderDelivering">Achieved below <see cref="EventBaselines.UnderDeliveryTolerance"/> of required.</param>
/// <param name="Detail">How the baseline was formed (days used), or why it could not be.</param>
public sealed record BaselineResult(string Method, double? BaselineMw, double? EventLoadMw, double? AchievedReductionMw, double? RequiredReductionMw,
    double? DeliveryRatio, bool UnderDelivering, string Detail);

/// <summary>An event's performance against every baseline method, and the warning the operator sees while it is short.</summary>
public sealed record EventPerformance(string EventId, DateTimeOffset EvaluatedAt, IReadOnlyList<BaselineResult> Baselines, bool UnderDelivering, string? Warning);

/// <summary>
/// ERCOT's ERS baseline methods (docs/demand-response.md, "Baselines", with the sources), applied to the load the
/// controller records: the per-minute trace of the event (<see cref="LoadTraceRecorder"/>) for the event itself, and
/// the decision cycles' measured load for the days and minutes before it.
/// <list type="bullet">
/// <item><b>Middle 8-of-10 like days</b>: the 10 most recent like days (weekdays that are not ERCOT holidays for such
/// an event, weekend days and ERCOT holidays for an event on one of those) before the event day that had no event of
/// their own and load for every 15-minute interval of the event window; the highest and the lowest day by their mean
/// load over the window are dropped and the baseline of each interval is the mean of the middle 8 days' load in it.
/// ERCOT's default baselines then get an event-day adjustment (<see cref="EventDayAdjustment"/>): the event day's load
/// in the hours before the instruction against the middle 8 days' load at the same times, added to the baseline.</item>
/// <item><b>Meter before / meter after</b>: the baseline is the site's mean load in the
/// <see cref="MeterBeforeWindow"/> before the instruction was received; the load after it is the trace from the deadline.</item>
/// </list>
/// </summary>
public static class EventBaselines
{
    public const string Middle8Of10 = "middle-8-of-10";
    public const string MeterBeforeMeterAfter = "meter-before-meter-after";

    /// <summary>An event delivering less than this share of its required reduction is under-delivering.</summary>
    public const double UnderDeliveryTolerance = 0.95;

    /// <summary>How far back like days are looked for.</summary>
    public const int LikeDayLookbackDays = 45;

    public static readonly TimeSpan MeterBeforeWindow = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(15);

    /// <summary>How far before an event's receipt the cycle readings must reach for every method.</summary>
    public static TimeSpan HistoryNeeded => TimeSpan.FromDays(LikeDayLookbackDays + 2);

    /// <summary>The part of an event its performance is judged on: from the deadline to the release (or now, while it runs).</summary>
    public static (DateTimeOffset From, DateTimeOffset To) PerformanceWindow(DispatchEvent e, DateTimeOffset now)
    {
        var end = e.ReleasedAt ?? e.ReleaseAt ?? now;
        if (end > now) end = now;
        return (e.Deadline, end);
    }

    /// <param name="history">The site's load readings, oldest first, from <see cref="HistoryNeeded"/> before the receipt to the receipt.</param>
    /// <param name="trace">The event's 1-minute trace.</param>
    /// <param name="otherEvents">Every other event, so their days are not taken as like days.</param>
    public static EventPerformance Evaluate(DispatchEvent e, IReadOnlyList<LoadTraceMinute> trace, IReadOnlyList<LoadReading> history,
        IReadOnlyList<DispatchEvent> otherEvents, DateTimeOffset now)
    {
        var (from, to) = PerformanceWindow(e, now);
        var minutes = trace.Where(m => m.MinuteStart >= from && m.MinuteStart < to).ToList();
        double? eventLoad = minutes.Count > 0 ? minutes.Average(m => m.LoadMw) : null;
        var noLoad = to <= from ? $"the deadline {from:u} has not passed" : $"no traced minute since the deadline {from:u}";
        var results = new[]
        {
            Judge(e, Middle8Of10, MiddleEightOfTen(e, from, to > from ? to : from + Interval, history, otherEvents), eventLoad, noLoad),
            Judge(e, MeterBeforeMeterAfter, MeterBefore(e, history), eventLoad, noLoad),
        };
        var short_ = results.Where(r => r.UnderDelivering).ToList();
        var active = e.ActiveAt(now);
        string? warning = short_.Count == 0 ? null
            : $"event {e.Id} {(active ? "is" : "was")} under-delivering: " + string.Join("; ", short_.Select(r =>
                $"{r.AchievedReductionMw:0.###} MW of the {r.RequiredReductionMw:0.###} MW required against {r.Method} ({r.DeliveryRatio:P0})"));
        return new EventPerformance(e.Id, now, results, short_.Count > 0, warning);
    }

    private static BaselineResult Judge(DispatchEvent e, string method, (double? Baseline, string Detail) b, double? eventLoad, string noLoad)
    {
        if (b.Baseline is not { } baseline) return new BaselineResult(method, null, eventLoad, null, null, null, false, b.Detail);
        var required = e.ReductionMw ?? (e.TargetMw is { } target ? Math.Max(0, baseline - target) : 0);
        if (eventLoad is not { } load) return new BaselineResult(method, baseline, null, null, required, null, false, $"{b.Detail}; {noLoad}");
        var achieved = baseline - load;
        double? ratio = required > 1e-9 ? achieved / required : null;
        return new BaselineResult(method, baseline, load, achieved, required, ratio, ratio < UnderDeliveryTolerance, b.Detail);
    }

    /// <summary>Mean load in the <see cref="MeterBeforeWindow"/> before the instruction.</summary>
    public static (double? BaselineMw, string Detail) MeterBefore(DispatchEvent e, IReadOnlyList<LoadReading> history)
    {
        var from = e.ReceivedAt - MeterBeforeWindow;
        var before = history.Where(r => r.Time >= from && r.Time < e.ReceivedAt).ToList();
        return before.Count == 0
            ? (null, $"no load reading in the {MeterBeforeWindow.TotalMinutes:0} minutes before the instruction ({from:u}..{e.ReceivedAt:u})")
            : (before.Average(r => r.LoadMw), $"mean of {before.Count} reading(s) in the {MeterBeforeWindow.TotalMinutes:0} minutes before the instruction");
    }

    /// <summary>
    /// The middle-8-of-10 like-day baseline over the event window [from, to), as the mean of its 15-minute intervals,
    /// with ERCOT's event-day adjustment when the event day and the middle 8 days have load in its window
    /// (<see cref="AdjustmentWindow"/>).
    /// </summary>
    public static (double? BaselineMw, string Detail) MiddleEightOfTen(DispatchEvent e, DateTimeOffset from, DateTimeOffset to,
        IReadOnlyList<LoadReading> history, IReadOnlyList<DispatchEvent> otherEvents)
    {
        var starts = IntervalStarts(from, to);
        var eventDay = CentralPrevailingTime.LocalDate(e.ReceivedAt);
        var offDay = IsWeekendOrHoliday(eventDay);
        var eventDays = otherEvents.Where(o => o.Id != e.Id)
            .SelectMany(o => DaysOf(o.ReceivedAt, o.ReleasedAt ?? o.ReleaseAt ?? o.ReceivedAt)).ToHashSet();
        var days = new List<(DateOnly Day, double[] Loads)>();
        var skippedHolidays = new List<DateOnly>();
        for (var d = eventDay.AddDays(-1); d >= eventDay.AddDays(-LikeDayLookbackDays) && days.Count < 10; d = d.AddDays(-1))
        {
            if (IsWeekendOrHoliday(d) != offDay || eventDays.Contains(d))
            {
                if (!offDay && ErcotHolidays.IsHoliday(d)) skippedHolidays.Add(d);
                continue;
            }
            if (DayLoads(d, eventDay, starts, history) is { } loads) days.Add((d, loads));
        }
        var kind = offDay ? "weekend days or ERCOT holidays" : "weekdays that are not ERCOT holidays";
        if (days.Count < 10)
            return (null, $"{days.Count} of the 10 like days ({kind}, without an event) have load for the event window in the {LikeDayLookbackDays} days before");
        var ranked = days.OrderBy(d => d.Loads.Average()).ToList();
        var middle = ranked.Skip(1).Take(8).ToList();
        var unadjusted = Enumerable.Range(0, starts.Count).Select(i => middle.Average(d => d.Loads[i])).Average();
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var detail = $"like days {string.Join(", ", days.Select(d => d.Day.ToString("MM-dd", inv)))}; " +
            $"dropped {ranked[0].Day:MM-dd} (lowest) and {ranked[^1].Day:MM-dd} (highest)" +
            (skippedHolidays.Count > 0 ? $"; holidays skipped {string.Join(", ", skippedHolidays.Select(d => d.ToString("MM-dd", inv)))}" : "");
        var (adjustment, adjustmentDetail) = EventDayAdjustment(e, eventDay, middle.Select(d => d.Day).ToList(), history);
        if (adjustment is not { } adj) return (unadjusted, $"{detail}; unadjusted {unadjusted:0.###} MW: {adjustmentDetail}");
        var adjusted = Math.Max(0, unadjusted + adj);
        return (adjusted, $"{detail}; unadjusted {unadjusted:0.###} MW, {adjustmentDetail}");
    }

    /// <summary>
    /// The event-day adjustment window: the <see cref="AdjustmentSpan"/> ending <see cref="AdjustmentLead"/> before the
    /// start of the 15-minute interval in which the instruction was received.
    /// </summary>
    public static (DateTimeOffset From, DateTimeOffset To) AdjustmentWindow(DispatchEvent e)
    {
        var received = new DateTimeOffset(e.ReceivedAt.UtcTicks - e.ReceivedAt.UtcTicks % Interval.Ticks, TimeSpan.Zero);
        return (received - AdjustmentLead - AdjustmentSpan, received - AdjustmentLead);
    }

    /// <summary>How long before the instruction the adjustment window ends (so the site's first response is not in it).</summary>
    public static readonly TimeSpan AdjustmentLead = TimeSpan.FromHours(1);

    /// <summary>How long the adjustment window is.</summary>
    public static readonly TimeSpan AdjustmentSpan = TimeSpan.FromHours(3);

    /// <summary>
    /// Additive event-day adjustment: the event day's mean load over the <see cref="AdjustmentWindow"/> minus the mean of
    /// the middle 8 like days' load over the same times of day. Null (with the reason) when an interval of the window
    /// has no reading on the event day or on one of the days.
    /// </summary>
    public static (double? AdjustmentMw, string Detail) EventDayAdjustment(DispatchEvent e, DateOnly eventDay, IReadOnlyList<DateOnly> middleDays,
        IReadOnlyList<LoadReading> history)
    {
        var (from, to) = AdjustmentWindow(e);
        var starts = IntervalStarts(from, to);
        var window = $"{CentralPrevailingTime.ToLocal(from):HH:mm}-{CentralPrevailingTime.ToLocal(to):HH:mm} CPT";
        var actual = new double[starts.Count];
        for (var i = 0; i < starts.Count; i++)
        {
            if (MeanIn(history, starts[i], starts[i] + Interval) is not { } mean)
                return (null, $"no event-day adjustment: no load reading on the event day in {CentralPrevailingTime.ToLocal(starts[i]):HH:mm} CPT of the adjustment window {window}");
            actual[i] = mean;
        }
        var like = new List<double[]>();
        foreach (var d in middleDays)
        {
            if (DayLoads(d, eventDay, starts, history) is not { } loads)
                return (null, $"no event-day adjustment: like day {d:MM-dd} has no load for all of the adjustment window {window}");
            like.Add(loads);
        }
        var actualMean = actual.Average();
        var likeMean = Enumerable.Range(0, starts.Count).Select(i => like.Average(l => l[i])).Average();
        var adjustment = actualMean - likeMean;
        return (adjustment, $"event-day adjustment {adjustment:+0.###;-0.###;0} MW (event day {actualMean:0.###} MW against the like days' {likeMean:0.###} MW in {window})");
    }

    private static List<DateTimeOffset> IntervalStarts(DateTimeOffset from, DateTimeOffset to)
    {
        var starts = new List<DateTimeOffset>();
        for (var t = new DateTimeOffset(from.UtcTicks - from.UtcTicks % Interval.Ticks, TimeSpan.Zero); t < to; t += Interval) starts.Add(t);
        return starts;
    }

    /// <summary>Weekends and ERCOT holidays are like days of each other; other weekdays are like days of each other.</summary>
    private static bool IsWeekendOrHoliday(DateOnly d) => IsWeekend(d) || ErcotHolidays.IsHoliday(d);

    private static bool IsWeekend(DateOnly d) => d.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;

    private static IEnumerable<DateOnly> DaysOf(DateTimeOffset from, DateTimeOffset to)
    {
        var last = CentralPrevailingTime.LocalDate(to < from ? from : to);
        for (var d = CentralPrevailingTime.LocalDate(from); d <= last; d = d.AddDays(1)) yield return d;
    }

    /// <summary>
    /// The day's mean load in each interval at the same CPT time of day (and the same day offset from the event day) as
    /// the event's, or null when one has no reading.
    /// </summary>
    private static double[]? DayLoads(DateOnly day, DateOnly eventDay, IReadOnlyList<DateTimeOffset> eventStarts, IReadOnlyList<LoadReading> history)
    {
        var loads = new double[eventStarts.Count];
        for (var i = 0; i < eventStarts.Count; i++)
        {
            var local = CentralPrevailingTime.ToLocal(eventStarts[i]);
            var dayOffset = DateOnly.FromDateTime(local.DateTime).DayNumber - eventDay.DayNumber;
            DateTimeOffset start;
            try
            {
                start = CentralPrevailingTime.LocalToUtc(day.AddDays(dayOffset), local.Hour, local.Minute, secondOccurrence: false);
            }
            catch (ArgumentException)
            {
                return null; // the time does not exist on that day (spring forward)
            }
            if (MeanIn(history, start, start + Interval) is not { } mean) return null;
            loads[i] = mean;
        }
        return loads;
    }

    /// <summary>Mean of the readings in [from, to) of a history sorted by time.</summary>
    private static double? MeanIn(IReadOnlyList<LoadReading> history, DateTimeOffset from, DateTimeOffset to)
    {
        int lo = 0, hi = history.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (history[mid].Time < from) lo = mid + 1; else hi = mid;
        }
        double sum = 0;
        var n = 0;
        for (var i = lo; i < history.Count && history[i].Time < to; i++) { sum += history[i].LoadMw; n++; }
        return n == 0 ? null : sum / n;
    }
}
