using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Curtail.Controller.Config;
using Curtail.Controller.Hosting;
using Microsoft.AspNetCore.Builder;

namespace Curtail.Controller.Tests;

public sealed class ControllerApiTests : IAsyncLifetime
{
    private const string Trader = "trader-token-0123456789";
    private const string Operator = "operator-token-0123456789";
    private const string Viewer = "viewer-token-0123456789";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "curtail-api-" + Guid.NewGuid().ToString("N"));
    private WebApplication _app = null!;
    private HttpClient _http = null!;
    private string _configPath = null!;

    private static string ConfigText(double strike) => $$$"""
        name: API test site
        settlement_point: HB_WEST
        economics: {hashprice: {usd_per_th_day: 0.07}}
        fleet: [{group: a, count: 100, hashrate_th: 100, power_w: 3000}]
        policy: {kind: threshold, curtail_above_usd_per_mwh: {{{strike}}}, resume_below_usd_per_mwh: 80}
        controller:
          listen: http://127.0.0.1:0
          storage: {sqlite: state.db}
          tokens:
            - {name: tina, role: trader, token_env: T}
            - {name: otto, role: operator, token_env: O}
            - {name: vera, role: viewer, token_env: V}
        """;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _configPath = Path.Combine(_dir, "site.yaml");
        await File.WriteAllTextAsync(_configPath, ConfigText(100));
        Environment.SetEnvironmentVariable("T", Trader);
        Environment.SetEnvironmentVariable("O", Operator);
        Environment.SetEnvironmentVariable("V", Viewer);
        _app = ControllerHost.Build(ControllerConfigParser.Load(_configPath));
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_app.Urls.First()) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private HttpRequestMessage Req(HttpMethod method, string path, string? token, object? body = null)
    {
        var r = new HttpRequestMessage(method, path);
        if (token is not null) r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null) r.Content = JsonContent.Create(body);
        return r;
    }

    private async Task<JsonElement> Json(string path) => JsonDocument.Parse(await _http.GetStringAsync(path)).RootElement;

    [Fact]
    public async Task ReadsAreOpenAndWritesNeedATokenWithTheRightRole()
    {
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/api/status")).StatusCode);
        var body = new { curtail_above_usd_per_mwh = 120 };
        Assert.Equal(HttpStatusCode.Unauthorized, (await _http.SendAsync(Req(HttpMethod.Put, "/api/trading", null, body))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _http.SendAsync(Req(HttpMethod.Put, "/api/trading", "not-a-token", body))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _http.SendAsync(Req(HttpMethod.Put, "/api/trading", Viewer, body))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _http.SendAsync(Req(HttpMethod.Post, "/api/events", Trader, new { program = "ers-10", target_mw = 0.1 }))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.SendAsync(Req(HttpMethod.Put, "/api/trading", Trader, body))).StatusCode);
    }

    [Fact]
    public async Task EventsCarryTheirPerformanceAgainstTheErsBaselinesAndMcpcNeedsTheErcotApi()
    {
        Assert.Equal(HttpStatusCode.Created, (await _http.SendAsync(Req(HttpMethod.Post, "/api/events", Operator,
            new { program = "ers-10", reduction_mw = 0.1, id = "perf-1" }))).StatusCode);
        var e = (await Json("/api/events")).EnumerateArray().Single(x => x.GetProperty("event").GetProperty("id").GetString() == "perf-1");
        var p = e.GetProperty("performance");
        Assert.Equal(["middle-8-of-10", "meter-before-meter-after"], p.GetProperty("baselines").EnumerateArray().Select(b => b.GetProperty("method").GetString()));
        // A new site has no like days: the method says so rather than guessing.
        var eight = p.GetProperty("baselines")[0];
        Assert.Equal(JsonValueKind.Null, eight.GetProperty("baseline_mw").ValueKind);
        Assert.Contains("0 of the 10 like days", eight.GetProperty("detail").GetString());
        Assert.False(p.GetProperty("under_delivering").GetBoolean());
        var mcpc = await _http.GetAsync("/api/prices/mcpc");
        Assert.Equal(HttpStatusCode.NotFound, mcpc.StatusCode);
        Assert.Contains("no ERCOT API configured", await mcpc.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task StrikeChangesAreValidatedAndAudited()
    {
        var bad = await _http.SendAsync(Req(HttpMethod.Put, "/api/trading", Trader, new { resume_below_usd_per_mwh = 150 }));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("resume strike 150 is above the curtail strike 100", await bad.Content.ReadAsStringAsync());

        var ok = await _http.SendAsync(Req(HttpMethod.Put, "/api/trading", Trader, new { curtail_above_usd_per_mwh = 140, hard_cap_usd_per_mwh = 900 }));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var status = await Json("/api/status");
        Assert.Equal(140, status.GetProperty("trading").GetProperty("curtail_above_usd_per_mwh").GetDouble());
        var audit = (await Json("/api/audit")).EnumerateArray().First(a => a.GetProperty("action").GetString() == "set_trading");
        Assert.Equal("tina", audit.GetProperty("actor").GetString());
        Assert.Contains("\"curtail_above_usd_per_mwh\":100", audit.GetProperty("old_value").GetString());
        Assert.Contains("\"curtail_above_usd_per_mwh\":140", audit.GetProperty("new_value").GetString());

        var garbage = new HttpRequestMessage(HttpMethod.Put, "/api/trading") { Content = new StringContent("{ not json", System.Text.Encoding.UTF8, "application/json") };
        garbage.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Trader);
        var g = await _http.SendAsync(garbage);
        Assert.Equal(HttpStatusCode.BadRequest, g.StatusCode);
        Assert.Contains("not valid JSON", await g.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OverridesExpireAndAreShownInTheStatus()
    {
        var bad = await _http.SendAsync(Req(HttpMethod.Post, "/api/overrides", Trader, new { mode = "force_curtail", minutes = -5 }));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("is not in the future", await bad.Content.ReadAsStringAsync());
        var ok = await _http.SendAsync(Req(HttpMethod.Post, "/api/overrides", Trader, new { mode = "force_curtail", minutes = 30, reason = "hedge" }));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var o = (await Json("/api/status")).GetProperty("override");
        Assert.Equal("force_curtail", o.GetProperty("mode").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await _http.SendAsync(Req(HttpMethod.Delete, "/api/overrides", Trader))).StatusCode);
        Assert.Equal(JsonValueKind.Null, (await Json("/api/status")).GetProperty("override").ValueKind);
    }

    [Fact]
    public async Task DispatchEventsAreRecordedWithReceiptBaselineAndRelease()
    {
        var bad = await _http.SendAsync(Req(HttpMethod.Post, "/api/events", Operator, new { program = "ers-10", target_mw = 0.1, reduction_mw = 0.2 }));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var created = await _http.SendAsync(Req(HttpMethod.Post, "/api/events", Operator, new { program = "ers-10", target_mw = 0.1, id = "ers-test" }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var e = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(e.GetProperty("received_at").GetDateTimeOffset().AddMinutes(10), e.GetProperty("deadline").GetDateTimeOffset());
        Assert.True(e.TryGetProperty("baseline_mw", out _));
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.SendAsync(Req(HttpMethod.Post, "/api/events", Operator, new { program = "ers-10", target_mw = 0.1, id = "ers-test" }))).StatusCode);
        Assert.Single((await Json("/api/status")).GetProperty("active_events").EnumerateArray());
        Assert.Equal(HttpStatusCode.OK, (await _http.SendAsync(Req(HttpMethod.Post, "/api/events/ers-test/release", Operator))).StatusCode);
        Assert.Empty((await Json("/api/status")).GetProperty("active_events").EnumerateArray());
        var actions = (await Json("/api/audit")).EnumerateArray().Select(a => a.GetProperty("action").GetString()).ToList();
        Assert.Contains("dispatch_received", actions);
        Assert.Contains("dispatch_released", actions);
    }

    [Fact]
    public async Task TestDeploymentsAreFlaggedAndTheFlagComesBackFromEveryEventsEndpoint()
    {
        var test = await _http.SendAsync(Req(HttpMethod.Post, "/api/events", Operator, new { program = "ers-30", reduction_mw = 0.1, id = "ers-drill", test = true }));
        Assert.Equal(HttpStatusCode.Created, test.StatusCode);
        Assert.True(JsonDocument.Parse(await test.Content.ReadAsStringAsync()).RootElement.GetProperty("test").GetBoolean());
        Assert.Equal(HttpStatusCode.Created, (await _http.SendAsync(Req(HttpMethod.Post, "/api/events", Operator, new { program = "ecrs", target_mw = 0.2, id = "ecrs-real" }))).StatusCode);

        var listed = (await Json("/api/events")).EnumerateArray().ToDictionary(x => x.GetProperty("event").GetProperty("id").GetString()!, x => x.GetProperty("event"));
        Assert.True(listed["ers-drill"].GetProperty("test").GetBoolean());
        Assert.False(listed["ecrs-real"].GetProperty("test").GetBoolean());
        var active = (await Json("/api/status")).GetProperty("active_events").EnumerateArray().Single(x => x.GetProperty("id").GetString() == "ers-drill");
        Assert.True(active.GetProperty("test").GetBoolean());
        Assert.True((await Json("/api/events/ers-drill/trace")).GetProperty("event").GetProperty("test").GetBoolean());
        var released = await _http.SendAsync(Req(HttpMethod.Post, "/api/events/ers-drill/release", Operator));
        Assert.True(JsonDocument.Parse(await released.Content.ReadAsStringAsync()).RootElement.GetProperty("test").GetBoolean());

        var bad = await _http.SendAsync(Req(HttpMethod.Post, "/api/events", Operator, new { program = "ers-10", target_mw = 0.1, test = "yes" }));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("test: must be true or false, got \"yes\"", JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
        var noProgram = await _http.SendAsync(Req(HttpMethod.Post, "/api/events", Operator, new { target_mw = 0.1 }));
        Assert.Equal(HttpStatusCode.BadRequest, noProgram.StatusCode);
        Assert.Contains("program: is required", await noProgram.Content.ReadAsStringAsync());
        Assert.DoesNotContain((await Json("/api/events")).EnumerateArray(), x => x.GetProperty("event").GetProperty("program").GetString() == "ers10");
    }

    [Fact]
    public async Task TheTraceEndpointServesTheStoredMinutesAndAClear404ForAnUnknownEvent()
    {
        var missing = await _http.GetAsync("/api/events/no-such-event/trace");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("no event 'no-such-event'", JsonDocument.Parse(await missing.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());

        Assert.Equal(HttpStatusCode.Created, (await _http.SendAsync(Req(HttpMethod.Post, "/api/events", Operator, new { program = "rrs", target_mw = 0, id = "rrs-1" }))).StatusCode);
        Assert.Empty((await Json("/api/events/rrs-1/trace")).GetProperty("minutes").EnumerateArray());
        // The host's own store file, opened a second time as another process would: the endpoint reads what is on record.
        var minute = new DateTimeOffset(2026, 7, 1, 18, 5, 0, TimeSpan.Zero);
        using (var store = Storage.ControllerStore.Sqlite(Path.Combine(_dir, "state.db"), "api-test-site"))
        {
            store.SaveTraceMinute(new DemandResponse.LoadTraceMinute("rrs-1", minute.AddMinutes(1), 0.25, 57, DemandResponse.LoadTraceSource.Miners));
            store.SaveTraceMinute(new DemandResponse.LoadTraceMinute("rrs-1", minute, 0.5, 60, DemandResponse.LoadTraceSource.Genset));
        }
        var rows = (await Json("/api/events/rrs-1/trace")).GetProperty("minutes").EnumerateArray().ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal(minute, rows[0].GetProperty("minute_start").GetDateTimeOffset());
        Assert.Equal(0.5, rows[0].GetProperty("load_mw").GetDouble());
        Assert.Equal(60, rows[0].GetProperty("samples").GetInt32());
        Assert.Equal("genset", rows[0].GetProperty("source").GetString());
        Assert.Equal("miners", rows[1].GetProperty("source").GetString());
        Assert.Contains("\"/api/events/{id}/trace\"", await _http.GetStringAsync("/openapi/v1.json"));
    }

    [Fact]
    public async Task ConfigReloadAppliesTheFileWithoutRestart()
    {
        await File.WriteAllTextAsync(_configPath, ConfigText(222));
        Assert.Equal(HttpStatusCode.OK, (await _http.SendAsync(Req(HttpMethod.Post, "/api/config/reload", Operator))).StatusCode);
        Assert.Equal(222, (await Json("/api/status")).GetProperty("trading").GetProperty("curtail_above_usd_per_mwh").GetDouble());
        await File.WriteAllTextAsync(_configPath, "name: [broken");
        var broken = await _http.SendAsync(Req(HttpMethod.Post, "/api/config/reload", Operator));
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        var brokenText = await broken.Content.ReadAsStringAsync();
        Assert.Contains("site.yaml:", brokenText);
        Assert.Contains("not valid YAML", brokenText);
        Assert.Equal(222, (await Json("/api/status")).GetProperty("trading").GetProperty("curtail_above_usd_per_mwh").GetDouble());
    }

    [Fact]
    public async Task CyclesAreRecordedAndExplainedAndTheApiIsDescribed()
    {
        Assert.Equal(HttpStatusCode.Accepted, (await _http.SendAsync(Req(HttpMethod.Post, "/api/cycle", Operator))).StatusCode);
        JsonElement decisions = default;
        for (var i = 0; i < 50 && (decisions.ValueKind != JsonValueKind.Array || decisions.GetArrayLength() == 0); i++)
        {
            await Task.Delay(100);
            decisions = await Json("/api/decisions");
        }
        var first = decisions.EnumerateArray().First();
        var one = await Json($"/api/decisions/{first.GetProperty("id").GetString()}");
        // No price has been fetched (no feed configured): the price policy does not wake the site, and says why.
        Assert.Contains("no_settled_price", one.GetProperty("decision").GetRawText());
        Assert.Contains("no settled price yet", one.GetProperty("decision").GetRawText());
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/api/decisions/nope")).StatusCode);
        var openapi = await _http.GetStringAsync("/openapi/v1.json");
        foreach (var path in new[] { "/api/status", "/api/trading", "/api/overrides", "/api/events", "/api/decisions", "/api/audit" })
            Assert.Contains($"\"{path}\"", openapi);
        var dashboard = await _http.GetStringAsync("/");
        Assert.Contains("dashboard.js", dashboard);
        Assert.Contains("energy-panel.js", dashboard);
        Assert.Contains("/api/status", await _http.GetStringAsync("/energy-panel.js"));
        var energy = (await Json("/api/status")).GetProperty("energy");
        Assert.Equal("grid", energy.GetProperty("topology").GetString());
    }
}
