using System.Text.Json;

namespace Curtail.Cli.Tests;

/// <summary>`simulate` and `sweep` with the forecast policy and the four_cp watch, on short 2023 windows.</summary>
public class ForecastSimulateTests
{
    private static string DefaultSiteYaml()
    {
        using var stream = typeof(Simulation.Setup.SiteFiles).Assembly.GetManifestResourceStream("Curtail.DefaultSite.yaml")!;
        return new StreamReader(stream).ReadToEnd();
    }

    private static string RepoModel => Path.Combine(Path.GetDirectoryName(CliRunner.DataDir)!, "models", "hb_west_2021_2022.model.json.gz");

    /// <summary>The default site with the forecast policy reading a copy of the shipped model next to the site file, plus extra YAML.</summary>
    private static string ForecastSite(string dir, string extra = "", string policyExtra = "")
    {
        Directory.CreateDirectory(Path.Combine(dir, "m"));
        File.Copy(RepoModel, Path.Combine(dir, "m", "west.model.json.gz"), overwrite: true);
        var yaml = DefaultSiteYaml().Replace("  kind: threshold\n", $"  kind: forecast\n  model: m/west\n  risk_weight: 0{policyExtra}\n")
            .Replace("  confirm_intervals: 2\n", "").Replace("  curtail_above_usd_per_mwh: 90\n", "").Replace("  resume_below_usd_per_mwh: 70\n", "")
            .Replace("  hard_cap_usd_per_mwh: 300\n", "").Replace("  breakeven_margin: 1.0\n", "") + extra;
        var path = Path.Combine(dir, "site.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    [Fact]
    public async Task PolicyForecastRunsWithTheSameReferencesAsTheThreshold()
    {
        var forecast = await CliRunner.Run("simulate", "--policy", "forecast", "--from", "2023-08-15", "--to", "2023-08-18", "--json");
        Assert.True(forecast.ExitCode == 0, forecast.Err);
        var threshold = await CliRunner.Run("simulate", "--from", "2023-08-15", "--to", "2023-08-18", "--json");
        using var f = JsonDocument.Parse(forecast.Out);
        using var t = JsonDocument.Parse(threshold.Out);
        var j = f.RootElement;
        Assert.Equal("forecast", j.GetProperty("policy").GetString());
        Assert.Equal(288, j.GetProperty("intervals").GetInt32());
        Assert.Equal(JsonValueKind.Null, j.GetProperty("four_cp").ValueKind);
        var (profit, alwaysOn, oracle) = (j.GetProperty("profit_usd").GetDouble(), j.GetProperty("always_on_profit_usd").GetDouble(), j.GetProperty("oracle_profit_usd").GetDouble());
        Assert.Equal(t.RootElement.GetProperty("always_on_profit_usd").GetDouble(), alwaysOn, 6);
        Assert.Equal(t.RootElement.GetProperty("oracle_profit_usd").GetDouble(), oracle, 6);
        Assert.Equal((profit - alwaysOn) / (oracle - alwaysOn), j.GetProperty("capture_ratio").GetDouble(), 9);
        // 2023-08-15..17 held long spikes: curtailing on the forecast beats running through them, and never beats hindsight.
        Assert.True(alwaysOn < profit && profit <= oracle + 1e-6, $"always-on {alwaysOn}, forecast {profit}, oracle {oracle}");
        Assert.True(j.GetProperty("curtailed_mwh").GetDouble() > 0);
    }

    [Fact]
    public async Task AModelTrainedOnTheWindowIsRefused()
    {
        var r = await CliRunner.Run("simulate", "--policy", "forecast", "--from", "2022-12-20", "--to", "2023-01-03", "--json");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("hb_west_2021_2022.model.json.gz", r.Err);
        Assert.Contains("trained on 2021-01-01 06:00Z..2023-01-01 06:00Z", r.Err);
        Assert.Contains("overlaps the simulated window 2022-12-20 06:00Z..2023-01-03 06:00Z", r.Err);
        Assert.Equal("", r.Out);
    }

    [Fact]
    public async Task FourCpReportsTheSiteLoadAtEachPeakAndTheAvoidedCharge()
    {
        var dir = CliRunner.TempDir();
        // A generous watch on an always-on fleet: only the 4CP watch can take the site down at the 2023-08-10 peak.
        var site = ForecastSite(dir, "four_cp:\n  enabled: true\n  probability_threshold: 0.02\n  monthly_budget_hours: 40\n  rate_usd_per_kw_year: 60\n");
        var r = await CliRunner.Run("simulate", "--site", site, "--policy", "always_on", "--from", "2023-08-01", "--to", "2023-08-12", "--json", "--out", Path.Combine(dir, "out"));
        Assert.True(r.ExitCode == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var j = doc.RootElement;
        Assert.Equal("always_on+4cp", j.GetProperty("policy").GetString());
        var f = j.GetProperty("four_cp");
        foreach (var field in new[] { "probability_threshold", "monthly_budget_hours", "rate_usd_per_kw_year", "curtailed_hours", "hits", "peak_count",
                     "full_site_mw", "site_four_cp_mw", "avoided_charge_usd", "peaks" })
            Assert.True(f.TryGetProperty(field, out _), $"missing four_cp.{field}");
        Assert.Equal(60, f.GetProperty("rate_usd_per_kw_year").GetDouble());
        var peaks = f.GetProperty("peaks").EnumerateArray().ToList();
        var peak = Assert.Single(peaks);
        Assert.Equal("2023-08-10 17:00", peak.GetProperty("peak_hour_start_cpt").GetString());
        Assert.Equal(8, peak.GetProperty("month").GetInt32());
        Assert.True(peak.GetProperty("system_load_mw").GetDouble() > 80_000);
        var full = f.GetProperty("full_site_mw").GetDouble();
        var siteMw = peak.GetProperty("site_load_mw").GetDouble();
        Assert.Equal(7.82, full, 2);
        Assert.Equal(siteMw, f.GetProperty("site_four_cp_mw").GetDouble(), 9);
        Assert.Equal((full - siteMw) * 1000 * 60, f.GetProperty("avoided_charge_usd").GetDouble(), 6);
        Assert.Equal(peak.GetProperty("hit").GetBoolean() ? 1 : 0, f.GetProperty("hits").GetInt32());
        var hours = f.GetProperty("curtailed_hours").GetDouble();
        Assert.True(hours > 0 && hours <= 40, $"4CP hours {hours}");
        // The always-on fleet gave up hashing only in 4CP hours.
        Assert.True(j.GetProperty("curtailed_mwh").GetDouble() <= hours * full + 1e-6);
        var html = File.ReadAllText(Path.Combine(dir, "out", "report.html"));
        Assert.Contains("<h2>4CP</h2>", html);
        Assert.Contains("2023-08-10 17:00", html);
        Assert.Contains("FourCpWindow", File.ReadAllText(Path.Combine(dir, "out", "intervals.csv")));

        var table = await CliRunner.Run("simulate", "--site", site, "--policy", "always_on", "--from", "2023-08-01", "--to", "2023-08-12");
        Assert.Contains("4CP 2023-08-10 17:00 CPT: ERCOT", table.Out);
        Assert.Contains("4CP charge avoided:", table.Out);
    }

    [Fact]
    public async Task SiteFileForecastPolicyAndItsErrors()
    {
        var dir = CliRunner.TempDir();
        var site = ForecastSite(dir, policyExtra: "\n  horizon_intervals: 8");
        var r = await CliRunner.Run("simulate", "--site", site, "--from", "2023-08-15", "--to", "2023-08-17", "--json");
        Assert.True(r.ExitCode == 0, r.Err);
        using (var doc = JsonDocument.Parse(r.Out)) Assert.Equal("forecast", doc.RootElement.GetProperty("policy").GetString());

        File.WriteAllText(site, File.ReadAllText(site).Replace("model: m/west", "model: m/missing"));
        var missing = await CliRunner.Run("simulate", "--site", site, "--from", "2023-08-15", "--to", "2023-08-17");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("policy.model: 'm/missing' not found", missing.Err);

        var bad = ForecastSite(dir, "four_cp:\n  probability_threshold: 2\n");
        var badRun = await CliRunner.Run("simulate", "--site", bad, "--from", "2023-08-15", "--to", "2023-08-17");
        Assert.Equal(2, badRun.ExitCode);
        Assert.Matches(@"site\.yaml:\d+: four_cp\.probability_threshold: is a probability in \(0, 1\], got 2", badRun.Err);
    }

    [Fact]
    public async Task SweepVariesTheForecastRiskWeightAndRefusesItForOtherPolicies()
    {
        var dir = CliRunner.TempDir();
        var site = ForecastSite(dir);
        var r = await CliRunner.Run("sweep", "--site", site, "--param", "policy.risk_weight=0:2:2", "--from", "2023-08-15", "--to", "2023-08-17", "--json");
        Assert.True(r.ExitCode == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var rows = doc.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal([0.0, 2.0], rows.Select(x => x.GetProperty("policy.risk_weight").GetDouble()));
        var single = await CliRunner.Run("simulate", "--site", site, "--from", "2023-08-15", "--to", "2023-08-17", "--json");
        using var s = JsonDocument.Parse(single.Out);
        Assert.Equal(s.RootElement.GetProperty("profit_usd").GetDouble(), rows[0].GetProperty("profit_usd").GetDouble(), 0.0051); // the sweep reports money to the cent
        // A heavier weight on the upper spread curtails at least as much.
        Assert.True(rows[1].GetProperty("curtailed_mwh").GetDouble() >= rows[0].GetProperty("curtailed_mwh").GetDouble());

        var wrong = await CliRunner.Run("sweep", "--param", "policy.risk_weight=0:1:1", "--from", "2023-08-15", "--to", "2023-08-17");
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("policy.risk_weight applies only to policy.kind: forecast", wrong.Err);
    }

    [Fact]
    public async Task TheGatedRuleIsASiteFilePolicyThatSimulateAndSweepRunAlike()
    {
        var dir = CliRunner.TempDir();
        var site = Path.Combine(dir, "site.yaml");
        File.WriteAllText(site, DefaultSiteYaml().Replace("  kind: threshold\n", "  kind: forecast_gated\n  model: models:hb_west_2021_2023\n")
            .Replace("  curtail_above_usd_per_mwh: 90\n", "").Replace("  resume_below_usd_per_mwh: 70\n", "")
            .Replace("  hard_cap_usd_per_mwh: 300\n", "").Replace("  breakeven_margin: 1.0\n", ""));
        string[] window = ["--from", "2024-05-06", "--to", "2024-05-11", "--json"];
        var fifteen = await CliRunner.Run(["simulate", "--site", site, .. window]);
        Assert.True(fifteen.ExitCode == 0, fifteen.Err);
        var onSced = await CliRunner.Run(["simulate", "--site", site, "--sced", "shipped", .. window]);
        Assert.True(onSced.ExitCode == 0, onSced.Err);
        using var f = JsonDocument.Parse(fifteen.Out);
        using var s5 = JsonDocument.Parse(onSced.Out);
        Assert.Equal("forecast-gated", f.RootElement.GetProperty("policy").GetString());
        Assert.Equal(15, f.RootElement.GetProperty("decision_cadence_minutes").GetInt32());
        Assert.Equal(5, s5.RootElement.GetProperty("decision_cadence_minutes").GetInt32());
        foreach (var j in new[] { f.RootElement, s5.RootElement })
        {
            var (profit, alwaysOn, oracle) = (j.GetProperty("profit_usd").GetDouble(), j.GetProperty("always_on_profit_usd").GetDouble(), j.GetProperty("oracle_profit_usd").GetDouble());
            // The May 8 2024 spike: curtailing on the rule beats running through it, and never beats hindsight.
            Assert.True(alwaysOn < profit && profit <= oracle + 1e-6, $"always-on {alwaysOn}, gated {profit}, oracle {oracle}");
        }

        // The sweep runs the same policy: its point at the site's veto (0.4) is simulate's result; turning the veto off changes it.
        var sweep = await CliRunner.Run(["sweep", "--site", site, "--param", "policy.veto_below=0:0.4:0.4", .. window]);
        Assert.True(sweep.ExitCode == 0, sweep.Err);
        using var doc = JsonDocument.Parse(sweep.Out);
        var rows = doc.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal([0.0, 0.4], rows.Select(x => x.GetProperty("policy.veto_below").GetDouble()));
        Assert.Equal(f.RootElement.GetProperty("profit_usd").GetDouble(), rows[1].GetProperty("profit_usd").GetDouble(), 0.0051);
        Assert.NotEqual(rows[0].GetProperty("transitions").GetInt32(), rows[1].GetProperty("transitions").GetInt32());

        var wrong = await CliRunner.Run("sweep", "--param", "policy.veto_below=0:1:0.5", "--from", "2024-05-06", "--to", "2024-05-11");
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("policy.veto_below applies only to policy.kind: forecast_gated", wrong.Err);
    }

    [Fact]
    public async Task TheScedModeOfTheGatedRuleChangesSCEDDecisionsOnly()
    {
        var dir = CliRunner.TempDir();
        // "default": no sced_mode key in the site file.
        string Site(string mode)
        {
            var path = Path.Combine(dir, $"{mode}.yaml");
            var key = mode == "default" ? "" : $"  sced_mode: {mode}\n";
            File.WriteAllText(path, DefaultSiteYaml().Replace("  kind: threshold\n", $"  kind: forecast_gated\n  model: models:hb_west_2021_2023\n{key}")
                .Replace("  curtail_above_usd_per_mwh: 90\n", "").Replace("  resume_below_usd_per_mwh: 70\n", "")
                .Replace("  hard_cap_usd_per_mwh: 300\n", "").Replace("  breakeven_margin: 1.0\n", ""));
            return path;
        }
        string[] window = ["--from", "2024-05-06", "--to", "2024-05-11", "--json"];
        async Task<(double Profit, int Transitions)> Simulate(string mode, bool sced)
        {
            var r = await CliRunner.Run(["simulate", "--site", Site(mode), .. sced ? new[] { "--sced", "shipped" } : [], .. window]);
            Assert.True(r.ExitCode == 0, r.Err);
            using var j = JsonDocument.Parse(r.Out);
            return (j.RootElement.GetProperty("profit_usd").GetDouble(), j.RootElement.GetProperty("transitions").GetInt32());
        }
        // At 15 minutes the mode is not read: the same decisions.
        Assert.Equal(await Simulate("runs", false), await Simulate("windows", false));
        // On SCED the windows decide differently from counting runs (the May 8 2024 spike and the days around it).
        var windows = await Simulate("windows", true);
        Assert.NotEqual(await Simulate("runs", true), windows);
        // A site file without the key decides on SCED windows (the default since 2026-12-05).
        Assert.Equal(windows, await Simulate("default", true));
        var bad = await CliRunner.Run(["simulate", "--site", Site("every_run"), .. window]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("policy.sced_mode: must be runs, windows or runs_window_forecast", bad.Err);
    }

    [Fact]
    public async Task SweepOfTheFourCpBudgetTurnsTheWatchOn()
    {
        var sweep = await CliRunner.Run("sweep", "--param", "four_cp.monthly_budget_hours=0:40:40", "--from", "2023-08-01", "--to", "2023-08-12", "--json");
        Assert.True(sweep.ExitCode == 0, sweep.Err);
        using var doc = JsonDocument.Parse(sweep.Out);
        var rows = doc.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(2, rows.Count);
        // With no budget the watch never curtails: the threshold policy's own result.
        var plain = await CliRunner.Run("simulate", "--from", "2023-08-01", "--to", "2023-08-12", "--json");
        using var p = JsonDocument.Parse(plain.Out);
        Assert.Equal(p.RootElement.GetProperty("profit_usd").GetDouble(), rows[0].GetProperty("profit_usd").GetDouble(), 0.0051); // the sweep reports money to the cent
        Assert.True(rows[1].GetProperty("curtailed_mwh").GetDouble() >= rows[0].GetProperty("curtailed_mwh").GetDouble());
    }

    [Fact]
    public async Task TheShippedForecastSiteRuns()
    {
        var site = Path.Combine(Path.GetDirectoryName(CliRunner.DataDir)!, "simulations", "sites", "forecast_4cp.yaml");
        var r = await CliRunner.Run("simulate", "--site", site, "--from", "2023-08-09", "--to", "2023-08-11", "--json");
        Assert.True(r.ExitCode == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal("forecast+4cp", doc.RootElement.GetProperty("policy").GetString());
        Assert.Equal(1, doc.RootElement.GetProperty("four_cp").GetProperty("peak_count").GetInt32());
    }
}
