using System.Net;
using System.Text.Json;
using Curtail.Controller.Config;
using Curtail.Controller.Dashboard;
using Curtail.Controller.Hosting;
using Curtail.Controller.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Curtail.Controller.Tests;

/// <summary>The dashboard's read endpoints over a controller holding 10,000 miners, and the day and money shaping behind them.</summary>
public sealed class DashboardApiTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "curtail-dash-" + Guid.NewGuid().ToString("N"));
    private WebApplication _app = null!;
    private HttpClient _http = null!;
    private ControllerConfig _config = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        var path = Path.Combine(_dir, "site.yaml");
        await File.WriteAllTextAsync(path, """
            name: Dashboard test site
            settlement_point: HB_WEST
            energy: {adder_usd_per_mwh: 5}
            economics: {hashprice: {usd_per_th_day: 0.05}, pool_fee: 0.02}
            fleet: [{group: a, count: 10000, hashrate_th: 100, power_w: 3000}]
            policy: {kind: threshold, curtail_above_usd_per_mwh: 100}
            demand_response: [{program: ecrs, capacity_mw: 10, credit_usd_per_mw_hour: 4.5}, {program: ers-30, capacity_mw: 2, credit_usd_per_mw_hour: 7}]
            controller:
              listen: http://127.0.0.1:0
              storage: {sqlite: state.db}
            """);
        _config = ControllerConfigParser.Load(path);
        _app = ControllerHost.Build(_config);
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_app.Urls.First()) };
        var models = new[] { "Antminer S19j Pro", "Whatsminer M50S", "Antminer S21" };
        _app.Services.GetRequiredService<ControllerRuntime>().SetMiners(Enumerable.Range(0, 10_000).Select(i => new MinerSnapshot(
            $"m{i:D5}", "a", "lux_os", i % 10 == 0 ? "sleeping" : "running", i % 10 == 0 ? 20 : 3000 + i % 7, i % 10 == 0 ? 0 : 100 + i % 3,
            i % 1000 == 1 ? "timeout after 2 s" : null) {
                Model = models[i % 3], Firmware = "fw1", MaxTemperatureC = i % 10 == 0 ? null : 60 + i % 20,
                FanRpm = i % 10 == 0 ? [0, 0] : i % 4 == 0 ? null : [5000 + i % 50, 5100],
            }).ToList());
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task<JsonElement> Get(string path) => JsonDocument.Parse(await _http.GetStringAsync(path)).RootElement;

    [Fact]
    public async Task MinersArePagedSortedAndFilteredByTheController()
    {
        var page = await Get("/api/miners?page=3&size=100");
        Assert.Equal(10_000, page.GetProperty("total").GetInt32());
        Assert.Equal(100, page.GetProperty("pages").GetInt32());
        var ids = page.GetProperty("miners").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToList();
        Assert.Equal(Enumerable.Range(200, 100).Select(i => $"m{i:D5}"), ids);

        var byPower = (await Get("/api/miners?sort=power_w&dir=desc&size=500")).GetProperty("miners").EnumerateArray().Select(m => m.GetProperty("power_w").GetDouble()).ToList();
        Assert.Equal(byPower.OrderByDescending(w => w), byPower);
        Assert.Equal(3006, byPower[0]);
        // Miners without a temperature (asleep) sort last, ascending or descending.
        var hottestLast = (await Get("/api/miners?sort=max_temperature_c&page=20&size=500")).GetProperty("miners");
        Assert.Equal(JsonValueKind.Null, hottestLast[499].GetProperty("max_temperature_c").ValueKind);

        // Fans slowest first: the sleeping miners' stopped fans lead, miners whose firmware reports none come last.
        var byFan = (await Get("/api/miners?sort=fan_rpm&size=500")).GetProperty("miners").EnumerateArray().ToList();
        Assert.All(byFan.Take(100), m => Assert.Equal([0, 0], m.GetProperty("fan_rpm").EnumerateArray().Select(f => f.GetDouble())));
        var slowestLast = (await Get("/api/miners?sort=fan_rpm&dir=desc&page=20&size=500")).GetProperty("miners");
        Assert.Equal(JsonValueKind.Null, slowestLast[499].GetProperty("fan_rpm").ValueKind);
        Assert.Equal(5049, (await Get("/api/miners?sort=fan_rpm&dir=desc&size=1")).GetProperty("miners")[0].GetProperty("fan_rpm")[0].GetDouble());

        var s21Sleeping = await Get("/api/miners?model=Antminer%20S21&state=sleeping&size=10");
        Assert.Equal(Enumerable.Range(0, 10_000).Count(i => i % 3 == 2 && i % 10 == 0), s21Sleeping.GetProperty("total").GetInt32());
        Assert.All(s21Sleeping.GetProperty("miners").EnumerateArray(), m => Assert.Equal("sleeping", m.GetProperty("mode").GetString()));
        var failing = await Get("/api/miners?filter=TIMEOUT");
        Assert.Equal(10, failing.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task TheDashboardsStatusPollLeavesTheTenThousandMinersToThePagedList()
    {
        var full = await _http.GetStringAsync("/api/status");
        var light = await _http.GetStringAsync("/api/status?miners=false");
        var fullStatus = JsonDocument.Parse(full).RootElement;
        var lightStatus = JsonDocument.Parse(light).RootElement;

        Assert.Equal(10_000, fullStatus.GetProperty("miners").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, lightStatus.GetProperty("miners").ValueKind);
        // The counts by state stay: the headline numbers need them, not each miner.
        Assert.Equal(9_000, lightStatus.GetProperty("miners_by_state").GetProperty("running").GetInt32());
        Assert.Equal(1_000, lightStatus.GetProperty("miners_by_state").GetProperty("sleeping").GetInt32());
        Assert.Equal(fullStatus.GetProperty("site_load_kw").GetDouble(), lightStatus.GetProperty("site_load_kw").GetDouble());
        Assert.True(light.Length * 50 < full.Length, $"{light.Length} B without the miners, {full.Length} B with them");

        // The page polls the light form, both the main status and the energy panel.
        foreach (var script in new[] { "/dashboard.js", "/energy-panel.js" })
        {
            var text = await _http.GetStringAsync(script);
            Assert.Contains("/api/status?miners=false", text);
            Assert.DoesNotContain("'/api/status'", text);
        }
    }

    [Theory]
    [InlineData("/api/miners?sort=fan", "sort")]
    [InlineData("/api/miners?dir=up", "dir")]
    [InlineData("/api/miners?size=501", "size")]
    [InlineData("/api/miners?page=0", "page")]
    [InlineData("/api/status?miners=no", "miners")]
    public async Task ABadQueryIsRefusedNamingTheParameter(string path, string field)
    {
        var r = await _http.GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal(field, JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("field").GetString());
    }

    [Fact]
    public async Task FleetTotalsAddUpTheMiners()
    {
        var fleet = await Get("/api/fleet");
        var hashing = Enumerable.Range(0, 10_000).Where(i => i % 10 != 0).ToList();
        Assert.Equal(hashing.Sum(i => 100 + i % 3), fleet.GetProperty("hashrate_th").GetDouble(), 6);
        Assert.Equal(1_000_000, fleet.GetProperty("nameplate_hashrate_th").GetDouble());
        Assert.Equal(hashing.Sum(i => 3000.0 + i % 7) / hashing.Sum(i => 100.0 + i % 3), fleet.GetProperty("efficiency_j_per_th").GetDouble(), 6);
        Assert.Equal(1000, fleet.GetProperty("by_state").GetProperty("sleeping").GetInt32());
        Assert.Equal(10, fleet.GetProperty("failing").GetInt32());
        Assert.Equal(3, fleet.GetProperty("by_model").GetArrayLength());
    }

    [Fact]
    public void TheDayIsDownsampledNotCutAndAShortCurtailmentStillShows()
    {
        var from = new DateTimeOffset(2024, 5, 8, 5, 0, 0, TimeSpan.Zero);
        // A cycle a minute for 24 h, curtailed for 3 minutes at 07:00 and for an hour from 20:00.
        var cycles = Enumerable.Range(0, 1440).Select(m => new CyclePoint(from.AddMinutes(m), "schedule",
            m is >= 120 and < 123 || m is >= 900 and < 960 ? 0 : 3000, 3000, m is >= 120 and < 123 || m is >= 900 and < 960 ? "price" : "none", 3000, 3500, 50, 0.05)).ToList();
        var buckets = LoadHistory.Downsample(cycles, from, from.AddDays(1), 300);
        Assert.InRange(buckets.Count, 280, 300);
        Assert.Equal(from, buckets[0].Time);
        Assert.True(buckets[^1].Time > from.AddHours(23.8), "the end of the day was dropped");
        Assert.Equal(1440, buckets.Sum(b => b.Cycles));
        Assert.Contains(buckets, b => b.Time <= from.AddMinutes(121) && b.Time.AddMinutes(4.8) > from.AddMinutes(121) && b.TargetKw == 0);
        var spans = LoadHistory.Curtailments(cycles, 3000, from.AddDays(1));
        Assert.Equal([(from.AddMinutes(120), from.AddMinutes(123)), (from.AddMinutes(900), from.AddMinutes(960))], spans.Select(s => (s.Start, s.End)));
        Assert.All(spans, s => Assert.Equal("price", s.LimitedBy));
    }

    [Fact]
    public void MoneyUsesTheBacktestsModelAndSavingsAreAgainstAlwaysOn()
    {
        var site = _config.Site;
        var economics = new Core.Economics.IntervalEconomics(site);
        var fullKw = site.FullPowerMw * 1000;
        var t = new DateTimeOffset(2024, 5, 8, 20, 0, 0, TimeSpan.Zero);
        CyclePoint At(double hours, double kw, double price) => new(t.AddHours(hours), "schedule", kw, kw, "price", kw, null, price, 0.05);

        // An hour at nameplate: revenue and cost are the model's per-hour figures at nameplate, and no savings.
        var running = LiveMoney.Account(site, [At(0, fullKw, 40), At(1, fullKw, 40)], t);
        Assert.Equal(economics.RevenuePerHourAtFull(0, 0.05), running.HashRevenueUsd, 6);
        Assert.Equal(economics.CostPerHourAtFull(0, 40), running.EnergyCostUsd, 6);
        Assert.Equal(0, running.SavingsUsd, 6);
        // An hour asleep through a $2,000 price: no revenue, no cost, saved what running would have lost.
        var asleep = LiveMoney.Account(site, [At(0, 0, 2000), At(1, 0, 2000)], t);
        Assert.Equal(0, asleep.MarginUsd, 6);
        Assert.Equal(economics.CostPerHourAtFull(0, 2000) - economics.RevenuePerHourAtFull(0, 0.05), asleep.SavingsUsd, 6);
        Assert.True(asleep.SavingsUsd > 0);
        // Spans longer than an hour (the controller was down) count an hour; spans before the window start are clipped.
        Assert.Equal(1, LiveMoney.Account(site, [At(0, fullKw, 40), At(5, fullKw, 40)], t).Hours, 6);
        Assert.Equal(0.5, LiveMoney.Account(site, [At(0, fullKw, 40), At(1, fullKw, 40)], t.AddMinutes(30)).Hours, 6);
    }

    [Fact]
    public async Task MoneyEndpointAnswersTodayAndTheMonth()
    {
        var money = await Get("/api/money");
        // The start-up cycle is the only one: no span between two cycles to price yet.
        Assert.Equal(0, money.GetProperty("today").GetProperty("hours").GetDouble());
        // DR credits: the site file's programs, capacity × rate × the hours the money covers (the backtest's model).
        Assert.Equal(["ecrs", "ers-30"], money.GetProperty("dr_programs").EnumerateArray().Select(p => p.GetProperty("program").GetString()));
        foreach (var span in new[] { "today", "this_month" })
            Assert.Equal((10 * 4.5 + 2 * 7) * money.GetProperty(span).GetProperty("hours").GetDouble(), money.GetProperty(span).GetProperty("dr_credits_usd").GetDouble(), 6);
        Assert.Equal(59 * 24, Core.Economics.DemandResponseCredits.Usd(_config.Site, 24), 6);
        var history = await Get("/api/history?hours=24");
        Assert.Equal(JsonDocument.Parse(await _http.GetStringAsync("/api/decisions?limit=100")).RootElement.GetArrayLength(), history.GetProperty("load").GetArrayLength());
        Assert.Equal(_config.Site.FullPowerMw * 1000, history.GetProperty("full_kw").GetDouble(), 6);
    }
}
