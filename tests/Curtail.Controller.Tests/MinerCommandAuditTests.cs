using System.Net;
using System.Text.Json;
using Curtail.Controller.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Curtail.Controller.Tests;

/// <summary>
/// Runs alone: the controller's meter has one name in the process, so another host's cycles would count in these
/// metrics if tests ran beside it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ExclusiveMetrics
{
    public const string Name = "exclusive metrics";
}

/// <summary>Every command sent to a miner is on the audit log, and the metrics count the same commands.</summary>
[Collection(ExclusiveMetrics.Name)]
public sealed class MinerCommandAuditTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static async Task<List<JsonElement>> Audit(ObservedSite site, string query) =>
        JsonDocument.Parse(await site.Http.GetStringAsync("/api/audit" + query)).RootElement.EnumerateArray().ToList();

    [Fact]
    public async Task ACyclesMinerCommandsAreAuditedCountedAndScraped()
    {
        var exported = new List<Metric>();
        using var meters = Sdk.CreateMeterProviderBuilder().AddMeter(CurtailTelemetry.Name).AddInMemoryExporter(exported).Build();
        await using var site = await ObservedSite.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await site.ForceCurtailAsync()).StatusCode);

        // The override's cycle put every miner to sleep; each command is a row, decided by that cycle.
        // The override queues a cycle; it is on record with its outcome once its commands are confirmed.
        var ids = site.Fleet.Miners.Select(m => $"{m.Endpoint.Host}:{m.Endpoint.Port}").ToHashSet();
        var all = await SleepsAudited(site, ids.Count);
        var commands = all.Where(c => c.GetProperty("command").GetString() == "sleep").ToList();
        Assert.Equal(ids.Order(), commands.Select(c => c.GetProperty("miner").GetString()!).Order());
        // One cycle decided them all: the one the override asked for.
        var cycle = Assert.Single(commands.Select(c => c.GetProperty("decided_by").GetString()!).Distinct());
        Assert.StartsWith("cycle:", cycle);
        var decision = JsonDocument.Parse(await site.Http.GetStringAsync($"/api/decisions/{cycle["cycle:".Length..]}")).RootElement.GetProperty("summary");
        Assert.Equal("override:tina", decision.GetProperty("trigger").GetString());
        Assert.Equal(0, decision.GetProperty("target_kw").GetDouble());
        foreach (var c in commands)
        {
            Assert.Equal("sleep", c.GetProperty("command").GetString());
            Assert.Equal("confirmed", c.GetProperty("outcome").GetString());
            Assert.InRange(c.GetProperty("latency_ms").GetDouble(), 0.001, 60_000);
            Assert.StartsWith("trigger override:tina", c.GetProperty("detail").GetString());
        }
        Assert.All(all, c => Assert.Contains(c.GetProperty("miner").GetString()!, ids));
        Assert.True(site.Fleet.Miners.All(m => m.Asleep), "the emulated miners are asleep");

        // Filters: one miner, an outcome, a command, a time window, a limit.
        var one = ids.First();
        var mine = await Audit(site, $"?miner={Uri.EscapeDataString(one)}");
        Assert.Equal(all.Count(c => c.GetProperty("miner").GetString() == one), mine.Count);
        Assert.All(mine, c => Assert.Equal(one, c.GetProperty("miner").GetString()));
        Assert.Equal(all.Count(c => c.GetProperty("outcome").GetString() == "failed"), (await Audit(site, "?outcome=failed")).Count);
        var sleeps = await Audit(site, "?outcome=confirmed&command=sleep");
        Assert.Equal(all.Count(c => c.GetProperty("outcome").GetString() == "confirmed" && c.GetProperty("command").GetString() == "sleep"), sleeps.Count);
        var time = commands[0].GetProperty("time").GetDateTimeOffset();
        Assert.Equal(all.Count(c => c.GetProperty("time").GetDateTimeOffset() < time),
            (await Audit(site, $"?until={Uri.EscapeDataString(time.ToString("O"))}&action=miner_command")).Count);
        Assert.Equal(all.Count(c => c.GetProperty("time").GetDateTimeOffset() >= time),
            (await Audit(site, $"?since={Uri.EscapeDataString(time.ToString("O"))}&action=miner_command")).Count);
        Assert.Equal(2, (await Audit(site, "?action=miner_command&limit=2")).Count);
        // The API change that caused them is on the same log.
        Assert.Single(await Audit(site, "?action=set_override"));
        // kind=changes keeps the API changes only (the dashboard's table), kind=commands the miner commands only.
        var changes = await Audit(site, "?kind=changes&limit=10000");
        Assert.Contains(changes, c => c.GetProperty("action").GetString() == "set_override");
        Assert.DoesNotContain(changes, c => c.GetProperty("action").GetString() == "miner_command");
        Assert.Equal(all.Count, (await Audit(site, "?kind=commands&limit=10000")).Count);
        Assert.Equal(HttpStatusCode.BadRequest, (await site.Http.GetAsync("/api/audit?kind=everything")).StatusCode);
        var bad = await site.Http.GetAsync("/api/audit?since=yesterday");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("since", JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("field").GetString());

        // The in-memory exporter reads the same instruments: as many commands counted as audited.
        meters.ForceFlush();
        double Sum(string name) => exported.Where(m => m.Name == name).SelectMany(Points).Sum(p => p.MetricType.IsDouble() ? p.Point.GetSumDouble() : p.Point.GetSumLong());
        Assert.Equal(all.Count, Sum("curtail.miner_commands"));
        var confirmed = all.Count(c => c.GetProperty("outcome").GetString() == "confirmed");
        Assert.Equal(all.Count - confirmed, Sum("curtail.miner_command_failures"));
        Assert.True(Sum("curtail.decision_cycles") >= 1);
        var latency = exported.Where(m => m.Name == "curtail.miner_command_latency").SelectMany(Points).ToList();
        Assert.Equal(confirmed, latency.Sum(p => p.Point.GetHistogramCount()));
        var target = exported.Where(m => m.Name == "curtail.site_target").SelectMany(Points).Select(p => p.Point.GetGaugeLastValueDouble()).Last();
        Assert.Equal(0, target);

        // /metrics serves them in Prometheus text format.
        var scrape = await site.Http.GetStringAsync("/metrics");
        output.WriteLine(scrape);
        Assert.Matches($@"(?m)^curtail_miner_commands_total(\{{[^}}]*\}})? {all.Count}( |$)", scrape);
        Assert.Matches(@"(?m)^curtail_site_target_kW(\{[^}]*\})? 0( |$)", scrape);
        Assert.Contains("# TYPE curtail_miner_command_latency_milliseconds histogram", scrape);
    }

    /// <summary>The override only queues its cycle: wait until every miner's sleep is on the log with its outcome.</summary>
    private static async Task<List<JsonElement>> SleepsAudited(ObservedSite site, int miners)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var all = await Audit(site, "?action=miner_command&limit=10000");
            if (all.Count(c => c.GetProperty("command").GetString() == "sleep") >= miners) return all;
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(90), $"the override's sleeps were not all audited in 90 s: {all.Count} commands");
            await Task.Delay(200);
        }
    }

    private static IEnumerable<(MetricPoint Point, MetricType MetricType)> Points(Metric m)
    {
        foreach (ref readonly var p in m.GetMetricPoints()) yield return (p, m.MetricType);
    }
}
