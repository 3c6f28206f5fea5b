using System.Text.Json;
using Curtail.Cli.Tests.FaultInjection;
using Curtail.Controller.Cluster;
using Curtail.Controller.Storage;

namespace Curtail.Cli.Tests;

/// <summary>`curtail sites status`: every site of a shared PostgreSQL store, leader from the site's live lease.</summary>
public sealed class SitesStatusCommandTests
{
    [PostgresFact]
    public async Task ListsEverySiteOfTheStoreWithItsLeaderTargetMinersEventsAndAlarms()
    {
        var cs = PostgresFactAttribute.FreshSchema("sites_cli");
        using (var westStore = ControllerStore.Postgres(cs, "west"))
        {
            westStore.AcquireLease("west", "west-a", TimeSpan.FromMinutes(5));
            westStore.SaveSiteStatus("west", "west-a", JsonSerializer.Serialize(new SiteStatus
            {
                Site = "west", Name = "West ranch", Leader = "west-a", LastCycle = new DateTimeOffset(2023, 8, 17, 20, 5, 0, TimeSpan.Zero),
                PriceUsdPerMwh = 651.53, PriceSource = "settled", TargetKw = 0, ActualKw = 12.5, LimitedBy = "demand_response",
                MinersByState = new() { ["sleeping"] = 11, ["unreachable"] = 1 }, ActiveEvents = ["ers-1"], Alarms = ["miners_failing"],
            }, SiteStatusReport.Json));
        }
        using (var east = ControllerStore.Postgres(cs, "east"))
            east.SaveSiteStatus("east", "single", JsonSerializer.Serialize(new SiteStatus
            {
                Site = "east", Name = "East pad", Leader = "single", TargetKw = 900, ActualKw = 880, MinersByState = new() { ["running"] = 4 },
            }, SiteStatusReport.Json));

        var json = await CliRunner.Run("sites", "status", "--store", cs, "--json");
        Assert.True(json.ExitCode == 0, json.Err);
        var sites = JsonDocument.Parse(json.Out).RootElement.EnumerateArray().ToList();
        Assert.Equal(["east", "west"], sites.Select(s => s.GetProperty("site").GetString()!).ToArray());
        var west = sites[1];
        Assert.Equal("west-a", west.GetProperty("leader").GetString());
        Assert.Equal(651.53, west.GetProperty("price_usd_per_mwh").GetDouble());
        Assert.Equal(11, west.GetProperty("miners_by_state").GetProperty("sleeping").GetInt32());
        Assert.Equal("ers-1", west.GetProperty("active_events")[0].GetString());
        Assert.Equal("miners_failing", west.GetProperty("alarms")[0].GetString());
        Assert.Equal("single", sites[0].GetProperty("leader").GetString());

        CliResult table;
        using (Commands.Terminal.AsTerminal(80)) table = await CliRunner.Run("sites", "status", "--store", cs);
        Assert.Equal(0, table.ExitCode);
        var lines = table.Out.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.All(lines, l => Assert.True(l.Length <= 80, $"{l.Length} columns: {l}"));
        Assert.Contains(lines, l => l.StartsWith("west", StringComparison.Ordinal) && l.Contains("leader west-a", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("651.53 $/MWh", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("miners 11 sleeping, 1 unreachable; events ers-1; alarms miners_failing", StringComparison.Ordinal));

        var bad = await CliRunner.Run("sites", "status", "--store", "Host=127.0.0.1;Bogus Key=1");
        Assert.Equal(CurtailApp.ExitBadInput, bad.ExitCode);
        Assert.Contains("--store", bad.Err);
    }
}
