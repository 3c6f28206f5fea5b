using System.Text.Json;
using System.Text.Json.Nodes;
using Curtail.Controller.OpenAdr;
using Curtail.Emulators.OpenAdr;

namespace Curtail.Controller.Tests;

/// <summary>The OpenADR 3 VEN client against the VTN emulator on loopback: token, paging, VEN registration, reports.</summary>
public sealed class OpenAdrClientTests : IAsyncLifetime
{
    private readonly VtnEmulator _vtn = new(new VtnEmulatorOptions { Programs = ["ercot-dr"] }, TimeProvider.System);
    private OpenAdrClient _client = null!;
    private readonly HttpClient _http = new();

    public Task InitializeAsync()
    {
        _vtn.Start();
        _client = new OpenAdrClient(_http, Config(), TimeProvider.System);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _vtn.DisposeAsync();
    }

    private OpenAdrConfig Config(string secret = "curtail-ven-secret") => new(_vtn.BaseUrl, "curtail-ven", secret, "site-ven")
    {
        Programs = [new OpenAdrProgramConfig("ercot-dr")],
    };

    private static JsonObject LimitEvent(string programId, DateTimeOffset start, double kw) => new()
    {
        ["programID"] = programId,
        ["intervalPeriod"] = new JsonObject { ["start"] = start.ToString("O"), ["duration"] = "PT15M" },
        ["intervals"] = new JsonArray(new JsonObject
        {
            ["id"] = 0, ["payloads"] = new JsonArray(new JsonObject { ["type"] = "IMPORT_CAPACITY_LIMIT", ["values"] = new JsonArray(kw) }),
        }),
    };

    [Fact]
    public async Task A_token_is_fetched_once_and_again_after_the_VTN_revokes_it()
    {
        var programs = await _client.ProgramsAsync(CancellationToken.None);
        await _client.ProgramsAsync(CancellationToken.None);
        Assert.Equal("ercot-dr", Assert.Single(programs).ProgramName);
        Assert.Equal(1, _vtn.TokensIssued);
        _vtn.RevokeTokens();
        Assert.Single(await _client.ProgramsAsync(CancellationToken.None));
        Assert.Equal(2, _vtn.TokensIssued);
        Assert.Equal(2, _client.TokensFetched);
    }

    [Fact]
    public async Task A_wrong_secret_is_refused_with_the_client_and_the_VTN_error_named()
    {
        var client = new OpenAdrClient(_http, Config("wrong"), TimeProvider.System);
        var ex = await Assert.ThrowsAsync<OpenAdrException>(() => client.ProgramsAsync(CancellationToken.None));
        Assert.Contains("'curtail-ven'", ex.Message);
        Assert.Contains("invalid_client", ex.Message);
        Assert.Contains(_vtn.TokenUrl, ex.Message);
    }

    [Fact]
    public async Task Events_are_read_page_by_page_in_the_VTN_order()
    {
        var programId = _vtn.ProgramId("ercot-dr")!;
        var other = _vtn.AddProgram("other");
        var start = new DateTimeOffset(2026, 8, 1, 19, 0, 0, TimeSpan.Zero);
        var ids = Enumerable.Range(0, 120).Select(i => _vtn.PublishEvent(LimitEvent(programId, start.AddMinutes(15 * i), 100 + i))).ToList();
        _vtn.PublishEvent(LimitEvent(other, start, 1));
        var events = await _client.EventsAsync(programId, CancellationToken.None);
        Assert.Equal(ids, events.Select(e => e.Id));
        Assert.Equal(3, _vtn.Searches["events"]); // 50 + 50 + 20
        Assert.Equal(219, events[^1].Intervals[0].Payloads[0].Values[0].GetDouble());
        Assert.Equal(start.AddMinutes(15 * 119), events[^1].IntervalPeriod!.Start);
    }

    [Fact]
    public async Task The_VEN_is_registered_once_by_name()
    {
        var first = await _client.EnsureVenAsync(CancellationToken.None);
        var second = await _client.EnsureVenAsync(CancellationToken.None);
        Assert.Equal(first.Id, second.Id);
        Assert.Equal("site-ven", Assert.Single(_vtn.Vens)["venName"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_report_is_posted_and_found_by_event_and_client()
    {
        var programId = _vtn.ProgramId("ercot-dr")!;
        var eventId = _vtn.PublishEvent(LimitEvent(programId, TimeProvider.System.GetUtcNow(), 500));
        var report = new OadrReport
        {
            ProgramId = programId, EventId = eventId, ClientName = "site-ven", ReportName = "oadr-x-0-limit",
            Resources = [new OadrReportResource { ResourceName = "AGGREGATED_REPORT", Intervals = [new OadrInterval { Id = 0, Payloads = [new OadrValuesMap { Type = "DEMAND", Values = [JsonSerializer.SerializeToElement(412.5)] }] }] }],
        };
        var posted = await _client.PostReportAsync(report, CancellationToken.None);
        Assert.StartsWith("report-", posted.Id);
        var found = Assert.Single(await _client.ReportsAsync(eventId, "site-ven", CancellationToken.None));
        Assert.Equal("oadr-x-0-limit", found.ReportName);
        Assert.Equal(412.5, found.Resources[0].Intervals[0].Payloads[0].Values[0].GetDouble());
        Assert.Empty(await _client.ReportsAsync(eventId, "another-ven", CancellationToken.None));
    }

    [Fact]
    public async Task A_report_of_an_unknown_program_gets_the_VTN_problem_named()
    {
        var report = new OadrReport { ProgramId = "program-999", EventId = "event-1", ClientName = "site-ven", Resources = [] };
        var ex = await Assert.ThrowsAsync<OpenAdrException>(() => _client.PostReportAsync(report, CancellationToken.None));
        Assert.Contains("HTTP 400", ex.Message);
        Assert.Contains("no program 'program-999'", ex.Message);
    }
}
