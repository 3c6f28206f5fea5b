using Curtail.Core;
using Curtail.Core.Economics;
using Curtail.Core.Prices;
using Curtail.Core.Sites;
using Curtail.Forecasting;
using Curtail.Forecasting.FourCp;
using Curtail.Simulation.Backtest;
using Curtail.Simulation.Sweep;

namespace Curtail.Simulation.Tests;

public class ForecastSimulationTests
{
    private static readonly string ModelsDir = Path.Combine(Path.GetDirectoryName(Ercot.ShippedData.Locate().Root)!, "models");

    private static PriceSeries Prices(DateTimeOffset start, int count)
    {
        var step = TimeSpan.FromMinutes(15).Ticks;
        var starts = Enumerable.Range(0, count).Select(i => start.UtcTicks + i * step).ToArray();
        return new PriceSeries("HB_WEST", starts, starts.Select(s => s + step).ToArray(), Enumerable.Repeat(30.0, count).ToArray());
    }

    private static SiteDefinition ForecastSite(string model = ForecastSettings.ShippedModel) =>
        TestSites.Site(policy: new PolicySettings(PolicyKind.Forecast, null, null, 1, null, 1) { Forecast = ForecastSettings.Default with { Model = model } });

    [Fact]
    public void Model_paths_resolve_to_the_models_folder_or_next_to_the_site_file()
    {
        var context = new ForecastContext("site.yaml", "/sites/west", () => throw new InvalidOperationException("history is not needed"));
        Assert.Equal(Path.Combine(ModelsDir, "hb_west_2021_2022.model.json.gz"), context.ResolveModelPath("models:hb_west_2021_2022"));
        Assert.True(File.Exists(context.ResolveModelPath(ForecastSettings.ShippedModel)));
        Assert.Equal(Path.GetFullPath("/sites/west/m/x.model.json.gz"), context.ResolveModelPath("m/x"));
        Assert.Equal(Path.GetFullPath("/sites/m/x.model.json.gz"), context.ResolveModelPath("../m/x.model.json.gz"));
    }

    [Fact]
    public void The_forecast_policy_refuses_a_model_trained_on_the_window_before_anything_runs()
    {
        var prices = Prices(new DateTimeOffset(2022, 6, 1, 5, 0, 0, TimeSpan.Zero), 96);
        var inputs = BacktestInputs.Whole(ForecastSite(), prices, HashpriceSeries.Constant(0.08)) with
        {
            Forecasting = new ForecastContext("site.yaml", null, () => throw new InvalidOperationException("history must not be loaded before the check")),
        };
        var ex = Assert.Throws<InvalidInputException>(() => SimulationRunner.Run(inputs));
        Assert.Contains("trained on 2021-01-01 06:00Z..2023-01-01 06:00Z", ex.Message);
        Assert.Contains("overlaps the simulated window 2022-06-01 05:00Z..2022-06-02 05:00Z", ex.Message);

        var before = BacktestInputs.Whole(ForecastSite(), Prices(new DateTimeOffset(2020, 6, 1, 5, 0, 0, TimeSpan.Zero), 96), HashpriceSeries.Constant(0.08)) with
        {
            Forecasting = inputs.Forecasting,
        };
        Assert.Contains("comes after the simulated window", Assert.Throws<InvalidInputException>(() => SimulationRunner.Run(before)).Message);
    }

    [Fact]
    public void A_missing_model_or_another_settlement_point_is_named()
    {
        var prices = Prices(new DateTimeOffset(2023, 6, 1, 5, 0, 0, TimeSpan.Zero), 96);
        var context = new ForecastContext("site.yaml", "/nowhere", () => throw new InvalidOperationException());
        var missing = BacktestInputs.Whole(ForecastSite("m/none"), prices, HashpriceSeries.Constant(0.08)) with { Forecasting = context };
        Assert.Contains("policy.model: 'm/none' not found", Assert.Throws<InvalidInputException>(() => PolicyFactory.CreateForSite(missing)).Message);
        var north = BacktestInputs.Whole(ForecastSite() with { SettlementPoint = "HB_NORTH" }, prices, HashpriceSeries.Constant(0.08)) with { Forecasting = context };
        Assert.Contains("forecasts HB_WEST but the site settles at HB_NORTH", Assert.Throws<InvalidInputException>(() => PolicyFactory.CreateForSite(north)).Message);
    }

    [Fact]
    public void Four_cp_wraps_the_configured_policy()
    {
        var load = Prices(new DateTimeOffset(2021, 1, 1, 6, 0, 0, TimeSpan.Zero), 10);
        var history = new MarketHistory(load);
        var site = TestSites.Site() with { FourCp = FourCpSiteSettings.Default };
        var inputs = BacktestInputs.Whole(site, Prices(new DateTimeOffset(2023, 7, 1, 5, 0, 0, TimeSpan.Zero), 8), HashpriceSeries.Constant(0.08)) with
        {
            Forecasting = new ForecastContext("site.yaml", null, () => history),
        };
        // No native load in this history: the watch cannot run, and says why.
        Assert.Contains("four_cp: needs ERCOT native load history", Assert.Throws<InvalidInputException>(() => PolicyFactory.CreateForSite(inputs)).Message);

        var plain = PolicyFactory.CreateForSite(inputs with { Site = site with { FourCp = site.FourCp! with { Enabled = false } } });
        Assert.Null(plain.FourCp);
        Assert.Equal("threshold", plain.Policy.Name);
    }

    [Fact]
    public void Sweeping_a_four_cp_key_turns_the_watch_on_and_forecast_keys_set_the_forecast_options()
    {
        var site = TestSites.Site();
        Assert.Null(site.FourCp);
        var swept = SweepParameter.Apply(site, "four_cp.monthly_budget_hours", 30);
        Assert.Equal(FourCpSiteSettings.Default with { MonthlyBudgetHours = 30 }, swept.FourCp);
        var forecast = SweepParameter.Apply(ForecastSite(), "policy.horizon_intervals", 6);
        Assert.Equal(6, forecast.Policy.Forecast.HorizonIntervals);
        Assert.Contains("is a probability in (0, 1]", Assert.Throws<InvalidInputException>(() => SweepParameter.Parse("four_cp.probability_threshold=0.5:1.5:0.5")).Message);
        Assert.Contains("must be between 1 and 24", Assert.Throws<InvalidInputException>(() => SweepParameter.Parse("policy.horizon_intervals=0:4:1")).Message);
    }
}
