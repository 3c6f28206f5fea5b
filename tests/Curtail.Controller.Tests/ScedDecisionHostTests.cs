using System.Diagnostics;
using System.Text.Json;
using Curtail.Controller.Config;
using Curtail.Controller.Hosting;
using Curtail.Core.Time;
using Curtail.Emulators.Ercot;
using Curtail.Ercot;
using Curtail.Ercot.Api;
using Curtail.Forecasting.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace Curtail.Controller.Tests;

/// <summary>
/// The controller on ERCOT's 5-minute SCED clock, against the ERCOT emulator replaying the HB_WEST spike of 2024-05-08:
/// the 17:05:15 CDT SCED run ($1,731.50) is the first above the $1,000 strike, while the last settled interval (16:45,
/// $282.53) is far below it and the 17:00 interval settles only after 17:15.
/// </summary>
public sealed class ScedDecisionHostTests
{
    private static readonly TimeSpan Cdt = TimeSpan.FromHours(-5);
    private static readonly DateTimeOffset FirstAboveStrike = new(2024, 5, 8, 17, 5, 15, Cdt);

    [Fact]
    public async Task TheSitecutsWithinSecondsOfTheScedPollThatBringsTheFirstLmpAboveTheStrike()
    {
        await using var site = await Site.StartAsync(new DateTimeOffset(2024, 5, 8, 17, 2, 0, Cdt), confirm: 1);
        var before = await site.SettledAsync();
        Assert.Equal(1000, before.GetProperty("target_kw").GetDouble());
        Assert.Equal("settled", Acted(before).Source);
        Assert.Equal(282.53, Acted(before).Price, 2);

        // 17:06: the 17:05:15 run is published; the SCED poll brings it and a cycle follows at once.
        var clock = Stopwatch.StartNew();
        var cut = await site.AdvanceAndPollAsync(new DateTimeOffset(2024, 5, 8, 17, 6, 0, Cdt), "sced-poll", "price:sced");
        var elapsed = clock.Elapsed;
        Assert.True(elapsed < TimeSpan.FromSeconds(10), $"the cycle came {elapsed.TotalSeconds:F1} s after the poll");
        Assert.Equal(0, cut.GetProperty("target_kw").GetDouble());
        Assert.Equal("price", cut.GetProperty("limited_by").GetString());
        var acted = Acted(cut);
        Assert.Equal(("sced", FirstAboveStrike, 1731.5), (acted.Source, acted.Time, acted.Price));
        Assert.Contains("above_strike", cut.GetProperty("limits").GetRawText());
        // Decided on SCED, not on a settled price: the last settled interval is still the 16:45 one, below the strike.
        var record = await site.RecordAsync(cut);
        Assert.Equal(new DateTimeOffset(2024, 5, 8, 16, 45, 0, Cdt), record.GetProperty("inputs").GetProperty("last_settled_interval_start").GetDateTimeOffset());
        Assert.True(record.GetProperty("inputs").GetProperty("settled_prices_tail").EnumerateArray().Last().GetDouble() < 1000);

        // /api/status says which price the site acts on, and carries the RTD look-ahead of the run.
        var status = JsonDocument.Parse(await site.Http.GetStringAsync("/api/status")).RootElement;
        Assert.Equal(1731.5, status.GetProperty("last_decision").GetProperty("acted_on").GetProperty("price").GetDouble());
        Assert.Equal("sced", status.GetProperty("last_decision").GetProperty("acted_on").GetProperty("source").GetString());
        JsonElement rtd = default;
        for (var i = 0; i < 100 && rtd.ValueKind != JsonValueKind.Array; i++)
        {
            rtd = JsonDocument.Parse(await site.Http.GetStringAsync("/api/status")).RootElement.GetProperty("prices").GetProperty("rtd");
            if (rtd.ValueKind != JsonValueKind.Array) await Task.Delay(50);
        }
        Assert.Equal(12, rtd.GetArrayLength());
        Assert.Equal(new DateTimeOffset(2024, 5, 8, 17, 10, 0, Cdt), rtd[0].GetProperty("start").GetDateTimeOffset());
    }

