using System.Net;
using Curtail.Core.Prices;
using Curtail.Core.Time;
using Curtail.Emulators.Ercot;
using Curtail.Ercot.Api;

namespace Curtail.Emulators.Tests;

public sealed class ErcotApiEmulatorTests : IAsyncDisposable
{
    // 2023-11-04 00:00 CDT: three CPT days including the fall-back day (100 intervals) on 11-05.
    private static readonly DateTimeOffset DataStart = new(2023, 11, 4, 5, 0, 0, TimeSpan.Zero);
    private const int Intervals = 96 + 100 + 96;
    private readonly ManualTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly List<ErcotApiEmulator> _started = [];

    private static PriceSeries Series(string point, DateTimeOffset start, int count, TimeSpan step, double offset) =>
        new(point,
            Enumerable.Range(0, count).Select(i => (start + step * i).UtcTicks).ToArray(),
            Enumerable.Range(0, count).Select(i => (start + step * (i + 1)).UtcTicks).ToArray(),
            Enumerable.Range(0, count).Select(i => Math.Round(offset + i * 0.25, 2)).ToArray());

    private static readonly ErcotEmulatorData Data = new(
        new Dictionary<string, PriceSeries>
        {
            ["HB_WEST"] = Series("HB_WEST", DataStart, Intervals, TimeSpan.FromMinutes(15), 20),
            ["HB_NORTH"] = Series("HB_NORTH", DataStart, Intervals, TimeSpan.FromMinutes(15), 30),
        },
        new Dictionary<string, PriceSeries> { ["HB_WEST"] = Series("HB_WEST", DataStart, Intervals / 4, TimeSpan.FromHours(1), 40) },
        new Dictionary<string, PriceSeries> { ["HB_WEST"] = Series("HB_WEST", DataStart.AddSeconds(20), 12 * 24, TimeSpan.FromMinutes(5), 50) });

