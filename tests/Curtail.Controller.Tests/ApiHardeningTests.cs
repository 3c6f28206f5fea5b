using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Curtail.Controller.Config;
using Curtail.Controller.DemandResponse;
using Curtail.Controller.Hosting;
using Curtail.Controller.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Curtail.Controller.Tests;

/// <summary>
/// Issue 16's findings against `curtail run`, each as a request: refused requests answer 400 naming the field and
/// change nothing (live state, store, audit, after a restart); failed authentication is logged and rate-limited;
/// tokens expire.
/// </summary>
public sealed class ApiHardeningTests : IAsyncLifetime
{
    private const string Trader = "hardening-trader-token-0123";
    private const string Operator = "hardening-operator-token-0123";
    private const string Expired = "hardening-expired-token-0123";
    private const string Dated = "hardening-dated-token-0123";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "curtail-hardening-" + Guid.NewGuid().ToString("N"));
    private readonly CollectingLoggerProvider _log = new();
    private WebApplication _app = null!;
    private HttpClient _http = null!;
    private string _configPath = null!;

    private const string ConfigText = """
        name: Hardening test site
        settlement_point: HB_WEST
        economics: {hashprice: {usd_per_th_day: 0.07}}
        fleet: [{group: a, count: 100, hashrate_th: 100, power_w: 3000}]
        policy: {kind: threshold, curtail_above_usd_per_mwh: 100, resume_below_usd_per_mwh: 80}
        controller:
          listen: http://127.0.0.1:0
          storage: {sqlite: state.db}
          auth: {max_failures: 3, window_seconds: 60, lockout_seconds: 600}
          tokens:
            - {name: tina, role: trader, token_env: HARDENING_T}
            - {name: otto, role: operator, token_env: HARDENING_O}
            - {name: gone, role: operator, token_env: HARDENING_X, expires: "2020-01-01T00:00:00Z"}
            - {name: later, role: trader, token_env: HARDENING_D, expires: "2099-01-01T00:00:00-06:00"}
        """;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _configPath = Path.Combine(_dir, "site.yaml");
        await File.WriteAllTextAsync(_configPath, ConfigText);
        Environment.SetEnvironmentVariable("HARDENING_T", Trader);
        Environment.SetEnvironmentVariable("HARDENING_O", Operator);
        Environment.SetEnvironmentVariable("HARDENING_X", Expired);
        Environment.SetEnvironmentVariable("HARDENING_D", Dated);
        await StartAsync();
    }

    private async Task StartAsync()
    {
        _app = ControllerHost.Build(ControllerConfigParser.Load(_configPath), new ControllerHostOptions { LogProviders = [_log] });
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_app.Urls.First()) };
    }

    private async Task StopAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task RestartAsync(Action<ControllerStore>? whileStopped = null)
    {
        await StopAsync();
        if (whileStopped is not null)
        {
            using var store = ControllerStore.Sqlite(Path.Combine(_dir, "state.db"), "hardening-test-site");
            whileStopped(store);
        }
        await StartAsync();
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> Send(HttpMethod method, string path, string? token, string? json = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return (response.StatusCode, body, response);
    }

    private async Task<JsonElement> Json(string path) => JsonDocument.Parse(await _http.GetStringAsync(path)).RootElement.Clone();

    private async Task<double> CurtailStrike() => (await Json("/api/status")).GetProperty("trading").GetProperty("curtail_above_usd_per_mwh").GetDouble();

    private async Task<List<string>> AuditActions() => (await Json("/api/audit")).EnumerateArray().Select(a => a.GetProperty("action").GetString()!).ToList();

    private static void AssertRefused((HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response) answer, string field, string problem)
    {
        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal(field, answer.Body.GetProperty("field").GetString());
        Assert.Contains(problem, answer.Body.GetProperty("problem").GetString());
        Assert.StartsWith(field, answer.Body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task NonFiniteAndOutOfRangeStrikesAreRefusedAndTheLiveSettingsStayAsTheyWere()
    {
        AssertRefused(await Send(HttpMethod.Put, "/api/trading", Trader, """{"curtail_above_usd_per_mwh": "NaN"}"""),
            "curtail_above_usd_per_mwh", "must be a number, got \"NaN\"");
        AssertRefused(await Send(HttpMethod.Put, "/api/trading", Trader, """{"curtail_above_usd_per_mwh": 1e400}"""), "curtail_above_usd_per_mwh", "must be a finite number, got Infinity");
        AssertRefused(await Send(HttpMethod.Put, "/api/trading", Trader, """{"hard_cap_usd_per_mwh": "-Infinity"}"""), "hard_cap_usd_per_mwh", "must be a number");
        AssertRefused(await Send(HttpMethod.Put, "/api/trading", Trader, """{"hard_cap_usd_per_mwh": 20000}"""), "hard_cap_usd_per_mwh", "must be within [-251, 10000], got 20000");
        AssertRefused(await Send(HttpMethod.Put, "/api/trading", Trader, """{"confirm_intervals": 1000}"""), "confirm_intervals", "must be 1..96, got 1000");
        AssertRefused(await Send(HttpMethod.Put, "/api/trading", Trader, """{"resume_below_usd_per_mwh": -300}"""), "resume_below_usd_per_mwh", "must be within [-251, 10000]");

        Assert.Equal(100, await CurtailStrike());
        Assert.DoesNotContain("set_trading", await AuditActions());

        var ok = await Send(HttpMethod.Put, "/api/trading", Trader, """{"curtail_above_usd_per_mwh": 120}""");
        Assert.Equal(HttpStatusCode.OK, ok.Status);
        Assert.Equal(120, await CurtailStrike());
        Assert.Single(await AuditActions(), a => a == "set_trading");
        await RestartAsync();
        Assert.Equal(120, await CurtailStrike());
    }

    [Fact]
    public async Task AnInfiniteOrOutOfRangeDispatchIsRefusedAndLeavesNoEventNoAuditAndNothingAfterARestart()
    {
        AssertRefused(await Send(HttpMethod.Post, "/api/events", Operator, """{"program": "ers-10", "target_mw": "Infinity", "id": "inf-1"}"""),
            "target_mw", "must be a number, got \"Infinity\"");
        AssertRefused(await Send(HttpMethod.Post, "/api/events", Operator, """{"program": "ers-10", "reduction_mw": 1e6}"""), "reduction_mw", "must be within [0, 10000]");
        AssertRefused(await Send(HttpMethod.Post, "/api/events", Operator, """{"program": "ers-10", "target_mw": 0.1, "deadline_minutes": -1}"""), "deadline_minutes", "must be within [0, 120]");
        AssertRefused(await Send(HttpMethod.Post, "/api/events", Operator, """{"program": "ers-10", "target_mw": 0.1, "release_at": "2001-01-01T00:00:00Z"}"""), "release_at", "must be within the next 7 days");

        Assert.Empty((await Json("/api/status")).GetProperty("active_events").EnumerateArray());
        Assert.Empty((await Json("/api/events")).EnumerateArray());
        Assert.DoesNotContain("dispatch_received", await AuditActions());
        await RestartAsync();
        Assert.Empty((await Json("/api/status")).GetProperty("active_events").EnumerateArray());
        Assert.Empty((await Json("/api/events")).EnumerateArray());
    }

    [Fact]
    public async Task UnknownRepeatedOrMistypedFieldsAreRefusedByName()
    {
        var typo = await Send(HttpMethod.Put, "/api/trading", Trader, """{"curtail_above_usd_per_mwh": 120, "curtail_abov_usd_per_mwh": 130}""");
        AssertRefused(typo, "curtail_abov_usd_per_mwh", "unknown field 'curtail_abov_usd_per_mwh' (this request takes: curtail_above_usd_per_mwh,");
        AssertRefused(await Send(HttpMethod.Put, "/api/trading", Trader, """{"curtail_above_usd_per_mwh": 120, "curtail_above_usd_per_mwh": 130}"""),
            "curtail_above_usd_per_mwh", "is given more than once");
        AssertRefused(await Send(HttpMethod.Put, "/api/trading", Trader, "[120]"), "body", "must be a JSON object");
        AssertRefused(await Send(HttpMethod.Post, "/api/overrides", Trader, """{"mode": "force_curtail", "minutes": 30, "reson": "typo"}"""), "reson", "unknown field 'reson'");
        AssertRefused(await Send(HttpMethod.Post, "/api/overrides", Trader, """{"mode": "force_curtail", "minutes": "NaN"}"""), "minutes", "must be a number");
        AssertRefused(await Send(HttpMethod.Post, "/api/events", Operator, """{"program": "ers-10", "target_mw": 0.1, "site": "elsewhere"}"""), "site", "unknown field 'site'");

        Assert.Equal(100, await CurtailStrike());
        var status = await Json("/api/status");
        Assert.Equal(JsonValueKind.Null, status.GetProperty("override").ValueKind);
        Assert.Empty(status.GetProperty("active_events").EnumerateArray());
        Assert.Empty(await AuditActions());
    }

    [Fact]
    public async Task EventIdsOutsideTheDocumentedPatternAreRefusedBeforeAnythingIsStored()
    {
        foreach (var id in new[] { "a/b", "", "../etc", "-lead", "has space", "ümlaut", new string('x', 8192), new string('y', 65) })
        {
            var answer = await Send(HttpMethod.Post, "/api/events", Operator, JsonSerializer.Serialize(new { program = "manual", target_mw = 0.1, id }));
            AssertRefused(answer, "id", "must be 1 to 64 letters, digits");
            Assert.True(answer.Body.GetProperty("error").GetString()!.Length < 400, "the error echoes a shortened id");
        }
        Assert.Empty((await Json("/api/events")).EnumerateArray());
        var longest = "E" + new string('9', 63);
        Assert.Equal(HttpStatusCode.Created, (await Send(HttpMethod.Post, "/api/events", Operator, JsonSerializer.Serialize(new { program = "manual", target_mw = 0.1, id = longest }))).Status);
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Post, $"/api/events/{longest}/release", Operator)).Status);
    }

    [Fact]
    public async Task LongReasonsAndOversizedBodiesAreRefusedAndTheOverrideStaysUnset()
    {
        AssertRefused(await Send(HttpMethod.Post, "/api/overrides", Trader, JsonSerializer.Serialize(new { mode = "force_curtail", minutes = 30, reason = new string('r', 501) })),
            "reason", "must be at most 500 characters, got 501");
        AssertRefused(await Send(HttpMethod.Post, "/api/overrides", Trader, JsonSerializer.Serialize(new { mode = "force_curtail", minutes = 30, reason = "line\u0000break" })),
            "reason", "must not contain control characters");
        // Sent with Expect: 100-continue, as large uploads should be: the controller refuses from the length alone, and
        // the client does not push 5 MB at a connection the server is about to close.
        using var patient = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(1) }) { BaseAddress = _http.BaseAddress };
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/overrides")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { mode = "force_curtail", minutes = 30, reason = new string('r', 5 * 1024 * 1024) }), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Trader);
        request.Headers.ExpectContinue = true;
        var huge = await patient.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        var refusal = JsonDocument.Parse(await huge.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("body", refusal.GetProperty("field").GetString());
        Assert.Contains("larger than 65536 bytes", refusal.GetProperty("problem").GetString());

        Assert.Equal(JsonValueKind.Null, (await Json("/api/status")).GetProperty("override").ValueKind);
        Assert.Empty(await AuditActions());
        var ok = await Send(HttpMethod.Post, "/api/overrides", Trader, JsonSerializer.Serialize(new { mode = "force_curtail", minutes = 30, reason = "hedge" }));
        Assert.Equal(HttpStatusCode.OK, ok.Status);
        Assert.Equal("hedge", (await Json("/api/status")).GetProperty("override").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task AChangeThatCannotBeSavedWithItsAuditRowChangesNeitherTheLiveStateNorTheStore()
    {
        Assert.Empty(await AuditActions());
        // The audit table gone, as a full disk or a broken database would make the write fail half-way.
        using (var c = new SqliteConnection($"Data Source={Path.Combine(_dir, "state.db")};Pooling=False"))
        {
            c.Open();
            using var drop = c.CreateCommand();
            drop.CommandText = "DROP TABLE audit";
            drop.ExecuteNonQuery();
        }
        Assert.Equal(HttpStatusCode.InternalServerError, (await Send(HttpMethod.Put, "/api/trading", Trader, """{"curtail_above_usd_per_mwh": 150}""")).Status);
        Assert.Equal(HttpStatusCode.InternalServerError, (await Send(HttpMethod.Post, "/api/events", Operator, """{"program": "ers-10", "target_mw": 0.1, "id": "unsaved"}""")).Status);
        Assert.Equal(100, await CurtailStrike());
        Assert.Empty((await Json("/api/status")).GetProperty("active_events").EnumerateArray());

        await RestartAsync();
        Assert.Equal(100, await CurtailStrike());
        Assert.Empty((await Json("/api/events")).EnumerateArray());
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Put, "/api/trading", Trader, """{"curtail_above_usd_per_mwh": 150}""")).Status);
        Assert.Equal(150, await CurtailStrike());
    }

    [Fact]
    public async Task FailedAuthenticationIsLoggedWithTheAddressButNotTheTokenAndLocksTheAddressOutAfterTheLimit()
    {
        const string guess = "guessed-token-abcdef-123456";
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await Send(HttpMethod.Put, "/api/trading", guess + i, """{"curtail_above_usd_per_mwh": 120}""")).Status);

        var warnings = _log.Lines.Where(l => l.Level == LogLevel.Warning && l.Message.Contains("API authentication failed")).ToList();
        Assert.Equal(3, warnings.Count);
        Assert.All(warnings, w => Assert.Contains("127.0.0.1", w.Message));
        Assert.DoesNotContain(_log.Lines, l => l.Message.Contains(guess));
        Assert.Contains(_log.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("refused for") && l.Message.Contains("127.0.0.1"));

        // Locked out: even the right token is refused until the lockout ends, and nothing changes.
        var locked = await Send(HttpMethod.Put, "/api/trading", Trader, """{"curtail_above_usd_per_mwh": 120}""");
        Assert.Equal((HttpStatusCode)429, locked.Status);
        Assert.Contains("too many failed authentications", locked.Body.GetProperty("error").GetString());
        var retryAfter = int.Parse(locked.Response.Headers.RetryAfter!.ToString(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 301, 600); // the configured 600 s lockout, not the default 300 s
        Assert.Equal(100, await CurtailStrike());
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/api/status")).StatusCode);
    }

    [Fact]
    public async Task AnExpiredTokenIsRefusedAndLoggedWhileADatedOneStillWorks()
    {
        var expired = await Send(HttpMethod.Post, "/api/cycle", Expired);
        Assert.Equal(HttpStatusCode.Unauthorized, expired.Status);
        Assert.Equal("token 'gone' expired at 2020-01-01 00:00:00Z", expired.Body.GetProperty("error").GetString());
        Assert.Contains(_log.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("token 'gone' expired") && l.Message.Contains("127.0.0.1"));
        Assert.DoesNotContain(_log.Lines, l => l.Message.Contains(Expired));

        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Put, "/api/trading", Dated, """{"curtail_above_usd_per_mwh": 130}""")).Status);
        Assert.Equal(130, await CurtailStrike());
    }

    [Fact]
    public async Task EventsStoredByAnOlderVersionWithIdsTheApiNowRefusesAreListedAndCanBeReleased()
    {
        var now = TimeProvider.System.GetUtcNow();
        DispatchEvent Legacy(string id) => new()
        {
            Id = id, Program = DemandResponseProgram.Manual, ReceivedAt = now, AcknowledgedAt = now, Deadline = now, TargetMw = 0.1, BaselineMw = 0.3,
        };
        var slashed = "legacy/1";
        var huge = new string('z', 8192);
        await RestartAsync(store =>
        {
            store.SaveEvent(Legacy(slashed));
            store.SaveEvent(Legacy(""));
            store.SaveEvent(Legacy(huge));
        });

        var listed = (await Json("/api/events")).EnumerateArray().Select(e => e.GetProperty("event").GetProperty("id").GetString()).ToList();
        Assert.Equal(3, listed.Count);
        Assert.Contains(slashed, listed);
        Assert.Equal(3, (await Json("/api/status")).GetProperty("active_events").GetArrayLength());

        foreach (var id in new[] { slashed, "", huge })
        {
            var released = await Send(HttpMethod.Post, "/api/events/release", Operator, JsonSerializer.Serialize(new { id }));
            Assert.Equal(HttpStatusCode.OK, released.Status);
            Assert.Equal(id, released.Body.GetProperty("id").GetString());
        }
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Post, "/api/events/release", Operator, """{"id": "never-was"}""")).Status);
        Assert.Empty((await Json("/api/status")).GetProperty("active_events").EnumerateArray());
        Assert.Equal(3, (await AuditActions()).Count(a => a == "dispatch_released"));

        await RestartAsync();
        Assert.Empty((await Json("/api/status")).GetProperty("active_events").EnumerateArray());
        Assert.Equal(3, (await Json("/api/events")).GetArrayLength());
    }

    [Fact]
    public async Task AnOverrideReasonOfMegabytesStoredByAnOlderVersionIsServedClipped()
    {
        var until = TimeProvider.System.GetUtcNow().AddHours(1);
        await RestartAsync(store => store.SaveSetting("override", new Trading.TradingOverride(Trading.OverrideMode.ForceRun, until, "old", new string('r', 5 * 1024 * 1024))));
        var served = (await Json("/api/status")).GetProperty("override");
        Assert.Equal("force_run", served.GetProperty("mode").GetString());
        Assert.Equal(500, served.GetProperty("reason").GetString()!.Length);
        Assert.EndsWith("r…", served.GetProperty("reason").GetString());
    }
}
