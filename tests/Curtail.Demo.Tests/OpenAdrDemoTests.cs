using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Curtail.Demo.Tests;

/// <summary>
/// `curtail demo --openadr`: the demo's VTN emulator publishes an IMPORT_CAPACITY_LIMIT event on the replay clock; the
/// site's VEN picks it up, the emulated miners shed below the limit over their own protocols, and when the interval
/// ends the achieved load per minute is posted back to the VTN as a report.
/// </summary>
[Collection(DemoSiteCollection.Name)]
public sealed class OpenAdrDemoTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Cpt = TimeSpan.FromHours(-5);

    [Fact]
    public async Task AnOpenAdrLimitShedsTheDemoSiteAndItsAchievedLoadIsReported()
    {
        await using var demo = await Task.Run(() => DemoSite.StartAsync(new DemoOptions
        {
            Start = new DateTimeOffset(2024, 5, 8, 15, 0, 0, Cpt), Speed = 60, Miners = 12, Port = 0, OpenAdr = true,
            MinerBasePort = 20000 + Random.Shared.Next(0, 50) * 100, LogLevel = LogLevel.Warning,
        }));
        var fullW = demo.Fleet.Miners.Sum(m => m.Model.NominalW);
        await Until(() => demo.Fleet.TotalPowerW > 0.9 * fullW, "the site hashing at full power before the event");

        var limitKw = Math.Round(0.4 * fullW / 1000, 3);
        var published = demo.Time.GetUtcNow();
        var eventId = demo.PublishCapacityLimit(limitKw, TimeSpan.FromMinutes(30));
        await Until(() => demo.Fleet.TotalPowerW <= limitKw * 1000, $"the emulated miners at or below {limitKw} kW");
        output.WriteLine($"below the limit {(demo.Time.GetUtcNow() - published).TotalMinutes:F1} replay minutes after the event was published");

        await Until(() => demo.Vtn!.Reports.Any(r => r["eventID"]!.GetValue<string>() == eventId), "the report on the VTN", seconds: 90);
        var report = demo.Vtn!.Reports.Single(r => r["eventID"]!.GetValue<string>() == eventId);
        Assert.Equal("demo-site", report["clientName"]!.GetValue<string>());
        var demand = report["resources"]![0]!["intervals"]!.AsArray()
            .Select(i => i!["payloads"]!.AsArray().First(p => p!["type"]!.GetValue<string>() == "DEMAND")!["values"]![0]!.GetValue<double>()).ToList();
        Assert.NotEmpty(demand);
        // The last minutes of the interval were held under the limit.
        Assert.True(demand[^1] <= limitKw + 1e-6, $"last reported minute {demand[^1]:F1} kW, limit {limitKw:F1} kW");
        output.WriteLine($"{demand.Count} minutes reported; last {demand[^1]:F1} kW against a limit of {limitKw:F1} kW (full {fullW / 1000:F1} kW)");

        // Stopped, the demo leaves nothing in the temporary directory.
        var workDirectory = demo.Directory;
        Assert.True(Directory.Exists(workDirectory));
        await demo.DisposeAsync();
        Assert.False(Directory.Exists(workDirectory), $"{workDirectory} outlived the demo");
    }

    private static async Task Until(Func<bool> condition, string what, int seconds = 60)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(seconds)) throw new TimeoutException($"waited {seconds} s for {what}");
            await Task.Delay(200);
        }
    }
}
