using System.Text.Json;
using Curtail.Cli;

namespace Curtail.Cli.Tests;

/// <summary>
/// `curtail simulate` and `curtail genset backtest` on the shipped grid-tied flare-gas site (issue 15): one decision,
/// one booking, the same oracle, the money fields in both; the site file's supply profile is followed.
/// </summary>
public class EnergyTopologyCommandTests
{
    private static readonly string Site = Path.Combine(Path.GetDirectoryName(CliRunner.DataDir)!, "simulations", "sites", "flare_grid_tied.yaml");

    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CurtailApp.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Simulate_and_genset_backtest_book_the_same_topology_and_oracle()
    {
        var sim = await Run("simulate", "--site", Site, "--from", "2023-08-01", "--to", "2023-08-08", "--json");
        Assert.True(sim.Code == 0, sim.Err);
        var gen = await Run("genset", "backtest", "--site", Site, "--from", "2023-08-01", "--to", "2023-08-08", "--json");
        Assert.True(gen.Code == 0, gen.Err);
        using var s = JsonDocument.Parse(sim.Out);
        using var g = JsonDocument.Parse(gen.Out);
        var simEnergy = s.RootElement.GetProperty("energy");
        var policy = g.RootElement.GetProperty("policy");
        var oracle = g.RootElement.GetProperty("oracle");
        foreach (var key in new[] { "genset_mwh", "import_mwh", "export_mwh", "grid_import_cost_usd", "export_revenue_usd", "fuel_cost_usd" })
        {
            Assert.Equal(simEnergy.GetProperty(key).GetDouble(), policy.GetProperty("energy").GetProperty(key).GetDouble(), 6);
            Assert.Equal(s.RootElement.GetProperty("oracle_energy").GetProperty(key).GetDouble(), oracle.GetProperty("energy").GetProperty(key).GetDouble(), 6);
        }
        Assert.Equal("grid_tied", simEnergy.GetProperty("topology").GetString());
        Assert.True(simEnergy.GetProperty("export_revenue_usd").GetDouble() > 0, "August 2023's spikes pay for export");
        // The second genset's evening drop (1000 → 450 kW, 3.5 h a day) is in the genset output: 7 days of 1500 kW
        // flat plus flare-2 would be at most 2.5 MW × 168 h = 420 MWh.
        Assert.True(simEnergy.GetProperty("genset_mwh").GetDouble() < 420 - 7 * 3.5 * 0.55 + 1e-6);
        Assert.Equal("site file profiles", g.RootElement.GetProperty("supply").GetString());
        foreach (var strategy in new[] { "load_following", "unguarded" })
            Assert.True(g.RootElement.GetProperty(strategy).TryGetProperty("fuel_cost_usd", out _));
    }

    [Fact]
    public async Task Genset_backtest_refuses_options_the_site_files_sources_decide()
    {
        var (code, _, err) = await Run("genset", "backtest", "--site", Site, "--from", "2023-08-01", "--to", "2023-08-02", "--rated-kw", "500");
        Assert.Equal(CurtailApp.ExitBadInput, code);
        Assert.Contains("--rated-kw", err);
        (code, _, err) = await Run("genset", "backtest", "--site", Site, "--from", "2023-08-01", "--to", "2023-08-02", "--grid");
        Assert.Equal(CurtailApp.ExitBadInput, code);
        Assert.Contains("--grid", err);
    }

    [Fact]
    public async Task A_missing_supply_profile_is_named_with_its_key()
    {
        var dir = Directory.CreateTempSubdirectory("curtail-topology-");
        try
        {
            var file = Path.Combine(dir.FullName, "site.yaml");
            await File.WriteAllTextAsync(file, (await File.ReadAllTextAsync(Site)).Replace("flare_2_gas.csv", "nowhere.csv"));
            var (code, _, err) = await Run("simulate", "--site", file, "--from", "2023-08-01", "--to", "2023-08-02");
            Assert.Equal(CurtailApp.ExitBadInput, code);
            Assert.Contains("energy.sources.gensets[1].available: profile 'nowhere.csv' not found", err);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