    [Fact]
    public async Task ConfirmationCountsScedRuns()
    {
        await using var site = await Site.StartAsync(new DateTimeOffset(2024, 5, 8, 17, 2, 0, Cdt), confirm: 2);
        await site.SettledAsync();

        // One run above the strike is not yet confirmed...
        var first = await site.AdvanceAndPollAsync(new DateTimeOffset(2024, 5, 8, 17, 6, 0, Cdt), "sced-poll", "price:sced");
        Assert.Equal(1000, first.GetProperty("target_kw").GetDouble());
        Assert.Contains("awaiting_confirmation", first.GetProperty("limits").GetRawText());

        // ...the next run (17:10:10, $1,731.30) is the second in a row: curtail, still before 17:00 has settled.
        var second = await site.AdvanceAndPollAsync(new DateTimeOffset(2024, 5, 8, 17, 11, 0, Cdt), "sced-poll", "price:sced");
        Assert.Equal(0, second.GetProperty("target_kw").GetDouble());
        Assert.Equal(new DateTimeOffset(2024, 5, 8, 17, 10, 10, Cdt), Acted(second).Time);
        Assert.Contains("above_strike", second.GetProperty("limits").GetRawText());
    }

    [Fact]
    public async Task TheForecastMovesTowardTheRtdRunOfTheScedPollAndDropsItOnceItIsStale()
    {
        await using var site = await Site.StartAsync(new DateTimeOffset(2024, 5, 8, 17, 2, 0, Cdt), confirm: 1);
        await site.SettledAsync();
        var forecasts = site.App.Services.GetRequiredService<ForecastService>();
        var model = ModelFile.Load(Path.Combine(Path.GetDirectoryName(ShippedData.Locate().Root)!, "models", "hb_west_2021_2024" + ModelFile.Extension));
        // What the model alone forecasts from the controller's own history (live prices on the shipped ones), RTD left out.
        double[] ModelOnlyP50() => model.Forecast(forecasts.History() is var h ? new Forecasting.MarketHistory(h.RealTime, h.DayAhead, h.Sced, h.SystemLoad, h.Hashprice) : null!,
            site.Time.GetUtcNow(), 24).Intervals.Select(i => i.P50).ToArray();

        // 17:06: the SCED poll brings the 17:05:15 run, then the RTD run made with it (the emulator prices its 12
        // intervals, 17:10 .. 18:10, at the SCED LMPs that followed: the spike), and the forecast is made again.
        await site.AdvanceAndPollAsync(new DateTimeOffset(2024, 5, 8, 17, 6, 0, Cdt), "sced-poll", "price:sced");
        var withRtd = await site.ForecastAsync(f => f.GetProperty("rtd_run").ValueKind != JsonValueKind.Null);
        Assert.Equal(FirstAboveStrike, withRtd.GetProperty("rtd_run").GetDateTimeOffset());
        var intervals = withRtd.GetProperty("intervals").EnumerateArray().ToList();
        var alone = ModelOnlyP50();
        var sced = ErcotEmulatorData.Load(ShippedData.Locate(), ["HB_WEST"]).Sced["HB_WEST"];
        double[] shares = [1 / 3.0, 1, 1, 1, 2 / 3.0];
        for (var i = 0; i < intervals.Count; i++)
        {
            var share = intervals[i].GetProperty("rtd_share").GetDouble();
            var p50 = intervals[i].GetProperty("p50").GetDouble();
            if (i >= shares.Length)
            {
                Assert.Equal(0, share);
                Assert.Equal(alone[i], p50, 6); // beyond the run's hour: the model's forecast
                continue;
            }
            Assert.Equal(shares[i], share, 6);
            // The covered share settles at the SCED LMPs the emulator's RTD run was derived from.
            var start = intervals[i].GetProperty("start").GetDateTimeOffset();
            var covered = Enumerable.Range(0, 3).Select(k => start.AddMinutes(5 * k)).Where(t => t >= FirstAboveStrike.AddSeconds(-15).AddMinutes(5) && t < FirstAboveStrike.AddSeconds(-15).AddMinutes(65)).ToList();
            var rtd = covered.Average(t => sced.PriceAt(t)!.Value);
            Assert.Equal(share * rtd + (1 - share) * alone[i], p50, 6);
        }
        // The model alone, before the spike had settled, saw prices near $280 coming; RTD saw the spike.
        for (var i = 0; i < 3; i++)
        {
            var p50 = intervals[i].GetProperty("p50").GetDouble();
            Assert.True(alone[i] < 500 && p50 > alone[i] + 300, $"interval {i}: P50 {p50:F0} with RTD, {alone[i]:F0} without");
        }
        // 17:15-17:30 is wholly covered: its whole distribution is RTD's (the SCED LMPs of 17:15 .. 17:25, above $1,000).
        Assert.True(intervals[1].GetProperty("p10").GetDouble() > 1000);
        Assert.Equal(1, intervals[1].GetProperty("spike_probability").GetDouble(), 6);

        // 17:17 with no newer RTD run (the poll stopped): the 17:05:15 run is 12 minutes old and the forecast drops it.
        // Refreshed here, between two reads of the history the forecast reads (a price poll may land meanwhile: retried).
        // The polls' real-time schedules are paused: a SCED poll would bring a fresh run.
        await site.PauseJobAsync("sced-poll");
        await site.PauseJobAsync("price-poll");
        site.Time.Advance(new DateTimeOffset(2024, 5, 8, 17, 17, 0, Cdt) - site.Time.GetUtcNow());
        JsonElement stale = default;
        double[] expected = [];
        for (var attempt = 0; attempt < 5 && expected.Length == 0; attempt++)
        {
            var settledBefore = forecasts.History().RealTime.End;
            forecasts.Refresh();
            var p50 = ModelOnlyP50();
            stale = await site.ForecastAsync(f => f.GetProperty("issued_at").GetDateTimeOffset() == new DateTimeOffset(2024, 5, 8, 17, 15, 0, Cdt));
            if (forecasts.History().RealTime.End == settledBefore) expected = p50;
        }
        Assert.Equal(JsonValueKind.Null, stale.GetProperty("rtd_run").ValueKind);
        Assert.All(expected.Zip(stale.GetProperty("intervals").EnumerateArray()), x => Assert.Equal(x.First, x.Second.GetProperty("p50").GetDouble(), 6));
        Assert.All(stale.GetProperty("intervals").EnumerateArray(), i => Assert.Equal(0, i.GetProperty("rtd_share").GetDouble()));
    }

