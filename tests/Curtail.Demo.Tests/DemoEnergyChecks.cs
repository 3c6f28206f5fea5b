using System.Text.Json;
using Curtail.Demo;

namespace Curtail.Demo.Tests;

/// <summary>
/// The demo's grid-tied flare-gas genset, judged from the genset emulator's own state: during the price spike the miners
/// shed, the genset stays at or above its minimum load and the site exports; the controller's status and records agree.
/// </summary>
internal static class DemoEnergyChecks
{
    public static async Task<string> GensetExportsThroughTheSpike(DemoSite demo, HttpClient http, double fullW, TimeSpan sampleFor)
    {
        var minLoadKw = demo.Genset.Options.RatedKw * DemoSite.GensetMinLoadPct / 100;
        var samples = 0;
        var lowestGensetKw = double.MaxValue;
        var lowestExportKw = double.MaxValue;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < sampleFor)
        {
            var s = demo.Genset.State;
            Assert.True(s.ActivePowerKw >= minLoadKw - 0.1, $"{demo.LocalNow:HH:mm:ss} genset at {s.ActivePowerKw:F1} kW, below its {minLoadKw:F1} kW minimum load");
            Assert.True(s.SiteLoadKw < 0.05 * fullW / 1000, $"{demo.LocalNow:HH:mm:ss} miners still draw {s.SiteLoadKw:F1} kW");
            Assert.True(s.ExportKw > 0, $"{demo.LocalNow:HH:mm:ss} the site does not export (net {s.GridNetKw:F1} kW)");
            Assert.InRange(s.FrequencyHz, 59.9, 60.1);
            Assert.False(s.Tripped);
            lowestGensetKw = Math.Min(lowestGensetKw, s.ActivePowerKw);
            lowestExportKw = Math.Min(lowestExportKw, s.ExportKw);
            samples++;
            await Task.Delay(50);
        }

