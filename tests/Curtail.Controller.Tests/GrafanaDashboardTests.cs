using System.Text.Json;
using System.Text.RegularExpressions;
using Curtail.Controller.Hosting;
using Curtail.Core.Prices;
using Microsoft.Extensions.DependencyInjection;

namespace Curtail.Controller.Tests;

/// <summary>
/// docs/grafana-curtail.json imports as it is: a dashboard Grafana's importer accepts (uid, title, schema version,
/// panels with unique ids on the 24-column grid, every <c>${variable}</c> defined), and every metric its PromQL reads
/// is one the controller's <c>/metrics</c> exports, with the labels its legends and <c>by</c> clauses name.
/// </summary>
[Collection(ExclusiveMetrics.Name)]
public sealed partial class GrafanaDashboardTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static string DashboardPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "docs", "grafana-curtail.json");
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException("docs/grafana-curtail.json not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void TheDashboardIsAnImportableGrafanaDashboard()
    {
        var text = File.ReadAllText(DashboardPath());
        var root = JsonDocument.Parse(text).RootElement;
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("uid").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("title").GetString()));
        Assert.InRange(root.GetProperty("schemaVersion").GetInt32(), 30, 60);
        var variables = root.GetProperty("templating").GetProperty("list").EnumerateArray().Select(v => v.GetProperty("name").GetString()!).ToHashSet();
        var inputs = root.TryGetProperty("__inputs", out var i) ? i.EnumerateArray().Select(x => x.GetProperty("name").GetString()!).ToHashSet() : [];
        // Every ${name} is a dashboard variable or an import input; every import input is used (else the importer asks for nothing).
        var used = VariableUse().Matches(text).Select(m => m.Groups[1].Value).ToHashSet();
        foreach (var name in used) Assert.True(variables.Contains(name) || inputs.Contains(name), $"${{{name}}} is neither a variable nor an input");
        foreach (var input in inputs) Assert.Contains(input, used);

        var panels = root.GetProperty("panels").EnumerateArray().ToList();
        Assert.NotEmpty(panels);
        Assert.Equal(panels.Count, panels.Select(p => p.GetProperty("id").GetInt32()).Distinct().Count());
        var cells = new HashSet<(int, int)>();
        foreach (var p in panels)
        {
            var title = p.GetProperty("title").GetString();
            Assert.Contains(p.GetProperty("type").GetString(), new[] { "stat", "timeseries", "gauge", "table", "bargauge", "text" });
            var g = p.GetProperty("gridPos");
            var (x, y, w, h) = (g.GetProperty("x").GetInt32(), g.GetProperty("y").GetInt32(), g.GetProperty("w").GetInt32(), g.GetProperty("h").GetInt32());
            Assert.True(x >= 0 && w > 0 && x + w <= 24 && y >= 0 && h > 0, $"panel '{title}' is off the 24-column grid");
            for (var cx = x; cx < x + w; cx++)
                for (var cy = y; cy < y + h; cy++)
                    Assert.True(cells.Add((cx, cy)), $"panel '{title}' overlaps another at ({cx}, {cy})");
            Assert.Equal("prometheus", p.GetProperty("datasource").GetProperty("type").GetString());
            var targets = p.GetProperty("targets").EnumerateArray().ToList();
            Assert.NotEmpty(targets);
            Assert.Equal(targets.Count, targets.Select(t => t.GetProperty("refId").GetString()).Distinct().Count());
        }
    }

    [Fact]
    public async Task EveryMetricTheDashboardQueriesIsExportedWithItsLabels()
    {
        await using var site = await ObservedSite.StartAsync(miners: 3);
        // A settled price that has just come in: the input-age panel reads its age (an input never received has none).
        var end = site.App.Services.GetRequiredService<ServiceClock>().Time.GetUtcNow().Ticks / TimeSpan.TicksPerMinute / 15 * 15 * TimeSpan.TicksPerMinute;
        site.App.Services.GetRequiredService<ControllerRuntime>().SetPrices(new PriceSeries("HB_WEST", [end - TimeSpan.TicksPerHour / 4], [end], [42]));
        Assert.Equal(System.Net.HttpStatusCode.OK, (await site.ForceCurtailAsync()).StatusCode);
        // The ages are those of the last decision: wait for one made after the price came in (a loaded machine may
        // scrape before it: seen once at load average 8).
        var exported = await ScrapedSeries(site);
        for (var tries = 0; tries < 100 && !exported.ContainsKey("curtail_input_age_seconds"); tries++)
        {
            await Task.Delay(100);
            exported = await ScrapedSeries(site);
        }
        output.WriteLine(string.Join("\n", exported.Select(e => $"{e.Key} {{{string.Join(",", e.Value)}}}")));

        var root = JsonDocument.Parse(await File.ReadAllTextAsync(DashboardPath())).RootElement;
        var checkedMetrics = 0;
        foreach (var panel in root.GetProperty("panels").EnumerateArray())
            foreach (var target in panel.GetProperty("targets").EnumerateArray())
            {
                var expr = target.GetProperty("expr").GetString()!;
                var metrics = MetricName().Matches(expr).Select(m => m.Value).ToList();
                Assert.True(metrics.Count > 0, $"'{expr}' reads no curtail metric");
                foreach (var metric in metrics)
                {
                    Assert.True(exported.ContainsKey(metric), $"panel '{panel.GetProperty("title")}': {metric} in '{expr}' is not exported by /metrics");
                    checkedMetrics++;
                }
                // The labels a legend prints or a `by` groups on are on the series read.
                var labels = exported.Where(e => metrics.Contains(e.Key)).SelectMany(e => e.Value).ToHashSet();
                var legend = target.TryGetProperty("legendFormat", out var l) ? l.GetString() ?? "" : "";
                foreach (Match m in LegendLabel().Matches(legend)) Assert.True(labels.Contains(m.Groups[1].Value), $"legend label {m.Value} of '{expr}' is not on {string.Join(", ", metrics)}");
                foreach (Match m in ByClause().Matches(expr))
                    foreach (var label in m.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries))
                        Assert.True(labels.Contains(label), $"'{expr}' groups by {label}, which {string.Join(", ", metrics)} does not have");
            }
        Assert.True(checkedMetrics >= 10, $"only {checkedMetrics} metric references checked");
    }

    /// <summary>Metric names in the Prometheus text format (a histogram's _bucket, _sum and _count too), with their label names.</summary>
    private static async Task<Dictionary<string, HashSet<string>>> ScrapedSeries(ObservedSite site)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var scrape = await site.Http.GetStringAsync("/metrics");
            var series = new Dictionary<string, HashSet<string>>();
            foreach (var line in scrape.Split('\n'))
            {
                var m = SampleLine().Match(line);
                if (!m.Success) continue;
                var labels = series.TryGetValue(m.Groups[1].Value, out var l) ? l : series[m.Groups[1].Value] = [];
                foreach (Match label in LabelName().Matches(m.Groups[2].Value)) labels.Add(label.Groups[1].Value);
            }
            // The override's cycle sends the miner commands whose counters and latency histogram the dashboard reads.
            if (series.ContainsKey("curtail_miner_command_latency_milliseconds_bucket") || waited.Elapsed > TimeSpan.FromSeconds(60)) return series;
            await Task.Delay(250);
        }
    }

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex VariableUse();

    [GeneratedRegex(@"\bcurtail_[A-Za-z0-9_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")]
    private static partial Regex LegendLabel();

    [GeneratedRegex(@"\bby\s*\(([^)]*)\)")]
    private static partial Regex ByClause();

    [GeneratedRegex(@"^([A-Za-z_:][A-Za-z0-9_:]*)(\{[^}]*\})?\s")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"([A-Za-z_][A-Za-z0-9_]*)=""")]
    private static partial Regex LabelName();
}
