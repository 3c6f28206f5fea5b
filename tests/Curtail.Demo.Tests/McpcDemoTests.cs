using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Curtail.Core.Time;
using Curtail.Ercot;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Curtail.Demo.Tests;

/// <summary>
/// The demo's ERCOT emulator serves the shipped (synthetic, docs/data-sources.md) MCPC fixture for the demo day; the
/// controller polls it into its store and `/api/prices/mcpc?hours=2`, which the dashboard's AS clearing price chart
/// reads, has the fixture's runs with the fixture's prices.
/// </summary>
[Collection(DemoSiteCollection.Name)]
public sealed class McpcDemoTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TheDemosMcpcChartHasTheFixturesRunsAndPrices()
    {
        await using var demo = await StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(demo.DashboardUrl) };
        var runs = new List<JsonElement>();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        // The MCPC poll runs every 5 replay minutes (2.5 real seconds at 120x); two runs make a line.
        while (runs.Count < 2)
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(90)) throw new TimeoutException($"waited 90 s for two MCPC runs in /api/prices/mcpc, have {runs.Count}");
            await Task.Delay(500);
            runs = JsonDocument.Parse(await http.GetStringAsync("/api/prices/mcpc?hours=2")).RootElement.EnumerateArray().ToList();
        }
        var fixture = Fixture();
        foreach (var run in runs)
        {
            var sced = run.GetProperty("sced").GetDateTimeOffset();
            Assert.True(fixture.ContainsKey(sced), $"run {sced:u} is not in the fixture");
            var prices = run.GetProperty("prices");
            Assert.Equal(["ECRS", "NSPIN", "REGDN", "REGUP", "RRS"], prices.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
            foreach (var p in prices.EnumerateObject()) Assert.Equal(fixture[sced][p.Name], p.Value.GetDouble(), 6);
        }
        output.WriteLine($"{runs.Count} runs in the last two replay hours; latest {runs[^1].GetProperty("sced").GetDateTimeOffset():u} REGUP {runs[^1].GetProperty("prices").GetProperty("REGUP").GetDouble()}");
    }

    /// <summary>The demo at its default day and speed; a block of miner ports another test holds is tried again elsewhere.</summary>
    private static async Task<DemoSite> StartAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await Task.Run(() => DemoSite.StartAsync(new DemoOptions
                {
                    Speed = 120, Miners = 4, Port = 0, MinerBasePort = 22000 + Random.Shared.Next(0, 80) * 100, LogLevel = LogLevel.Warning,
                }));
            }
            catch (InvalidOperationException ex) when (attempt < 3 && ex.InnerException is System.Net.Sockets.SocketException)
            {
            }
        }
    }

    /// <summary>The shipped fixture read independently of the product's reader: run (UTC) -> AS type -> MCPC.</summary>
    private static Dictionary<DateTimeOffset, Dictionary<string, double>> Fixture()
    {
        using var reader = new StreamReader(new GZipStream(File.OpenRead(ShippedData.Locate().DemoMcpcFile), CompressionMode.Decompress));
        reader.ReadLine();
        var result = new Dictionary<DateTimeOffset, Dictionary<string, double>>();
        while (reader.ReadLine() is { Length: > 0 } line)
        {
            var f = line.Split(',');
            var local = DateTime.ParseExact(f[0], "MM/dd/yyyy HH:mm:ss", CultureInfo.InvariantCulture);
            var utc = CentralPrevailingTime.LocalToUtc(DateOnly.FromDateTime(local), local.Hour, local.Minute, f[1] == "Y", local.Second);
            (result.TryGetValue(utc, out var row) ? row : result[utc] = [])[f[2]] = double.Parse(f[3], CultureInfo.InvariantCulture);
        }
        return result;
    }
}