        var status = JsonDocument.Parse(await http.GetStringAsync("/api/status")).RootElement;
        var energy = status.GetProperty("energy");
        Assert.Equal("grid_tied", energy.GetProperty("topology").GetString());
        Assert.True(energy.GetProperty("export_kw").GetDouble() > 0, $"status shows no export: {energy}");
        var decision = status.GetProperty("last_decision");
        Assert.StartsWith("kept", decision.GetProperty("min_load").GetString());
        // The genset reading's time is on the replay clock, as the decision's is (within a poll and a cycle).
        var readAt = status.GetProperty("genset").GetProperty("time_read").GetDateTimeOffset();
        Assert.InRange(readAt, demo.Time.GetUtcNow().AddMinutes(-10), demo.Time.GetUtcNow().AddMinutes(1));
        return $"{samples} genset samples over {sampleFor.TotalSeconds:0} s: output at least {lowestGensetKw:F1} kW (min load {minLoadKw:F1} kW), export at least {lowestExportKw:F1} kW; status {energy}; miners {status.GetProperty("miners_by_state")}; last decision {decision}";
    }
    /// <summary>The genset emulator's state and the status's energy object, sampled in the background until the spike.</summary>
    public sealed class Trace
    {
        public System.Collections.Concurrent.ConcurrentQueue<(DateTimeOffset Time, Curtail.Emulators.Genset.GensetEmulatorState State)> Gensets { get; } = new();
        public System.Collections.Concurrent.ConcurrentQueue<JsonElement> Statuses { get; } = new();

        public async Task SampleStatusAsync(DemoSite demo, HttpClient http, DateTimeOffset until, CancellationToken cancel)
        {
            while (!cancel.IsCancellationRequested && demo.Time.GetUtcNow() < until)
            {
                try
                {
                    Statuses.Enqueue(JsonDocument.Parse(await http.GetStringAsync("/api/status", cancel)).RootElement.GetProperty("energy").Clone());
                    // One a real second: the demo replays at 120x on a shared machine, and the SCED poll must not queue behind these.
                    await Task.Delay(1000, cancel);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Before the spike, from the emulator's own state: while the miners hash, the genset carries its base load (at or
    /// above its minimum) and the grid the rest (the site imports); the status's energy object, which the dashboard's
    /// energy panel shows, says import too.
    /// </summary>
    public static string SiteImportedBeforeTheSpike(DemoSite demo, Trace trace, double fullW)
    {
        var minLoadKw = demo.Genset.Options.RatedKw * DemoSite.GensetMinLoadPct / 100;
        var hashing = trace.Gensets.Where(g => g.State.SiteLoadKw > 0.9 * fullW / 1000).ToList();
        Assert.True(hashing.Count > 0, "no genset sample with the miners hashing before the spike");
        Assert.All(hashing, g =>
        {
            Assert.True(g.State.ActivePowerKw >= minLoadKw - 0.1, $"{g.Time:HH:mm:ss} genset at {g.State.ActivePowerKw:F1} kW, below its {minLoadKw:F1} kW minimum load");
            Assert.True(g.State.ImportKw > 0, $"{g.Time:HH:mm:ss} the site does not import (net {g.State.GridNetKw:F1} kW): the genset is 60 % of the fleet");
            Assert.Equal(g.State.SiteLoadKw - g.State.ActivePowerKw, g.State.GridNetKw, 6);
        });
        // The status's miners come from the fleet's last read (null until the first): whenever they drew more than the
        // genset gave, it shows import, and no export.
        static double? Kw(JsonElement e, string key) => e.GetProperty(key).ValueKind == JsonValueKind.Number ? e.GetProperty(key).GetDouble() : null;
        var importing = trace.Statuses.Where(e => Kw(e, "miners_kw") is { } m && Kw(e, "genset_kw") is { } g && m > g + 1).ToList();
        Assert.True(importing.Count > 0, $"no status sample with the miners above the genset's output: {string.Join("; ", trace.Statuses.TakeLast(3))}");
        Assert.All(importing, e =>
        {
            Assert.Equal("grid_tied", e.GetProperty("topology").GetString());
            Assert.True(Kw(e, "import_kw") > 0, $"status shows no import: {e}");
            Assert.Equal(0, Kw(e, "export_kw"));
        });
        var last = hashing[^1];
        return $"before the spike: {hashing.Count} genset samples with the miners hashing, last {last.Time:HH:mm:ss}: miners {last.State.SiteLoadKw:F1} kW, genset {last.State.ActivePowerKw:F1} kW (min load {minLoadKw:F1} kW), import {last.State.ImportKw:F1} kW; {importing.Count} of {trace.Statuses.Count} status samples show import, e.g. {importing[^1]}";
    }

    /// <summary>
    /// In the browser: the dashboard's energy panel shows the figures of an /api/status response the page itself
    /// fetched (the panel polls every 2 s; the miners' load moves between polls, so the match is with one of the page's
    /// own responses, figure for figure as the panel formats them), on the <paramref name="side"/> ("import" or
    /// "export") with a positive figure.
    /// </summary>
    public static async Task<string> EnergyPanelShowsTheApisFigures(Microsoft.Playwright.IPage page, string side, TimeSpan within)
    {
        var bodies = new System.Collections.Concurrent.ConcurrentQueue<Task<string>>();
        void OnResponse(object? sender, Microsoft.Playwright.IResponse r)
        {
            if (r.Ok && new Uri(r.Url).AbsolutePath == "/api/status") bodies.Enqueue(r.TextAsync());
        }
        page.Response += OnResponse;
        try
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var shown = ("", "", "");
            while (watch.Elapsed < within)
            {
                await Task.Delay(250);
                shown = (await page.TextContentAsync("#energy-title") ?? "", await page.TextContentAsync("#energy-net") ?? "", await page.TextContentAsync("#energy-detail") ?? "");
                foreach (var body in bodies.ToArray())
                {
                    string text;
                    try { text = await body; }
                    catch (Microsoft.Playwright.PlaywrightException) { continue; } // a response the page dropped (reload)
                    var e = JsonDocument.Parse(text).RootElement.GetProperty("energy");
                    if (PanelText(e) != shown) continue;
                    var kw = e.GetProperty(side + "_kw");
                    if (kw.ValueKind != JsonValueKind.Number || kw.GetDouble() <= 0 || !shown.Item2.StartsWith(side + " ", StringComparison.Ordinal)) continue;
                    return $"energy panel: '{shown.Item1}' / '{shown.Item2}' / '{shown.Item3}' = the page's /api/status energy {e}";
                }
            }
            var last = bodies.ToArray().LastOrDefault();
            Assert.Fail($"the energy panel shows '{shown.Item1}' / '{shown.Item2}' / '{shown.Item3}', not the {side} of any of the page's {bodies.Count} /api/status responses; last: {(last is { IsCompletedSuccessfully: true } ? last.Result : "none")}");
            return "";
        }
        finally
        {
            page.Response -= OnResponse;
        }
    }

    /// <summary>What energy-panel.js writes for one status energy object: title, headline figure, detail line.</summary>
    private static (string Title, string Net, string Detail) PanelText(JsonElement e)
    {
        static double? Kw(JsonElement e, string key) => e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
        static string F(double? v) => v is { } x && !double.IsNaN(x) ? x.ToString("#,##0", System.Globalization.CultureInfo.InvariantCulture) : "–";
        var topology = e.GetProperty("topology").GetString();
        var exporting = Kw(e, "export_kw") > 0;
        string title, net;
        if (topology == "island")
        {
            title = "island (no grid)";
            net = Kw(e, "genset_kw") is null ? "–" : $"genset {F(Kw(e, "genset_kw"))} kW";
        }
        else
        {
            title = exporting ? "exporting to the grid" : "importing from the grid";
            net = Kw(e, "grid_net_kw") is null ? "–" : exporting ? $"export {F(Kw(e, "export_kw"))} kW" : $"import {F(Kw(e, "import_kw"))} kW";
        }
        var parts = new List<string> { $"miners {F(Kw(e, "miners_kw"))} kW" };
        if (topology != "grid") parts.Add($"genset {F(Kw(e, "genset_kw"))} kW (min {F(Kw(e, "genset_min_load_kw"))})");
        if (topology == "grid_tied") parts.Add(e.GetProperty("export_paid").GetBoolean() ? $"export paid at RT, limit {F(Kw(e, "export_limit_kw"))} kW" : "export unpaid");
        if (Kw(e, "import_limit_kw") is { } limit) parts.Add($"import limit {F(limit)} kW");
        return (title, net, string.Join(" · ", parts));
    }

    /// <summary>Headless Chromium with one dashboard-sized page, opened ahead of the moment a test reads it.</summary>
    public sealed class EnergyBrowser : IAsyncDisposable
    {
        private readonly Microsoft.Playwright.IPlaywright _playwright;
        private readonly Microsoft.Playwright.IBrowser _browser;

        private EnergyBrowser(Microsoft.Playwright.IPlaywright playwright, Microsoft.Playwright.IBrowser browser, Microsoft.Playwright.IPage page)
        {
            _playwright = playwright;
            _browser = browser;
            Page = page;
        }

        public Microsoft.Playwright.IPage Page { get; }

        public static async Task<EnergyBrowser> LaunchAsync(string chromium)
        {
            var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
            var browser = await playwright.Chromium.LaunchAsync(new Microsoft.Playwright.BrowserTypeLaunchOptions
            {
                ExecutablePath = chromium,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            });
            var page = await browser.NewPageAsync(new Microsoft.Playwright.BrowserNewPageOptions { ViewportSize = new Microsoft.Playwright.ViewportSize { Width = 1280, Height = 1100 } });
            return new EnergyBrowser(playwright, browser, page);
        }

        public async ValueTask DisposeAsync()
        {
            await _browser.DisposeAsync();
            _playwright.Dispose();
        }
    }
}
