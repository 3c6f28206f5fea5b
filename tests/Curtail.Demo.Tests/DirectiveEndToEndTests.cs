using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Curtail.Demo.Tests;

/// <summary>
/// SB 6 emergency directives end to end on the emulated site (`curtail demo` wiring: ERCOT emulator, 12 emulated
/// miners on their own protocols, the genset emulator carrying the miners' load, all over loopback, replayed at 60x
/// from 2024-05-08 15:00 CDT, when HB_WEST is well below the strike and the site runs full): a directive to curtail to a
/// level is acknowledged on receipt, met with the miners' confirmed load before its deadline, traced per minute into
/// the hash chain with the operator's notes, and released; a run-on-backup directive is confirmed on the genset; the
/// chain verifies, and a row changed in the SQLite file afterwards is found and named.
/// </summary>
[Collection(DemoSiteCollection.Name)]
public sealed class DirectiveEndToEndTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Cpt = TimeSpan.FromHours(-5);

    [Fact]
    public async Task ADirectiveIsAcknowledgedMetTracedReleasedAndItsChainCatchesTampering()
    {
        await using var demo = await Task.Run(() => DemoSite.StartAsync(new DemoOptions
        {
            Start = new DateTimeOffset(2024, 5, 8, 15, 0, 0, Cpt), Speed = 60, Miners = 12, Port = 0,
            MinerBasePort = 20000 + Random.Shared.Next(0, 50) * 100, LogLevel = LogLevel.Warning,
        }));
        using var http = new HttpClient { BaseAddress = new Uri(demo.DashboardUrl) };
        var fullW = demo.Fleet.Miners.Sum(m => m.Model.NominalW);
        await Until(() => demo.Fleet.TotalPowerW > 0.9 * fullW, "the site hashing at full power before the directive");

        // Curtail to 40 % of the fleet's power within 10 minutes.
        var levelMw = Math.Round(0.4 * fullW / 1e6, 4);
        var sent = demo.Time.GetUtcNow();
        var created = await Send(http, demo, HttpMethod.Post, "/api/directives",
            new { kind = "curtail_to_level", level_mw = levelMw, deadline_minutes = 10, id = "sb6-e2e", note = "ERCOT shift engineer call, ref EEA2-0508" });
        var answered = demo.Time.GetUtcNow();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var e = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("curtail_to_level", e.GetProperty("directive").GetString());
        Assert.Equal("sb6", e.GetProperty("program").GetString());
        var received = e.GetProperty("received_at").GetDateTimeOffset();
        Assert.Equal(received, e.GetProperty("acknowledged_at").GetDateTimeOffset());
        // Received (and acknowledged) while the request was in flight: the answer carries the acknowledgment.
        Assert.True(received >= sent && received <= answered, $"received {received:u}, sent {sent:u}, answered {answered:u}");

        // The miners' own power reaches the level; the controller confirms it and puts the figures into the chain.
        await Until(() => demo.Fleet.TotalPowerW <= levelMw * 1e6, "the emulated miners' power at or below the directive's level");
        var confirmed = await Until(async () => (await Chain(http, "sb6-e2e")).FirstOrDefault(x => x.GetProperty("kind").GetString() == "load_confirmed"),
            "the confirmed load in the chain");
        var data = Body(confirmed).GetProperty("data");
        Assert.True(data.GetProperty("site_load_kw").GetDouble() <= levelMw * 1000 + 1e-6);
        var metAt = confirmed.GetProperty("time").GetDateTimeOffset();
        Assert.True(metAt <= received.AddMinutes(10), $"met at {metAt:u}, deadline {received.AddMinutes(10):u}");
        output.WriteLine($"met {(metAt - received).TotalMinutes:F1} replay minutes after receipt; fleet {demo.Fleet.TotalPowerW / 1000:F1} kW, level {levelMw * 1000:F1} kW");

        Assert.Equal(HttpStatusCode.OK, (await Send(http, demo, HttpMethod.Post, "/api/directives/sb6-e2e/notes", new { text = "site lead confirmed on the phone" })).StatusCode);
        // Per-minute achieved load: wait for three whole minutes after the confirmation.
        await Until(async () => (await Chain(http, "sb6-e2e")).Count(x => x.GetProperty("kind").GetString() == "load_minute"
            && Body(x).GetProperty("data").GetProperty("minute_start").GetDateTimeOffset() > metAt) >= 3, "three minutes of load after the confirmation");
        // The API's release of ordinary events does not take a directive (its release belongs in the chain).
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(http, demo, HttpMethod.Post, "/api/events/sb6-e2e/release", null)).StatusCode);
        var release = await Send(http, demo, HttpMethod.Post, "/api/directives/sb6-e2e/release", new { text = "ERCOT released at EEA end" });
        Assert.Equal(HttpStatusCode.OK, release.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(http, demo, HttpMethod.Post, "/api/directives/sb6-e2e/release", null)).StatusCode);

        var chain = await Chain(http, "sb6-e2e");
        var kinds = chain.Select(x => x.GetProperty("kind").GetString()).ToList();
        output.WriteLine(string.Join(", ", kinds));
        Assert.Equal(["received", "acknowledged"], kinds.Take(2));
        Assert.True(kinds.IndexOf("load_confirmed") < kinds.IndexOf("note") && kinds.IndexOf("note") < kinds.IndexOf("released"));
        Assert.Equal("ERCOT shift engineer call, ref EEA2-0508", Body(chain[0]).GetProperty("data").GetProperty("note").GetString());
        // Whole minutes after the confirmation and before the release are at or below the level (the fleet's own power).
        var held = chain.Where(x => x.GetProperty("kind").GetString() == "load_minute").Select(x => Body(x).GetProperty("data"))
            .Where(d => d.GetProperty("minute_start").GetDateTimeOffset() > metAt).ToList();
        Assert.NotEmpty(held);
        Assert.All(held, d => Assert.True(d.GetProperty("load_mw").GetDouble() <= levelMw * 1.02, $"minute {d.GetProperty("minute_start")}: {d.GetProperty("load_mw")} MW"));

        // Released: the price policy runs the site again.
        await Until(() => demo.Fleet.TotalPowerW > 0.9 * fullW, "the site back at full power after the release");

        // Run on backup: the demo's genset carries the whole site load, so the transfer is confirmed on its reading.
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(http, demo, HttpMethod.Post, "/api/directives", new { kind = "run_on_backup", level_mw = 1, deadline_minutes = 5 })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Send(http, demo, HttpMethod.Post, "/api/directives", new { kind = "run_on_backup", deadline_minutes = 5, id = "sb6-backup" })).StatusCode);
        var transfer = await Until(async () => (await Chain(http, "sb6-backup")).FirstOrDefault(x => x.GetProperty("kind").GetString() == "load_confirmed"),
            "the transfer to the genset confirmed");
        Assert.True(Body(transfer).GetProperty("data").GetProperty("genset_on_load").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, (await Send(http, demo, HttpMethod.Post, "/api/directives/sb6-backup/release", null)).StatusCode);

        var verify = JsonDocument.Parse(await http.GetStringAsync("/api/directives/verify")).RootElement;
        Assert.True(verify.GetProperty("intact").GetBoolean(), verify.GetRawText());
        Assert.True(verify.GetProperty("entries").GetInt32() >= chain.Count + 4);

        // Someone lowers a minute of achieved load in the database: the chain names that entry.
        var tampered = chain.First(x => x.GetProperty("kind").GetString() == "load_minute");
        var seq = tampered.GetProperty("seq").GetInt64();
        using (var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = demo.Config.SqlitePath, Pooling = false }.ToString()))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "UPDATE directive_chain SET body = replace(body, '\"load_mw\":', '\"load_mw\":0.0') WHERE seq = @s";
            cmd.Parameters.AddWithValue("s", seq);
            Assert.Equal(1, cmd.ExecuteNonQuery());
        }
        var broken = JsonDocument.Parse(await http.GetStringAsync("/api/directives/verify")).RootElement;
        Assert.False(broken.GetProperty("intact").GetBoolean());
        Assert.Equal(seq, broken.GetProperty("broken_at").GetInt64());
        Assert.StartsWith($"entry {seq} (load_minute of directive sb6-e2e", broken.GetProperty("problem").GetString());
    }

    private static JsonElement Body(JsonElement entry) => JsonDocument.Parse(entry.GetProperty("body").GetString()!).RootElement;

    private static async Task<List<JsonElement>> Chain(HttpClient http, string id) =>
        JsonDocument.Parse(await http.GetStringAsync($"/api/directives/{id}/chain")).RootElement.GetProperty("entries").EnumerateArray().ToList();

    private static Task<HttpResponseMessage> Send(HttpClient http, DemoSite demo, HttpMethod method, string path, object? body)
    {
        var r = new HttpRequestMessage(method, path);
        r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", demo.OperatorToken);
        if (body is not null) r.Content = JsonContent.Create(body);
        return http.SendAsync(r);
    }

    private static async Task Until(Func<bool> condition, string what)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!condition() && waited.Elapsed < TimeSpan.FromSeconds(90)) await Task.Delay(50);
        Assert.True(condition(), "timed out waiting for " + what);
    }

    private static async Task<T> Until<T>(Func<Task<T>> read, string what)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(90))
        {
            var value = await read();
            if (value is not null && !(value is JsonElement { ValueKind: JsonValueKind.Undefined }) && !(value is false)) return value;
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException("timed out waiting for " + what);
    }
}

/// <summary>
/// The demo-site tests run one at a time: each drives a whole site in accelerated time, and two at once on a loaded
/// two-core machine slow each other's cycles past the deadlines they check.
/// </summary>
[CollectionDefinition(DemoSiteCollection.Name, DisableParallelization = true)]
public sealed class DemoSiteCollection
{
    public const string Name = "demo site";
}
