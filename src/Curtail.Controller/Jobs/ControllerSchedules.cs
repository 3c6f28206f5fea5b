using Curtail.Controller.Config;
using Curtail.Controller.Hosting;
using Curtail.Forecasting.FourCp;

namespace Curtail.Controller.Jobs;

/// <summary>When a job runs: on a cron expression (UTC or Central Time), or every fixed real-time interval.</summary>
public sealed record JobSchedule(string Job, string? Cron, TimeZoneInfo? Zone, TimeSpan? Every);

/// <summary>
/// The controller's schedules. In real time they follow ERCOT's clock: SPP polls a minute after each 15-minute interval,
/// the cycle every cycle interval, 4CP windows on the hour in Central Time. When the service replays the market in
/// accelerated time, Quartz still waits on the real clock (its waits are not driven by an injected clock), so every
/// schedule becomes a real-time interval divided by the replay speed; the jobs themselves read the replay clock.
/// </summary>
public static class ControllerSchedules
{
    private static readonly TimeZoneInfo Central = TimeZoneInfo.FindSystemTimeZoneById("America/Chicago");

    public static IReadOnlyList<JobSchedule> For(ControllerConfig config, TimeProvider time)
    {
        var speed = time is AcceleratedTimeProvider a ? a.Speed : 1;
        var accelerated = speed != 1;
        TimeSpan Scaled(TimeSpan t) => TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond * 20, (long)(t.Ticks / speed)));
        var list = new List<JobSchedule>
        {
            new("decision-cycle", null, null, Scaled(config.CycleInterval)),
            new("forecast-refresh", null, null, Scaled(TimeSpan.FromMinutes(15))),
            accelerated ? new("housekeeping", null, null, Scaled(TimeSpan.FromDays(1))) : new("housekeeping", "0 30 3 * * ?", Central, null),
        };
        if (config.Prices is not null)
        {
            list.Add(accelerated
                ? new("price-poll", null, null, Scaled(TimeSpan.FromMinutes(5)))
                : new("price-poll", "0 1/15 * * * ?", TimeZoneInfo.Utc, null));
            // Live, the SCED poll comes a minute after each run; replayed, the interval cannot be aligned to the runs,
            // so it polls every replay minute: a new run is found within a minute, as it would be live.
            list.Add(accelerated
                ? new("sced-poll", null, null, Scaled(TimeSpan.FromMinutes(1)))
                : new("sced-poll", "0 1/5 * * * ?", TimeZoneInfo.Utc, null));
            // The AS clearing prices of the same runs, half a minute later so the two polls do not queue on one connection.
            list.Add(accelerated
                ? new("mcpc-poll", null, null, Scaled(TimeSpan.FromMinutes(5)))
                : new("mcpc-poll", "30 1/5 * * * ?", TimeZoneInfo.Utc, null));
        }
        // The VTN answers in real seconds and its intervals are compared with the service clock at each poll, so the
        // poll is not scaled in a replay: a replayed interval is still seen within poll_seconds of real time.
        if (config.OpenAdr is { } openAdr) list.Add(new("openadr-poll", null, null, openAdr.PollInterval));
        // Active demand-response events against their ERS baselines, once a minute (the trace's resolution).
        list.Add(new("dr-performance", null, null, Scaled(TimeSpan.FromMinutes(1))));
        if (config.Genset is { } g) list.Add(new("genset-poll", null, null, Scaled(g.PollInterval)));
        // The demand-response load trace takes a genset poll as its reading when the genset carries the site's load;
        // without a genset, or beside a grid that carries the rest, it samples the miners.
        if ((config.Genset is null || config.Site.Sources.IsGridTiedWithGenset) && config.FleetFile is not null)
            list.Add(new("load-trace", null, null, Scaled(TimeSpan.FromSeconds(1))));
        // Configured windows and the 4CP watch both change the target on the hour: a cycle then, in the months they cover.
        var fourCpMonths = (config.FourCp?.Months ?? []).Concat(config.Site.FourCpEnabled ? config.Site.FourCp!.Rule.Months : []).Distinct().Order().ToList();
        if (fourCpMonths.Count > 0)
            list.Add(accelerated
                ? new("4cp-window", null, null, Scaled(TimeSpan.FromHours(1)))
                : new("4cp-window", $"0 0 * ? {string.Join(',', fourCpMonths)} *", Central, null));
        return list;
    }
}
