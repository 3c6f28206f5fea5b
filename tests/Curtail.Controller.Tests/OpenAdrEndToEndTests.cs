using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Curtail.Controller.Config;
using Curtail.Controller.Hosting;
using Curtail.Emulators.Miners;
using Curtail.Emulators.OpenAdr;
using Curtail.Miners;
using Curtail.Miners.Fleet;
using Microsoft.AspNetCore.Builder;

namespace Curtail.Controller.Tests;

/// <summary>
/// End to end on loopback: the VTN emulator publishes OpenADR events, the controller's VEN polls them and sheds the
/// emulated miners over their own protocol, and posts the achieved load back as a report; an event it cannot map is
/// refused and audited; an SB 6 program's event is a hash-chained directive that a deletion on the VTN releases.
/// </summary>
public sealed class OpenAdrEndToEndTests : IAsyncLifetime
{
    private const string SecretVariable = "CURTAIL_E2E_VTN_SECRET";
    private readonly VtnEmulator _vtn = new(new VtnEmulatorOptions { Programs = ["ercot-dr", "ercot-sb6"] }, TimeProvider.System);
    private MinerFleetEmulator _fleet = null!;
    private WebApplication _app = null!;
    private HttpClient _http = null!;
    private string _dir = null!;

    public async Task InitializeAsync()
    {
        _vtn.Start();
        _dir = Directory.CreateTempSubdirectory("curtail-openadr-").FullName;
        // Firmware timing 20x faster: a LuxOS sleep takes well under a second.
        _fleet = new MinerFleetEmulator(new FleetEmulatorOptions { Count = 6, BasePort = FreePorts.Block(6), Seed = 11, Timing = new EmulatorTiming { SpeedFactor = 20 } }, TimeProvider.System);
        _fleet.Start();
        var specs = _fleet.Miners.Select(m => new MinerSpec($"{m.Endpoint.Host}:{m.Endpoint.Port}", m.Family, m.Endpoint, m.Model, m.Credentials)).ToList();
        await File.WriteAllTextAsync(Path.Combine(_dir, "fleet.yaml"), FleetFile.Describe(specs));
        string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
        await File.WriteAllTextAsync(Path.Combine(_dir, "site.yaml"), $$$"""
            name: OpenADR site
            settlement_point: HB_WEST
            economics: {hashprice: {usd_per_th_day: 0.05}}
            fleet: [{group: site, count: 6, hashrate_th: {{{F(_fleet.Miners.Average(m => m.Model.NominalThs))}}}, power_w: {{{F(_fleet.Miners.Average(m => m.Model.NominalW))}}}}]
            policy: {kind: threshold, curtail_above_usd_per_mwh: 150, resume_below_usd_per_mwh: 100}
            controller:
              listen: http://127.0.0.1:0
              storage: {sqlite: {{{Path.Combine(_dir, "state.db")}}}}
              fleet: {{{Path.Combine(_dir, "fleet.yaml")}}}
              cycle_minutes: 60
              openadr:
                vtn_url: {{{_vtn.BaseUrl}}}
                client_id: curtail-ven
                client_secret_env: {{{SecretVariable}}}
                ven_name: e2e-site
                poll_seconds: 1
                programs:
                  - {name: ercot-dr, deadline_minutes: 1}
                  - {name: ercot-sb6, sb6: true, deadline_minutes: 5}
            """);
        Environment.SetEnvironmentVariable(SecretVariable, "curtail-ven-secret");
        _app = ControllerHost.Build(ControllerConfigParser.Load(Path.Combine(_dir, "site.yaml")));
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_app.Urls.First()) };
        await Until(async () => (await Json("/api/decisions?limit=1")).GetArrayLength() > 0, "the start-up cycle");
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _fleet.DisposeAsync();
        await _vtn.DisposeAsync();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static JsonObject Event(string programId, DateTimeOffset start, string duration, string type, double value) => new()
    {
        ["programID"] = programId,
        ["eventName"] = "e2e",
        ["intervalPeriod"] = new JsonObject { ["start"] = start.ToString("O"), ["duration"] = duration },
        ["intervals"] = new JsonArray(new JsonObject { ["id"] = 0, ["payloads"] = new JsonArray(new JsonObject { ["type"] = type, ["values"] = new JsonArray(value) }) }),
    };

    [Fact]
    public async Task A_capacity_limit_sheds_the_miners_and_the_achieved_load_is_reported_back()
    {
        var fullW = _fleet.TotalPowerW;
        Assert.True(fullW > 0, "the emulated miners run at start");
        var limitKw = Math.Round(fullW * 0.4 / 1000, 3);
        var now = TimeProvider.System.GetUtcNow();
        var eventId = _vtn.PublishEvent(Event(_vtn.ProgramId("ercot-dr")!, now.AddSeconds(-1), "PT20S", "IMPORT_CAPACITY_LIMIT", limitKw));
        var dispatchId = $"oadr-{eventId}-0-limit";

        var dispatch = await Until(async () => (await Json("/api/events")).EnumerateArray().Select(e => e.GetProperty("event"))
            .FirstOrDefault(e => e.GetProperty("id").GetString() == dispatchId) is { ValueKind: JsonValueKind.Object } e ? e : (JsonElement?)null, "the dispatch event");
        Assert.Equal("openadr:ercot-dr", dispatch.GetProperty("source").GetString());
        Assert.Equal(limitKw / 1000, dispatch.GetProperty("target_mw").GetDouble(), 9);
        await Until(() => Task.FromResult(_fleet.TotalPowerW <= limitKw * 1000), $"the miners below {limitKw} kW (at {_fleet.TotalPowerW / 1000:0.#} kW)");

        var report = await Until(() => Task.FromResult(_vtn.Reports.FirstOrDefault(r => r["eventID"]!.GetValue<string>() == eventId)), "the report", seconds: 60);
        Assert.Equal("e2e-site", report["clientName"]!.GetValue<string>());
        Assert.Equal(dispatchId, report["reportName"]!.GetValue<string>());
        Assert.Equal(_vtn.ProgramId("ercot-dr"), report["programID"]!.GetValue<string>());
        var intervals = report["resources"]![0]!["intervals"]!.AsArray();
        var trace = (await Json($"/api/events/{dispatchId}/trace")).GetProperty("minutes").EnumerateArray().ToList();
        Assert.NotEmpty(trace);
        Assert.Equal(trace.Count, intervals.Count);
        for (var i = 0; i < trace.Count; i++)
        {
            var demandKw = intervals[i]!["payloads"]!.AsArray().First(p => p!["type"]!.GetValue<string>() == "DEMAND")!["values"]![0]!.GetValue<double>();
            // DEMAND is posted in kW to 3 decimals: exactly the trace minute's mean, so rounded (comparing both to 2 places
            // instead fails whenever the mean lies next to a rounding boundary, e.g. 9.53462 posted as 9.535).
            Assert.Equal(Math.Round(trace[i].GetProperty("load_mw").GetDouble() * 1000, 3), demandKw, 6);
            Assert.Equal(trace[i].GetProperty("minute_start").GetDateTimeOffset(), intervals[i]!["intervalPeriod"]!["start"]!.GetValue<DateTimeOffset>());
        }
        // The shed shows in what was reported: the last minute's mean is below what the site drew before the event.
        Assert.True(intervals[^1]!["payloads"]![0]!["values"]![0]!.GetValue<double>() < fullW / 1000);
        Assert.Single(_vtn.Reports, r => r["eventID"]!.GetValue<string>() == eventId);
        Assert.Equal("e2e-site", Assert.Single(_vtn.Vens)["venName"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_event_with_an_unknown_payload_type_is_refused_audited_and_not_acted_on()
    {
        var eventId = _vtn.PublishEvent(Event(_vtn.ProgramId("ercot-dr")!, TimeProvider.System.GetUtcNow().AddSeconds(-1), "PT10M", "GHG", 430));
        var refusal = await Until(async () => (await Json("/api/audit?action=openadr_refused")).EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } a ? a : (JsonElement?)null, "the refusal");
        var detail = refusal.GetProperty("new_value").GetString()!;
        Assert.Contains(eventId, detail);
        Assert.Contains("GHG", detail);
        var status = await Json("/api/openadr");
        Assert.Contains(status.GetProperty("refused").EnumerateArray(), r => r.GetString()!.Contains($"'{eventId}'") && r.GetString()!.Contains("GHG"));
        // Refused once, not at every poll; and nothing was dispatched.
        await Task.Delay(2500);
        Assert.Single((await Json("/api/audit?action=openadr_refused")).EnumerateArray());
        Assert.DoesNotContain((await Json("/api/events")).EnumerateArray(), e => e.GetProperty("event").GetProperty("id").GetString()!.Contains(eventId));
    }

    [Fact]
    public async Task An_SB6_program_event_is_a_chained_directive_released_when_the_VTN_deletes_it()
    {
        var levelKw = Math.Round(_fleet.TotalPowerW * 0.5 / 1000, 3);
        var eventId = _vtn.PublishEvent(Event(_vtn.ProgramId("ercot-sb6")!, TimeProvider.System.GetUtcNow().AddSeconds(-1), "PT0S", "IMPORT_CAPACITY_LIMIT", levelKw));
        var id = $"oadr-{eventId}-0-limit";
        var chain = await Until(async () => (await _http.GetAsync($"/api/directives/{id}/chain")).IsSuccessStatusCode ? await Json($"/api/directives/{id}/chain") : (JsonElement?)null, "the directive");
        var directive = chain.GetProperty("event");
        Assert.Equal("curtail_to_level", directive.GetProperty("directive").GetString());
        Assert.Equal("openadr:ercot-sb6", directive.GetProperty("source").GetString());
        Assert.Equal(["received", "acknowledged"], chain.GetProperty("entries").EnumerateArray().Take(2).Select(e => e.GetProperty("kind").GetString()));
        await Until(() => Task.FromResult(_fleet.TotalPowerW <= levelKw * 1000), "the miners below the directive's level");

        // The VTN lowers the level: the directive is amended in its chain (old and new level) and the miners follow.
        var lowerKw = Math.Round(levelKw * 0.5, 3);
        _vtn.UpdateEvent(eventId, Event(_vtn.ProgramId("ercot-sb6")!, TimeProvider.System.GetUtcNow().AddSeconds(-1), "PT0S", "IMPORT_CAPACITY_LIMIT", lowerKw));
        var amended = await Until(async () => (await Json($"/api/directives/{id}/chain")).GetProperty("entries").EnumerateArray()
            .FirstOrDefault(e => e.GetProperty("kind").GetString() == "amended") is { ValueKind: JsonValueKind.Object } a ? a : (JsonElement?)null, "the amendment");
        var amendment = JsonDocument.Parse(amended.GetProperty("body").GetString()!).RootElement.GetProperty("data");
        Assert.Equal(levelKw / 1000, amendment.GetProperty("old").GetProperty("level_mw").GetDouble(), 9);
        Assert.Equal(lowerKw / 1000, amendment.GetProperty("new").GetProperty("level_mw").GetDouble(), 9);
        Assert.Equal("curtail_to_level", amendment.GetProperty("new").GetProperty("kind").GetString());
        Assert.Equal(lowerKw / 1000, (await Json($"/api/directives/{id}/chain")).GetProperty("event").GetProperty("target_mw").GetDouble(), 9);
        await Until(() => Task.FromResult(_fleet.TotalPowerW <= lowerKw * 1000), $"the miners below the amended level ({_fleet.TotalPowerW / 1000:0.#} kW)");

        Assert.True(_vtn.DeleteEvent(eventId));
        await Until(async () => (await Json($"/api/directives/{id}/chain")).GetProperty("entries").EnumerateArray().Any(e => e.GetProperty("kind").GetString() == "released"), "the release");
        Assert.True((await Json("/api/directives/verify")).GetProperty("intact").GetBoolean());
        // The achieved load while the directive held is reported, as for any event.
        var report = await Until(() => Task.FromResult(_vtn.Reports.FirstOrDefault(r => r["eventID"]!.GetValue<string>() == eventId)), "the report");
        Assert.Equal(id, report["reportName"]!.GetValue<string>());
        Assert.NotEmpty(report["resources"]![0]!["intervals"]!.AsArray());
    }

    [Fact]
    public async Task A_limit_changed_on_the_VTN_moves_the_dispatch_and_an_interval_ended_early_releases_it()
    {
        var programId = _vtn.ProgramId("ercot-dr")!;
        var fullW = _fleet.TotalPowerW;
        var firstKw = Math.Round(fullW * 0.7 / 1000, 3);
        var start = TimeProvider.System.GetUtcNow().AddSeconds(-1);
        var eventId = _vtn.PublishEvent(Event(programId, start, "PT10M", "IMPORT_CAPACITY_LIMIT", firstKw));
        var dispatchId = $"oadr-{eventId}-0-limit";
        await Until(async () => await Dispatch(dispatchId) is not null, "the dispatch");

        // The VTN lowers the limit to 40 %: the same dispatch now holds the new ceiling, audited with old and new.
        var secondKw = Math.Round(fullW * 0.4 / 1000, 3);
        _vtn.UpdateEvent(eventId, Event(programId, start, "PT10M", "IMPORT_CAPACITY_LIMIT", secondKw));
        await Until(async () => await Dispatch(dispatchId) is { } d && Math.Abs(d.GetProperty("target_mw").GetDouble() - secondKw / 1000) < 1e-9, "the new limit");
        var modified = Assert.Single((await Json("/api/audit?action=dispatch_modified")).EnumerateArray());
        var change = JsonDocument.Parse(modified.GetProperty("new_value").GetString()!).RootElement;
        Assert.Equal(eventId, change.GetProperty("event").GetString());
        Assert.Equal(firstKw / 1000, change.GetProperty("old").GetProperty("target_mw").GetDouble(), 9);
        Assert.Equal(secondKw / 1000, change.GetProperty("new").GetProperty("target_mw").GetDouble(), 9);
        await Until(() => Task.FromResult(_fleet.TotalPowerW <= secondKw * 1000), $"the miners below the new limit ({_fleet.TotalPowerW / 1000:0.#} kW)");
        // Polled again and again, the same version changes nothing more.
        await Task.Delay(2500);
        Assert.Single((await Json("/api/audit?action=dispatch_modified")).EnumerateArray());

        // The VTN ends the interval now (its duration cut to one second): the dispatch is released, saying why.
        _vtn.UpdateEvent(eventId, Event(programId, start, "PT1S", "IMPORT_CAPACITY_LIMIT", secondKw));
        var released = await Until(async () => await Dispatch(dispatchId) is { } d && d.GetProperty("released_at").ValueKind == JsonValueKind.String ? d : (JsonElement?)null, "the release");
        Assert.Contains($"OpenADR event {eventId} was modified on the VTN", released.GetProperty("notes").GetRawText());
        Assert.Contains((await Json("/api/audit?action=dispatch_released")).EnumerateArray(), a => a.GetProperty("new_value").GetString()!.Contains("its interval now runs"));
    }

    [Fact]
    public async Task An_events_report_descriptors_choose_the_reports_payloads_and_an_unknown_one_is_refused_naming_the_event()
    {
        var limitKw = Math.Round(_fleet.TotalPowerW * 0.5 / 1000, 3);
        var e = Event(_vtn.ProgramId("ercot-dr")!, TimeProvider.System.GetUtcNow().AddSeconds(-1), "PT15S", "IMPORT_CAPACITY_LIMIT", limitKw);
        e["reportDescriptors"] = new JsonArray(
            new JsonObject { ["payloadType"] = "DEMAND", ["units"] = "W" },
            new JsonObject { ["payloadType"] = "BASELINE", ["units"] = "KW" },
            new JsonObject { ["payloadType"] = "STORAGE_CHARGE_LEVEL" });
        var eventId = _vtn.PublishEvent(e);
        var dispatchId = $"oadr-{eventId}-0-limit";

        var refusal = await Until(async () => (await Json("/api/audit?action=openadr_report_refused")).EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } a ? a : (JsonElement?)null, "the report refusal");
        var refused = JsonDocument.Parse(refusal.GetProperty("new_value").GetString()!).RootElement;
        Assert.Equal(eventId, refused.GetProperty("event").GetString());
        Assert.Equal("STORAGE_CHARGE_LEVEL", refused.GetProperty("payload_type").GetString());
        Assert.StartsWith($"OpenADR event '{eventId}': report of payload type STORAGE_CHARGE_LEVEL refused: not a report payload Curtail produces", refused.GetProperty("error").GetString());
        // The event itself is acted on: only the report payload is refused.
        var dispatch = await Until(async () => await Dispatch(dispatchId), "the dispatch");

        var report = await Until(() => Task.FromResult(_vtn.Reports.FirstOrDefault(r => r["eventID"]!.GetValue<string>() == eventId)), "the report", seconds: 60);
        Assert.Equal(["DEMAND:W", "BASELINE:KW"], report["payloadDescriptors"]!.AsArray().Select(d => $"{d!["payloadType"]}:{d["units"]}"));
        var intervals = report["resources"]![0]!["intervals"]!.AsArray();
        var trace = (await Json($"/api/events/{dispatchId}/trace")).GetProperty("minutes").EnumerateArray().ToList();
        Assert.Equal(trace.Count, intervals.Count);
        for (var i = 0; i < trace.Count; i++)
        {
            var payloads = intervals[i]!["payloads"]!.AsArray();
            Assert.Equal(["DEMAND", "BASELINE"], payloads.Select(p => p!["type"]!.GetValue<string>()));
            // Posted to 3 decimals of the unit asked for.
            Assert.Equal(Math.Round(trace[i].GetProperty("load_mw").GetDouble() * 1e6, 3), payloads[0]!["values"]![0]!.GetValue<double>(), 6);
            Assert.Equal(Math.Round(dispatch.GetProperty("baseline_mw").GetDouble() * 1000, 3), payloads[1]!["values"]![0]!.GetValue<double>(), 6);
        }
    }

    private async Task<JsonElement?> Dispatch(string id) => (await Json("/api/events")).EnumerateArray().Select(e => e.GetProperty("event"))
        .FirstOrDefault(e => e.GetProperty("id").GetString() == id) is { ValueKind: JsonValueKind.Object } found ? found : null;

    private async Task<JsonElement> Json(string path) => JsonDocument.Parse(await _http.GetStringAsync(path)).RootElement.Clone();

    private static async Task<T> Until<T>(Func<Task<T?>> probe, string what, int seconds = 30) where T : struct
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            if (await probe() is { } v) return v;
            await Task.Delay(200);
        }
        throw new TimeoutException($"waited {seconds} s for {what}");
    }

    private static async Task<T> Until<T>(Func<Task<T?>> probe, string what, int seconds = 30) where T : class
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            if (await probe() is { } v) return v;
            await Task.Delay(200);
        }
        throw new TimeoutException($"waited {seconds} s for {what}");
    }

    private static async Task Until(Func<Task<bool>> probe, string what, int seconds = 30)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            if (await probe()) return;
            await Task.Delay(200);
        }
        throw new TimeoutException($"waited {seconds} s for {what}");
    }
}
