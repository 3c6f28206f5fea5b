using Curtail.Core.Sites;

namespace Curtail.Core.Tests;

public class SiteFileForecastTests
{
    private const string Forecast = """
        name: Forecast site
        settlement_point: HB_WEST
        economics:
          hashprice: {usd_per_th_day: 0.07}
        fleet:
          - {group: s19, count: 100, hashrate_th: 100, power_w: 3050}
        policy:
          kind: forecast
          model: models/my_model
          horizon_intervals: 12
          risk_weight: 0.5
          expectation: mean
        four_cp:
          enabled: true
          probability_threshold: 0.02
          monthly_budget_hours: 40
          rate_usd_per_kw_year: 60
        """;

    [Fact]
    public void ParsesForecastKeysAndFourCp()
    {
        var site = SiteFileParser.Parse(Forecast, "site.yaml");
        Assert.Equal(PolicyKind.Forecast, site.Policy.Kind);
        Assert.Equal(new ForecastSettings("models/my_model", 12, 0.5, ForecastExpectation.Mean), site.Policy.Forecast);
        Assert.Equal(new FourCpSiteSettings(true, 0.02, 40, 60), site.FourCp);
        Assert.True(site.FourCpEnabled);
    }

    [Fact]
    public void ForecastDefaultsToTheShippedModelAndFourCpIsOffWithoutItsSection()
    {
        var yaml = Forecast[..Forecast.IndexOf("  model:", StringComparison.Ordinal)];
        var site = SiteFileParser.Parse(yaml, "site.yaml");
        Assert.Equal(ForecastSettings.Default, site.Policy.Forecast);
        Assert.Equal(ForecastSettings.ShippedModel, site.Policy.Forecast.Model);
        Assert.Null(site.FourCp);
        Assert.False(site.FourCpEnabled);
    }

    [Fact]
    public void FourCpSectionAloneTakesTheDocumentedDefaults()
    {
        var yaml = Forecast.Replace("""
              enabled: true
              probability_threshold: 0.02
              monthly_budget_hours: 40
              rate_usd_per_kw_year: 60
            """, "  enabled: true");
        var site = SiteFileParser.Parse(yaml, "site.yaml");
        Assert.Equal(FourCpSiteSettings.Default, site.FourCp);
        Assert.Equal(new FourCpSiteSettings(true, 0.05, 12, 75), site.FourCp);
    }

    [Fact]
    public void DisabledFourCpParsesButIsOff()
    {
        var site = SiteFileParser.Parse(Forecast.Replace("enabled: true", "enabled: false"), "site.yaml");
        Assert.NotNull(site.FourCp);
        Assert.False(site.FourCpEnabled);
    }

    [Theory]
    [InlineData("horizon_intervals: 12", "horizon_intervals: 30", "site.yaml:10: policy.horizon_intervals: must be between 1 and 24")]
    [InlineData("horizon_intervals: 12", "horizon_intervals: 1.5", "site.yaml:10: policy.horizon_intervals: expected a whole number, got '1.5'")]
    [InlineData("risk_weight: 0.5", "risk_weight: -1", "site.yaml:11: policy.risk_weight: must not be negative, got -1")]
    [InlineData("expectation: mean", "expectation: median", "site.yaml:12: policy.expectation: must be 'quantiles' or 'mean', got 'median'")]
    [InlineData("kind: forecast", "kind: threshold\n  curtail_above_usd_per_mwh: 90", "site.yaml:10: policy.model: only applies to policy.kind: forecast")]
    [InlineData("  enabled: true", "  enabled: maybe", "site.yaml:14: four_cp.enabled: must be true or false, got 'maybe'")]
    [InlineData("probability_threshold: 0.02", "probability_threshold: 1.5", "site.yaml:15: four_cp.probability_threshold: is a probability in (0, 1], got 1.5")]
    [InlineData("probability_threshold: 0.02", "probability_threshold: high", "site.yaml:15: four_cp.probability_threshold: expected a number, got 'high'")]
    [InlineData("monthly_budget_hours: 40", "monthly_budget_hours: -2", "site.yaml:16: four_cp.monthly_budget_hours: must be between 0 and 744 hours, got -2")]
    [InlineData("rate_usd_per_kw_year: 60", "rate_usd_per_kw_year: -60", "site.yaml:17: four_cp.rate_usd_per_kw_year: must not be negative, got -60")]
    [InlineData("rate_usd_per_kw_year: 60", "rate_usd_per_kwh: 60", "site.yaml:17: four_cp.rate_usd_per_kwh: unknown key 'rate_usd_per_kwh'")]
    [InlineData("risk_weight: 0.5", "risk_weigth: 0.5", "site.yaml:11: policy.risk_weigth: unknown key 'risk_weigth'")]
    public void BadForecastOrFourCpInputNamesTheKeyAndLine(string from, string to, string expected)
    {
        var yaml = Forecast.Replace(from, to);
        Assert.NotEqual(Forecast, yaml);
        var ex = Assert.Throws<InvalidInputException>(() => SiteFileParser.Parse(yaml, "site.yaml"));
        Assert.Contains(expected, ex.Message);
    }