    private ErcotApiEmulator Start(DateTimeOffset emulatedStart, double speed = 1, int perMinute = 1000)
    {
        var emulator = new ErcotApiEmulator(Data, new ErcotEmulatorOptions { StartUtc = emulatedStart, Speed = speed, RequestsPerMinute = perMinute }, _clock);
        emulator.Start();
        _started.Add(emulator);
        return emulator;
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static ErcotApiClient Client(ErcotApiEmulator emulator, TimeProvider? clientTime = null) =>
        new(new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, new ErcotApiCredentials("emulator", "emulator", "emulator-key"),
            ErcotApiOptions.ForBaseUrl(emulator.BaseUrl) with { PageSize = 50 }, clientTime ?? new FixedTime(DataStart.AddDays(5)));

    public async ValueTask DisposeAsync()
    {
        foreach (var e in _started) await e.DisposeAsync();
    }

    [Fact]
    public async Task The_client_reads_all_three_reports_unchanged_through_paging_and_the_repeated_hour()
    {
        var emulator = Start(DataStart.AddDays(4));
        var client = Client(emulator);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var rt = await client.GetPricesAsync(ErcotReport.RealTimeSpp, "HB_WEST", DataStart, DataStart.AddMinutes(15 * Intervals), cts.Token);
        var expected = Data.RealTime["HB_WEST"];
        Assert.Equal(expected.StartTicks.ToArray(), rt.Select(r => r.StartUtc.UtcTicks));
        Assert.Equal(expected.Prices.ToArray(), rt.Select(r => r.Price));
        Assert.True(client.RequestsSent > Intervals / 50, "paged");

        var dam = await client.GetPricesAsync(ErcotReport.DayAheadSpp, "HB_WEST", DataStart, DataStart.AddHours(Intervals / 4), cts.Token);
        Assert.Equal(Data.DayAhead["HB_WEST"].Prices.ToArray(), dam.Select(r => r.Price));
        Assert.Equal(Data.DayAhead["HB_WEST"].StartTicks.ToArray(), dam.Select(r => r.StartUtc.UtcTicks));

        var sced = await client.GetPricesAsync(ErcotReport.ScedLmp, "HB_WEST", DataStart, DataStart.AddHours(2), cts.Token);
        Assert.Equal(24, sced.Count);
        Assert.Equal(DataStart.AddSeconds(20), sced[0].StartUtc);
        Assert.All(sced, s => Assert.Equal("HB_WEST", s.SettlementPoint));
    }

    [Fact]
    public async Task The_client_reads_the_post_RTC_B_layout_to_the_same_prices_as_the_old_one()
    {
        var emulator = new ErcotApiEmulator(Data, new ErcotEmulatorOptions { StartUtc = DataStart.AddDays(4), RequestsPerMinute = 1000, RtcBLayout = true }, _clock);
        emulator.Start();
        _started.Add(emulator);
        var client = Client(emulator);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await foreach (var (fields, _) in client.QueryAsync(ErcotReport.RealTimeSpp, new Dictionary<string, string> { ["settlementPoint"] = "HB_WEST" }, cts.Token))
        {
            Assert.Contains("RepeatedHourFlag", fields);
            Assert.DoesNotContain("DSTFlag", fields);
            break;
        }
        // Through the fall-back day's repeated hour: the renamed flag is read with the old one's meaning.
        var rt = await client.GetPricesAsync(ErcotReport.RealTimeSpp, "HB_WEST", DataStart, DataStart.AddMinutes(15 * Intervals), cts.Token);
        Assert.Equal(Data.RealTime["HB_WEST"].StartTicks.ToArray(), rt.Select(r => r.StartUtc.UtcTicks));
        Assert.Equal(Data.RealTime["HB_WEST"].Prices.ToArray(), rt.Select(r => r.Price));
        var dam = await client.GetPricesAsync(ErcotReport.DayAheadSpp, "HB_WEST", DataStart, DataStart.AddHours(Intervals / 4), cts.Token);
        Assert.Equal(Data.DayAhead["HB_WEST"].StartTicks.ToArray(), dam.Select(r => r.StartUtc.UtcTicks));
    }

    [Fact]
    public async Task Mcpc_per_sced_run_is_served_as_runs_are_published_and_read_back_into_the_store()
    {
        var dir = Directory.CreateTempSubdirectory("curtail-mcpc-");
        var file = Path.Combine(dir.FullName, "np6-332-cd.csv");
        await File.WriteAllTextAsync(file, """
            SCEDTimestamp,RepeatedHourFlag,ASType,MCPC
            12/07/2025 00:00:17,N,REGUP,4.75
            12/07/2025 00:00:17,N,RRS,2
            12/07/2025 00:05:16,N,REGUP,5.05
            12/07/2025 00:05:16,N,RRS,2.2
            12/07/2025 00:10:15,N,REGUP,4.9
            12/07/2025 00:10:15,N,RRS,2.1
            """);
        // Emulated now 00:07 CST: the 00:10:15 run is not published yet.
        var now = new DateTimeOffset(2025, 12, 7, 6, 7, 0, TimeSpan.Zero);
        var emulator = new ErcotApiEmulator(Data, new ErcotEmulatorOptions { StartUtc = now, Speed = 1, RequestsPerMinute = 1000, McpcFile = file }, _clock);
        emulator.Start();
        _started.Add(emulator);
        var client = Client(emulator, new FixedTime(now));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var prices = await client.GetMcpcScedAsync(now.AddHours(-1), now, cts.Token);
        Assert.Equal([(new DateTimeOffset(2025, 12, 7, 6, 0, 17, TimeSpan.Zero), "REGUP", 4.75), (new DateTimeOffset(2025, 12, 7, 6, 0, 17, TimeSpan.Zero), "RRS", 2.0),
            (new DateTimeOffset(2025, 12, 7, 6, 5, 16, TimeSpan.Zero), "REGUP", 5.05), (new DateTimeOffset(2025, 12, 7, 6, 5, 16, TimeSpan.Zero), "RRS", 2.2)],
            prices.Select(p => (p.ScedUtc, p.AsType, p.Mcpc)));
        using var store = new SqlitePriceStore(Path.Combine(dir.FullName, "prices.db"));
        Assert.Equal(4, store.UpsertMcpc(prices, now));
        Assert.Equal(prices, store.ReadMcpc(now.AddHours(-1), now));
        dir.Delete(recursive: true);
    }

    [Fact]
    public async Task Rtd_runs_are_derived_from_the_sced_history_and_read_back_by_the_client()
    {
        // Emulated now: 2 h 1 min into the SCED history, whose runs come at :00:20, :05:20, ... (50 + 0.25 per run).
        var now = DataStart.AddHours(2).AddMinutes(1);
        var emulator = Start(now);
        var client = Client(emulator, new FixedTime(now));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var rows = await ErcotRtd.GetAsync(client, "HB_WEST", now.AddMinutes(-16), now.AddMinutes(30), cts.Token);

        var sced = Data.Sced["HB_WEST"];
        var runs = rows.GroupBy(r => r.RunUtc).OrderBy(g => g.Key).ToList();
        // The runs of the last 16 minutes, none from after the emulated now.
        Assert.Equal([DataStart.AddMinutes(105).AddSeconds(20), DataStart.AddMinutes(110).AddSeconds(20),
            DataStart.AddMinutes(115).AddSeconds(20), DataStart.AddMinutes(120).AddSeconds(20)], runs.Select(g => g.Key));
        foreach (var run in runs)
        {
            var intervals = run.OrderBy(r => r.IntervalStartUtc).ToList();
            Assert.Equal(ErcotApiEmulator.RtdIntervals, intervals.Count);
            // The look-ahead starts at the next five-minute boundary and steps 5 minutes.
            Assert.Equal(run.Key.AddSeconds(-20).AddMinutes(5), intervals[0].IntervalStartUtc);
            for (var k = 0; k < intervals.Count; k++)
            {
                Assert.Equal(intervals[0].IntervalStartUtc.AddMinutes(5 * k), intervals[k].IntervalStartUtc);
                Assert.Equal(sced.PriceAt(intervals[k].IntervalStartUtc), intervals[k].Lmp);
            }
        }
        var latest = ErcotRtd.LatestRun(rows, "HB_WEST");
        Assert.Equal(DataStart.AddMinutes(125), latest.Start);
        Assert.Equal(sced.PriceAt(DataStart.AddMinutes(125)), latest.Prices[0]);
        // What the controller keeps: the newest run with its time, so the forecaster can tell when it is stale.
        var kept = ErcotRtd.LatestLookAhead(rows, "HB_WEST");
        Assert.Equal(DataStart.AddMinutes(120).AddSeconds(20), kept!.RunUtc);
        Assert.Equal(latest.Prices.ToArray(), kept.Prices.Prices.ToArray());
        Assert.Null(ErcotRtd.LatestLookAhead([], "HB_WEST"));
    }

    [Fact]
    public async Task Accelerated_time_publishes_a_day_per_hour_and_nothing_from_the_future()
    {
        var emulator = Start(DataStart.AddDays(1), speed: 24);
        var client = Client(emulator);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var all = (DataStart, DataStart.AddMinutes(15 * Intervals));
        Assert.Equal(96, (await client.GetPricesAsync(ErcotReport.RealTimeSpp, "HB_WEST", all.Item1, all.Item2, cts.Token)).Count);
        _clock.Advance(TimeSpan.FromMinutes(30)); // half an emulated day later: 12 more hours settled
        Assert.Equal(96 + 48, (await client.GetPricesAsync(ErcotReport.RealTimeSpp, "HB_WEST", all.Item1, all.Item2, cts.Token)).Count);
        Assert.Equal(DataStart.AddDays(1.5), emulator.EmulatedNow);
    }

    [Fact]
    public async Task Old_days_come_from_the_archive_as_zipped_csv()
    {
        var emulator = Start(DataStart.AddDays(4));
        var client = Client(emulator, new FixedTime(DataStart.AddDays(400)));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var day2 = CentralPrevailingTime.StartOfDayUtc(new DateOnly(2023, 11, 5));
        var rt = await client.GetPricesAsync(ErcotReport.RealTimeSpp, "HB_NORTH", day2, day2.AddHours(25), cts.Token);
        Assert.Equal(100, rt.Count);
        var expected = Data.RealTime["HB_NORTH"];
        var first = expected.FirstStartingAtOrAfter(day2.UtcTicks);
        Assert.Equal(expected.Prices[first..(first + 100)].ToArray(), rt.Select(r => r.Price));
    }

    [Fact]
    public async Task Requests_without_both_credentials_are_refused_and_bursts_get_429_with_retry_after()
    {
        var emulator = Start(DataStart.AddDays(4), perMinute: 3);
        using var http = new HttpClient();
        var url = emulator.BaseUrl + "/np6-905-cd/spp_node_zone_hub?settlementPoint=HB_WEST";
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(url)).StatusCode);
        var token = await new ErcotTokenProvider(http, new ErcotApiCredentials("emulator", "emulator", "emulator-key"),
            ErcotApiOptions.ForBaseUrl(emulator.BaseUrl), TimeProvider.System).GetAsync(CancellationToken.None);
        HttpResponseMessage Send()
        {
            var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Add("Ocp-Apim-Subscription-Key", "emulator-key");
            request.Headers.Authorization = new("Bearer", token);
            return http.Send(request);
        }
        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, Send().StatusCode);
        var limited = Send();
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.OK, Send().StatusCode);
        await Assert.ThrowsAsync<Curtail.Core.InvalidInputException>(() => new ErcotTokenProvider(http, new ErcotApiCredentials("emulator", "wrong", "emulator-key"),
            ErcotApiOptions.ForBaseUrl(emulator.BaseUrl), TimeProvider.System).GetAsync(CancellationToken.None));
    }

    [Fact]
    public async Task The_price_feed_backfills_only_the_gaps_after_a_restart()
    {
        var emulator = Start(DataStart.AddDays(4));
        var path = Path.Combine(Path.GetTempPath(), $"curtail-feed-{Guid.NewGuid():N}.db");
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var day = (DataStart, DataStart.AddDays(1));
            using (var store = new SqlitePriceStore(path))
            {
                var first = await new PriceFeed(Client(emulator), store, TimeProvider.System).FetchAsync(ErcotReport.RealTimeSpp, "HB_WEST", day.Item1, day.Item1.AddHours(6), cts.Token);
                Assert.Equal(24, first.RowsStored);
            }
            using (var reopened = new SqlitePriceStore(path))
            {
                var client = Client(emulator);
                var second = await new PriceFeed(client, reopened, TimeProvider.System).FetchAsync(ErcotReport.RealTimeSpp, "HB_WEST", day.Item1, day.Item2, cts.Token);
                Assert.Equal(1, second.GapsFound);
                Assert.Equal(72, second.RowsStored);
                Assert.Empty(second.StillMissing);
                var again = await new PriceFeed(client, reopened, TimeProvider.System).FetchAsync(ErcotReport.RealTimeSpp, "HB_WEST", day.Item1, day.Item2, cts.Token);
                Assert.Equal(0, again.GapsFound);
                Assert.Equal(96, reopened.Read("np6-905-cd", "HB_WEST", day.Item1, day.Item2).Count);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var f in new[] { path, path + "-wal", path + "-shm" }) File.Delete(f);
        }
    }
}
