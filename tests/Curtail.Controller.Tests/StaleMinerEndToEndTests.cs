using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Curtail.Emulators.Miners;

namespace Curtail.Controller.Tests;

/// <summary>
/// Stale telemetry is never shown as live (hass-miner #519), end to end: a controller reads emulated miners over
/// loopback; one is made to stop answering through the fleet emulator's control port; after the next cycle the API
/// the dashboard reads shows it unreachable, with no hashrate or power and the time it last answered, while the others
/// stay live. Deterministic: the site has no price feed and an hourly cycle, so the only reads are the start-up cycle
/// and the cycles the test asks for (POST /api/cycle), and the fault is switched between two of them.
/// </summary>
public sealed class StaleMinerEndToEndTests : IAsyncLifetime
{
    private const int Miners = 6;

    private ObservedSite _site = null!;
    private FleetControlServer _control = null!;
    private HttpClient _controlHttp = null!;

    public async Task InitializeAsync()
    {
        _site = await ObservedSite.StartAsync(Miners, seed: 11);
        _control = new FleetControlServer(_site.Fleet, IPAddress.Loopback, 0);
        _control.Start();
        _controlHttp = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_control.Port}") };
        // The start-up cycle has read every miner.
        await Until(async () => (await StatusAsync()).Miners.Count == Miners && (await StatusAsync()).Miners.All(Live), "the start-up cycle reads every miner");
    }

    /// <summary>
    /// The status once no cycle has been recorded for a second: what a cycle asked for shows after it (an override,
    /// for one, also runs a cycle at its start, which reads the miners again).
    /// </summary>
    private async Task<Status> QuietAsync()
    {
        var last = await StatusAsync();
        var since = System.Diagnostics.Stopwatch.StartNew();
        await Until(async () =>
        {
            var now = await StatusAsync();
            if (now.Cycles != last.Cycles || now.Json.GetProperty("last_decision").ToString() != last.Json.GetProperty("last_decision").ToString()) since.Restart();
            last = now;
            return since.Elapsed > TimeSpan.FromSeconds(1);
        }, "the cycles settle");
        return last;
    }

    public async Task DisposeAsync()
    {
        _controlHttp?.Dispose();
        if (_control is not null) await _control.DisposeAsync();
        if (_site is not null) await _site.DisposeAsync();
    }

    [Theory]
    [InlineData("silence")]   // reads the request and never answers: the driver times out
    [InlineData("reset")]     // resets the connection after reading the request
    public async Task A_miner_that_stops_answering_shows_its_last_seen_time_and_no_hashrate_or_power(string fault)
    {
        var before = await QuietAsync();
        var silent = before.Miners[0];
        await SwitchFaultAsync(silent.Id, fault);

        var after = await NextCycleAsync(before.Cycles, s => !Live(s.Miners.Single(m => m.Id == silent.Id)));
        AssertStale(after, silent);
        // The others were read again in this cycle, and are live.
        foreach (var m in after.Miners.Where(m => m.Id != silent.Id))
        {
            Assert.True(Live(m), $"{m.Id} stays live: {m.Json}");
            Assert.True(m.LastSeen > before.Miners.Single(b => b.Id == m.Id).LastSeen, $"{m.Id} was read again in the cycle");
        }
        await AssertDashboardListAsync(silent);

        // Answering again, it is live again at the next cycle, seen after the silence.
        await SwitchFaultAsync(silent.Id, "none");
        var back = await NextCycleAsync(after.Cycles, s => Live(s.Miners.Single(m => m.Id == silent.Id)));
        Assert.True(back.Miners.Single(m => m.Id == silent.Id).LastSeen > silent.LastSeen, "seen again after the silence");
    }

    [Fact]
    public async Task A_miner_silent_after_a_command_shows_the_time_of_its_confirming_read_back()
    {
        // The trader curtails the site: every miner is put to sleep and confirmed by a read-back, after the cycle's read.
        var before = await QuietAsync();
        using (var curtail = await _site.ForceCurtailAsync()) Assert.Equal(HttpStatusCode.OK, curtail.StatusCode);
        await NextCycleAsync(before.Cycles, s => s.Miners.All(m => m.Mode == "sleeping"), ask: false);
        var asleep = await QuietAsync();
        Assert.All(asleep.Miners, m => Assert.Equal("sleeping", m.Mode));
        var silent = asleep.Miners[0];
        Assert.True(silent.LastSeen > before.Miners[0].LastSeen, "the status shows the read-back, later than the start-up read");

        await SwitchFaultAsync(silent.Id, "reset");
        var after = await NextCycleAsync(asleep.Cycles, s => !Live(s.Miners.Single(m => m.Id == silent.Id)));
        // Its last successful read is the read-back that confirmed its sleep, not the cycle read before it.
        AssertStale(after, silent);
        Assert.All(after.Miners.Where(m => m.Id != silent.Id), m => Assert.True(Live(m), $"{m.Id} stays live: {m.Json}"));
        await AssertDashboardListAsync(silent);
    }

    private static void AssertStale(Status status, Miner lastLive)
    {
        var m = status.Miners.Single(x => x.Id == lastLive.Id);
        Assert.Equal("unreachable", m.Mode);
        Assert.False(m.Json.GetProperty("live").GetBoolean());
        // Never its last numbers as live: null, not 0 and not the last reading's values.
        Assert.Equal(JsonValueKind.Null, m.Json.GetProperty("hashrate_th").ValueKind);
        Assert.Equal(JsonValueKind.Null, m.Json.GetProperty("power_w").ValueKind);
        Assert.Equal(JsonValueKind.String, m.Json.GetProperty("error").ValueKind);
        Assert.Equal(lastLive.LastSeen, m.LastSeen);
        Assert.Equal(1, status.Json.GetProperty("miners_by_state").GetProperty("unreachable").GetInt32());
        // The site load leaves out what the silent miner drew (its power is unknown, not its last figure).
        var liveKw = status.Miners.Where(x => x.Id != lastLive.Id).Sum(x => x.Json.GetProperty("power_w") is { ValueKind: JsonValueKind.Number } w ? w.GetDouble() : 0) / 1000;
        Assert.Equal(liveKw, status.Json.GetProperty("site_load_kw").GetDouble(), 6);
    }

    /// <summary>The dashboard's miner table (a page of /api/miners) and its fleet totals say the same as the status.</summary>
    private async Task AssertDashboardListAsync(Miner lastLive)
    {
        var page = JsonDocument.Parse(await _site.Http.GetStringAsync($"/api/miners?filter={Uri.EscapeDataString(lastLive.Id)}")).RootElement;
        var row = Assert.Single(page.GetProperty("miners").EnumerateArray(), r => r.GetProperty("id").GetString() == lastLive.Id);
        Assert.Equal("unreachable", row.GetProperty("mode").GetString());
        Assert.False(row.GetProperty("live").GetBoolean());
        Assert.Equal(JsonValueKind.Null, row.GetProperty("hashrate_th").ValueKind);
        Assert.Equal(JsonValueKind.Null, row.GetProperty("power_w").ValueKind);
        Assert.Equal(lastLive.LastSeen, row.GetProperty("last_seen").GetDateTimeOffset());
        var byState = JsonDocument.Parse(await _site.Http.GetStringAsync("/api/miners?state=unreachable")).RootElement;
        Assert.Equal(lastLive.Id, Assert.Single(byState.GetProperty("miners").EnumerateArray()).GetProperty("id").GetString());
        var fleet = JsonDocument.Parse(await _site.Http.GetStringAsync("/api/fleet")).RootElement;
        Assert.Equal(1, fleet.GetProperty("failing").GetInt32());
        Assert.Equal(1, fleet.GetProperty("by_state").GetProperty("unreachable").GetInt32());
    }

    private async Task SwitchFaultAsync(string id, string fault)
    {
        using var response = fault == "none"
            ? await _controlHttp.DeleteAsync($"/miners/{Uri.EscapeDataString(id)}/fault")
            : await _controlHttp.PutAsync($"/miners/{Uri.EscapeDataString(id)}/fault/{fault}", null);
        Assert.True(response.IsSuccessStatusCode, $"switching {id} to {fault}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Asks for a cycle (operator) and polls the status until one more has been recorded and <paramref name="done"/> holds.</summary>
    private async Task<Status> NextCycleAsync(int cyclesBefore, Func<Status, bool> done, bool ask = true)
    {
        if (ask)
        {
            using var run = new HttpRequestMessage(HttpMethod.Post, "/api/cycle");
            run.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ObservedSite.OperatorToken);
            Assert.Equal(HttpStatusCode.Accepted, (await _site.Http.SendAsync(run)).StatusCode);
        }
        Status? last = null;
        await Until(async () =>
        {
            last = await StatusAsync();
            return last.Cycles > cyclesBefore && done(last);
        }, "the cycle asked for has run");
        return last!;
    }

    private static bool Live(Miner m) => m.Mode != "unreachable" && m.Json.GetProperty("live").GetBoolean() && m.LastSeen is not null
        && m.Json.GetProperty("power_w").ValueKind == JsonValueKind.Number;

    private sealed record Miner(string Id, string Mode, DateTimeOffset? LastSeen, JsonElement Json);

    private sealed record Status(int Cycles, IReadOnlyList<Miner> Miners, JsonElement Json);

    private async Task<Status> StatusAsync()
    {
        var root = JsonDocument.Parse(await _site.Http.GetStringAsync("/api/status")).RootElement;
        var miners = root.GetProperty("miners").ValueKind == JsonValueKind.Array
            ? root.GetProperty("miners").EnumerateArray().Select(m => new Miner(m.GetProperty("id").GetString()!, m.GetProperty("mode").GetString()!,
                m.GetProperty("last_seen").ValueKind == JsonValueKind.String ? m.GetProperty("last_seen").GetDateTimeOffset() : null, m.Clone()))
                .OrderBy(m => m.Id, StringComparer.Ordinal).ToList()
            : [];
        return new Status(root.GetProperty("cycles").GetInt32(), miners, root.Clone());
    }

    /// <summary>Polls (no fixed sleep): a loaded CI host may take a while, a broken controller never gets there.</summary>
    private static async Task Until(Func<Task<bool>> condition, string what)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (await condition()) return;
            await Task.Delay(50);
        }
        throw new TimeoutException($"{what}: not within 90 s");
    }
}
