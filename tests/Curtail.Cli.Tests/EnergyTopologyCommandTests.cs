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

    /// <summary>The shipped grid-tied site with extra sections, in a temporary folder beside a copy of its gas profile.</summary>
    private static async Task<string> SiteWith(string extra)
    {
        var dir = CliRunner.TempDir();
        File.Copy(Path.Combine(Path.GetDirectoryName(Site)!, "flare_2_gas.csv"), Path.Combine(dir, "flare_2_gas.csv"));
        var file = Path.Combine(dir, "site.yaml");
        await File.WriteAllTextAsync(file, await File.ReadAllTextAsync(Site) + extra);
        return file;
    }

    [Fact]
    public async Task Genset_backtest_honours_the_sites_four_cp_watch_and_books_its_dr_credits_as_simulate_does()
    {
        // A generous 4CP watch (August 2023 has the 2023-08-10 17:00 CPT peak) and an ERS-10 enrolment.
        var site = await SiteWith("""
            four_cp: {enabled: true, probability_threshold: 0.02, monthly_budget_hours: 40, rate_usd_per_kw_year: 60}
            demand_response:
              - {program: ers-10, capacity_mw: 2, credit_usd_per_mw_hour: 5}
            """);
        var sim = await Run("simulate", "--site", site, "--from", "2023-08-01", "--to", "2023-08-12", "--json");
        Assert.True(sim.Code == 0, sim.Err);
        var gen = await Run("genset", "backtest", "--site", site, "--from", "2023-08-01", "--to", "2023-08-12", "--json");
        Assert.True(gen.Code == 0, gen.Err);
        using var s = JsonDocument.Parse(sim.Out);
        using var g = JsonDocument.Parse(gen.Out);
        var policy = g.RootElement.GetProperty("policy");
        Assert.Equal("threshold+4cp", s.RootElement.GetProperty("policy").GetString());
        Assert.Equal("threshold+4cp", policy.GetProperty("policy").GetString());
        Assert.True(s.RootElement.GetProperty("four_cp").GetProperty("curtailed_hours").GetDouble() > 0);
        // One decision: the same hashing, energy and money, the watch's hours included.
        Assert.Equal(s.RootElement.GetProperty("profit_usd").GetDouble(), policy.GetProperty("profit_usd").GetDouble(), 6);
        Assert.Equal(s.RootElement.GetProperty("curtailed_mwh").GetDouble(), policy.GetProperty("curtailed_mwh").GetDouble(), 6);
        // 2 MW × 5 $/MW-h × 264 h = $2,640 in both.
        Assert.Equal(2640, s.RootElement.GetProperty("dr_credits_usd").GetDouble(), 6);
        Assert.Equal(2640, g.RootElement.GetProperty("dr_credits_usd").GetDouble(), 6);
        var table = await Run("genset", "backtest", "--site", site, "--from", "2023-08-01", "--to", "2023-08-12");
        Assert.Contains("demand-response credits: $2,640 (ers-10 2 MW), not in the profits above", table.Out);
    }

    [Fact]
    public async Task Beside_gensets_a_peak_charge_bills_the_grid_import_not_the_miners_load()
    {
        // A watch that never fires (threshold 1): always on through the 2023-08-10 17:00 CPT peak, the 7.818 MW fleet
        // draws 7.818 − 1.5 (flare-1) − 0.45 (flare-2 in its 17:00 drop) = 5.868 MW from the grid.
        var site = await SiteWith("four_cp: {enabled: true, probability_threshold: 1, monthly_budget_hours: 40, rate_usd_per_kw_year: 60}\n");
        var sim = await Run("simulate", "--site", site, "--policy", "always_on", "--from", "2023-08-01", "--to", "2023-08-12", "--json");
        Assert.True(sim.Code == 0, sim.Err);
        using var s = JsonDocument.Parse(sim.Out);
        var f = s.RootElement.GetProperty("four_cp");
        Assert.Equal(0, f.GetProperty("curtailed_hours").GetDouble());
        Assert.Equal(5.868, f.GetProperty("site_four_cp_mw").GetDouble(), 6);
        Assert.Equal(5.868, f.GetProperty("peaks")[0].GetProperty("site_load_mw").GetDouble(), 6);
    }
}