    private static (string Source, DateTimeOffset Time, double Price) Acted(JsonElement decision)
    {
        var a = decision.GetProperty("acted_on");
        return (a.GetProperty("source").GetString()!, a.GetProperty("time").GetDateTimeOffset(), a.GetProperty("price").GetDouble());
    }

    /// <summary>A price-only site (no miners: the target is the decision) on the emulator, its jobs run on demand.</summary>
    private sealed class Site : IAsyncDisposable
    {
        private Site(ManualTimeProvider time, ErcotApiEmulator ercot, WebApplication app, HttpClient http)
        {
            Time = time;
            Ercot = ercot;
            App = app;
            Http = http;
        }

        public ManualTimeProvider Time { get; }
        public ErcotApiEmulator Ercot { get; }
        public WebApplication App { get; }
        public HttpClient Http { get; }

        public static async Task<Site> StartAsync(DateTimeOffset start, int confirm)
        {
            var time = new ManualTimeProvider(start);
            var ercot = new ErcotApiEmulator(ErcotEmulatorData.Load(ShippedData.Locate(), ["HB_WEST"]),
                new ErcotEmulatorOptions { StartUtc = start, RequestsPerMinute = 1000 }, time);
            ercot.Start();
            var dir = Path.Combine(Path.GetTempPath(), "curtail-sced-host-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            var file = Path.Combine(dir, "site.yaml");
            await File.WriteAllTextAsync(file, $$$"""
                name: SCED site
                settlement_point: HB_WEST
                economics: {hashprice: {usd_per_th_day: 0.05}}
                fleet: [{group: a, count: 10, hashrate_th: 100, power_w: 100000}]
                policy: {kind: threshold, curtail_above_usd_per_mwh: 1000, resume_below_usd_per_mwh: 300, confirm_intervals: {{{confirm}}} }
                constraints: {min_on_minutes: 0, min_off_minutes: 0}
                controller:
                  listen: http://127.0.0.1:0
                  storage: {sqlite: state.db}
                  cycle_minutes: 60
                  prices: {base_url: "{{{ercot.BaseUrl}}}"}
                """);
            var app = ControllerHost.Build(ControllerConfigParser.Load(file), new ControllerHostOptions
            {
                Time = time, ErcotCredentials = new ErcotApiCredentials("emulator", "emulator", "emulator-key"),
            });
            await app.StartAsync();
            return new Site(time, ercot, app, new HttpClient { BaseAddress = new Uri(app.Urls.First()) });
        }

        /// <summary>
        /// Moves the clock to <paramref name="to"/>, runs a poll job now as its schedule would, and returns the decision
        /// of the cycle that followed. Moving the clock may fire the job's own schedule first (the SCED poll runs at
        /// minutes 1, 6, 11, ...): that run then brings the new prices and starts the cycle, and the run started here
        /// finds nothing newer. Either cycle will do, so what counts is a decision the site did not have before the
        /// clock moved (looking only after the trigger missed a cycle the schedule had already recorded).
        /// </summary>
        public async Task<JsonElement> AdvanceAndPollAsync(DateTimeOffset to, string job, string trigger)
        {
            var recorded = (await Decisions()).Where(d => d.GetProperty("trigger").GetString() == trigger).Select(d => d.GetProperty("id").GetString()).ToHashSet();
            Time.Advance(to - Time.GetUtcNow());
            var scheduler = await App.Services.GetRequiredService<ISchedulerFactory>().LookupScheduler(App.Services.GetRequiredService<SchedulerName>().Value);
            await scheduler!.TriggerJob(new JobKey(job));
            for (var i = 0; i < 400; i++)
            {
                var fresh = (await Decisions()).FirstOrDefault(d => d.GetProperty("trigger").GetString() == trigger
                    && !recorded.Contains(d.GetProperty("id").GetString()));
                if (fresh.ValueKind == JsonValueKind.Object) return fresh;
                await Task.Delay(25);
            }
            throw new Xunit.Sdk.XunitException($"no '{trigger}' cycle after the clock moved to {to:HH:mm} and the {job} job ran");
        }

        /// <summary>
        /// The newest decision on a settled price. The first cycle after start loads the prices itself (stored, then one
        /// poll), so the price-poll job may find nothing newer and trigger no cycle of its own: either cycle will do.
        /// </summary>
        public async Task<JsonElement> SettledAsync()
        {
            var scheduler = await App.Services.GetRequiredService<ISchedulerFactory>().LookupScheduler(App.Services.GetRequiredService<SchedulerName>().Value);
            await scheduler!.TriggerJob(new JobKey("price-poll"));
            for (var i = 0; i < 400; i++)
            {
                var settled = (await Decisions()).FirstOrDefault(d => d.TryGetProperty("acted_on", out var a) && a.ValueKind == JsonValueKind.Object
                    && a.GetProperty("source").GetString() == "settled");
                if (settled.ValueKind == JsonValueKind.Object) return settled;
                await Task.Delay(25);
            }
            throw new Xunit.Sdk.XunitException("no decision on a settled price after start and a price poll");
        }

        public async Task PauseJobAsync(string job)
        {
            var scheduler = await App.Services.GetRequiredService<ISchedulerFactory>().LookupScheduler(App.Services.GetRequiredService<SchedulerName>().Value);
            await scheduler!.PauseJob(new JobKey(job));
        }

        /// <summary>The first /api/forecast answer that satisfies <paramref name="done"/> (the refresh runs on a job).</summary>
        public async Task<JsonElement> ForecastAsync(Func<JsonElement, bool> done)
        {
            for (var i = 0; i < 600; i++)
            {
                using var reply = await Http.GetAsync("/api/forecast");
                if (reply.IsSuccessStatusCode && JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement is var f && done(f)) return f;
                await Task.Delay(50);
            }
            throw new Xunit.Sdk.XunitException("/api/forecast never showed the expected forecast");
        }

        public async Task<JsonElement> RecordAsync(JsonElement decision) =>
            JsonDocument.Parse(await Http.GetStringAsync($"/api/decisions/{decision.GetProperty("id").GetString()}")).RootElement;

        private async Task<List<JsonElement>> Decisions() =>
            JsonDocument.Parse(await Http.GetStringAsync("/api/decisions?limit=50")).RootElement.EnumerateArray().ToList();

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await App.StopAsync();
            await App.DisposeAsync();
            await Ercot.DisposeAsync();
        }
    }
}