    private const string Gated = """
        name: Gated site
        settlement_point: HB_WEST
        economics:
          hashprice: {usd_per_th_day: 0.07}
        fleet:
          - {group: s19, count: 100, hashrate_th: 100, power_w: 3050}
        policy:
          kind: forecast_gated
        """;

    [Fact]
    public void TheGatedRuleTakesTheValidatedDefaultsAndTheShippedModel()
    {
        var site = SiteFileParser.Parse(Gated, "site.yaml");
        Assert.Equal(PolicyKind.ForecastGated, site.Policy.Kind);
        Assert.Equal(new ForecastGateSettings(4, 4, 2, 0.4, 0.05, ScedDecisionMode.Windows), site.Policy.Gates);
        // SCED windows are the default mode (chosen on 2024, docs/forecasting.md); counting runs is opted into.
        Assert.Equal(ScedDecisionMode.Windows, site.Policy.Gates.ScedMode);
        Assert.Equal(1, site.Policy.ConfirmIntervals);
        Assert.Equal(ForecastSettings.ShippedModel, site.Policy.Forecast.Model);
    }

    [Fact]
    public void TheGatedRulesKeysAreRead()
    {
        var site = SiteFileParser.Parse(Gated + """

              model: models:hb_west_2021_2023
              curtail_margin_usd_per_mwh: 6
              resume_margin_usd_per_mwh: 16
              confirm_intervals: 2
              sced_confirm_runs: 3
              veto_below: 0.3
              early_resume_below: 0
              sced_mode: runs
            """, "site.yaml");
        Assert.Equal(new ForecastGateSettings(6, 16, 3, 0.3, 0, ScedDecisionMode.Runs), site.Policy.Gates);
        Assert.Equal(ScedDecisionMode.Windows, SiteFileParser.Parse(Gated + "\n  sced_mode: windows", "site.yaml").Policy.Gates.ScedMode);
        Assert.Equal(ScedDecisionMode.RunsWithWindowForecast,
            SiteFileParser.Parse(Gated + "\n  sced_mode: runs_window_forecast", "site.yaml").Policy.Gates.ScedMode);
        Assert.Equal(2, site.Policy.ConfirmIntervals);
        Assert.Equal("models:hb_west_2021_2023", site.Policy.Forecast.Model);
    }

    [Theory]
    [InlineData("  veto_below: 1.5", "site.yaml:9: policy.veto_below: is a probability between 0 and 1 (0 turns the gate off), got 1.5")]
    [InlineData("  early_resume_below: -0.1", "site.yaml:9: policy.early_resume_below: is a probability between 0 and 1")]
    [InlineData("  sced_confirm_runs: 0", "site.yaml:9: policy.sced_confirm_runs: must be between 1 and 12 SCED runs, got 0")]
    [InlineData("  sced_mode: every_run", "site.yaml:9: policy.sced_mode: must be runs, windows or runs_window_forecast, got 'every_run'")]
    [InlineData("  curtail_margin_usd_per_mwh: 10\n  resume_margin_usd_per_mwh: -20", "site.yaml:10: policy.resume_margin_usd_per_mwh: the resume strike (breakeven +20 $/MWh) is above the curtail strike (breakeven +10 $/MWh)")]
    [InlineData("  horizon_intervals: 12", "site.yaml:9: policy.horizon_intervals: only applies to policy.kind: forecast (the policy is forecast_gated)")]
    public void BadGatedInputNamesTheKeyAndLine(string extra, string expected)
    {
        var ex = Assert.Throws<InvalidInputException>(() => SiteFileParser.Parse(Gated + "\n" + extra, "site.yaml"));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void GateKeysOnAnotherPolicyAreRefused()
    {
        var ex = Assert.Throws<InvalidInputException>(() => SiteFileParser.Parse(Forecast.Replace("  model: models/my_model", "  veto_below: 0.4"), "site.yaml"));
        Assert.Contains("policy.veto_below: only applies to policy.kind: forecast_gated (the policy is forecast)", ex.Message);
    }

    [Fact]
    public void PolicyKindNamesRoundTrip()
    {
        foreach (var kind in Enum.GetValues<PolicyKind>())
            Assert.Equal(kind, SiteFileParser.ParsePolicyKind(SiteFileParser.PolicyKindName(kind)));
    }
}
