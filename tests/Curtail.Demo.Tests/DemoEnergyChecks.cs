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
}
