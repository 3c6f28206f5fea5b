using Curtail.Controller.Config;
using Curtail.Controller.Cycle;
using Curtail.Controller.Hosting;
using Curtail.Controller.Trading;
using Curtail.Core.Decisions;
using Curtail.Core.Sites;
using Curtail.Forecasting.Policies;
using Curtail.Simulation.Backtest;
using Curtail.Simulation.Setup;
using Microsoft.Extensions.Logging.Abstractions;

namespace Curtail.Controller.Tests;

/// <summary>
/// `policy.kind: forecast_gated` decides through one engine: the live controller's planner, with the policy the
/// controller's forecast service builds from the site file, makes the backtest's decision at every decision point of
/// real 2024 HB_WEST days, on the 15-minute clock and on the SCED clock, with the shipped held-out model.
/// </summary>
public sealed class ForecastGatedLiveTests : IDisposable
{
    // Two groups with different breakevens (about $68 and $119/MWh at $0.05/TH/day); the site's hashprice is the
    // shipped daily series, which is also what the backtest's market history gives the forecaster.
    private const string Yaml = """
        name: gated
        settlement_point: HB_WEST
        economics: {hashprice: {file: "shipped:bitcoin/hashprice_daily.csv.gz"}}
        fleet:
          - {group: s19, count: 3000, hashrate_th: 100, power_w: 3050}
          - {group: s21, count: 1000, hashrate_th: 200, power_w: 3500}
        policy: {kind: forecast_gated, model: "models:hb_west_2021_2023"}
        constraints: {sleep_seconds: 5, wake_minutes: 5, min_off_minutes: 15, min_on_minutes: 15}
        """;

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("curtail-gated-live");
    private string SitePath => Path.Combine(_dir.FullName, "site.yaml");

    public void Dispose() => _dir.Delete(true);

    private (BacktestInputs Inputs, List<IntervalRecord> Records, SiteTargetPlanner Live) Both(DateOnly from, DateOnly to, bool sced, string yaml = Yaml)
    {
        File.WriteAllText(SitePath, yaml);
        var inputs = BacktestSetup.Prepare(new BacktestRequest(SiteFile: SitePath, FromCpt: from, ToCptExclusive: to)
        {
            ScedFiles = sced ? [BacktestRequest.ShippedSced] : null,
        }).Inputs;
        var policy = PolicyFactory.CreateForSite(inputs).Policy;
        Assert.IsType<ForecastGatedPolicy>(policy);
        var records = new List<IntervalRecord>();
        Backtester.Run(inputs, policy, records);

        var config = ControllerConfigParser.Parse(yaml, SitePath, _dir.FullName);
        Assert.Equal(PolicyKind.ForecastGated, config.Site.Policy.Kind);
        var runtime = new ControllerRuntime(config, SiteFiles.LoadHashprice(new LoadedSite(config.Site, SitePath, _dir.FullName)));
        var service = new ForecastService(config, runtime, new ServiceClock(TimeProvider.System), NullLogger<ForecastService>.Instance);
        Assert.True(service.Available);
        return (inputs, records, new SiteTargetPlanner(config.Site, null, service.PolicyFor));
    }

    private static CycleInputs LiveInputs(BacktestInputs inputs, SiteDefinition site, DateTimeOffset now, double[] settled, DateTimeOffset? lastSettledStart,
        IReadOnlyList<ScedRun> sced, GroupState[] groups) => new()
    {
        Now = now,
        SettledPrices = settled,
        LastSettledIntervalStart = lastSettledStart,
        Sced = sced,
        HashpriceUsdPerThDay = inputs.Hashprice.AtUtcTicks(now.UtcTicks),
        Groups = groups,
        Trading = TradingSettings.From(site.Policy),
        SiteLoadKw = 0,
    };

    private static DateTimeOffset? LastStart(Core.Prices.PriceSeries prices, int settled) =>
        settled == 0 ? null : new DateTimeOffset(prices.StartTicks[settled - 1], TimeSpan.Zero);

    private static GroupState[] Before(List<IntervalRecord> records, int row, int groups) =>
        row == 0 ? Enumerable.Repeat(GroupState.RunningLongSince, groups).ToArray() : (GroupState[])records[row - 1].Groups.Clone();

    private static void AssertSame(IntervalRecord expected, CycleDecision live, int row)
    {
        var at = new DateTimeOffset(expected.StartTicks, TimeSpan.Zero);
        Assert.True(expected.Reasons.SequenceEqual(live.GroupReasons),
            $"{at:u} (row {row}): backtest {string.Join(",", expected.Reasons)}, live {string.Join(",", live.GroupReasons)}");
        Assert.Equal(expected.Groups.Select(g => (g.Mode, g.SinceTicks)), live.NextGroups.Select(g => (g.Mode, g.SinceTicks)));
    }

    [Fact]
    public void On_the_15_minute_clock_the_live_controller_decides_every_interval_as_the_backtest_does()
    {
        // 2024-05-06 .. 05-10 CPT: the HB_WEST spike of May 8 (up to $4,981 on SCED) and the days around it.
        var (inputs, records, live) = Both(new DateOnly(2024, 5, 6), new DateOnly(2024, 5, 11), sced: false);
        var prices = inputs.Prices;
        for (var row = 0; row < records.Count; row++)
        {
            var i = inputs.FromIndex + row;
            var now = new DateTimeOffset(prices.StartTicks[i], TimeSpan.Zero);
            var decision = live.Decide(LiveInputs(inputs, inputs.Site, now, prices.Prices[..i].ToArray(), LastStart(prices, i), [],
                Before(records, row, inputs.Site.Fleet.Count)));
            // Before the window's first settled price neither has a price: both hold the groups (NoSettledPrice).
            Assert.Equal(row == 0 ? null : ActedPrice.Settled, decision.ActedOn?.Source);
            AssertSame(records[row], decision, row);
        }
        var reasons = records.SelectMany(r => r.Reasons).ToList();
        // The window exercises the trigger and the forecast's veto, so agreement is not agreement on "run" alone.
        Assert.Contains(DecisionReason.AboveStrike, reasons);
        Assert.Contains(DecisionReason.ForecastVeto, reasons);
    }

    [Fact]
    public void On_the_SCED_clock_counting_runs_the_live_controller_decides_every_run_as_the_backtest_does()
    {
        var yaml = Yaml.Replace("policy: {kind: forecast_gated, ", "policy: {kind: forecast_gated, sced_mode: runs, ");
        var (inputs, records, live) = Both(new DateOnly(2024, 5, 8), new DateOnly(2024, 5, 9), sced: true, yaml);
        Assert.Equal(ScedDecisionMode.Runs, inputs.Site.Policy.Gates.ScedMode);
        var sced = inputs.Sced!;
        var prices = inputs.Prices;
        // Row 0 has no SCED run of the window yet (the backtest has none to act on); from row 1 on, each live cycle
        // holds the runs so far (one 15 s into each 5 minutes, as ERCOT posts them) and the SPPs posted 5 minutes after
        // their interval ended.
        for (var row = 1; row < records.Count; row++)
        {
            var now = new DateTimeOffset(sced.StartTicks[row], TimeSpan.Zero);
            var posted = 0;
            while (prices.EndTicks[posted] <= now.AddMinutes(-5).UtcTicks) posted++;
            var runs = Enumerable.Range(0, row).Select(k => new ScedRun(new DateTimeOffset(sced.StartTicks[k], TimeSpan.Zero).AddSeconds(15), sced.Lmps[k])).ToList();
            var decision = live.Decide(LiveInputs(inputs, inputs.Site, now, prices.Prices[..posted].ToArray(), LastStart(prices, posted), runs,
                Before(records, row, inputs.Site.Fleet.Count)));
            Assert.Equal(ActedPrice.Sced, decision.ActedOn!.Source);
            AssertSame(records[row], decision, row);
        }
        var reasons = records.SelectMany(r => r.Reasons).ToList();
        Assert.Contains(DecisionReason.AboveStrike, reasons);
        Assert.Contains(DecisionReason.BelowResumeStrike, reasons);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("runs_window_forecast")]
    public void On_the_SCED_clock_with_the_window_forecast_the_live_controller_decides_every_run_as_the_backtest_does(string? mode)
    {
        // No sced_mode in the site file: the default, SCED windows, for the backtest and the live controller alike.
        // The same days as the 15-minute test. Each live cycle holds the SCED runs so far. Counting runs, the SPPs come 5
        // minutes after their interval (as in the test above); on windows, which read the last settled price, they come
        // when their interval ends, as the backtest has them: the first run of an interval is then older than the
        // newest SPP and the controller acts on the settled price, the window's own price on that boundary. (A late
        // SPP's windows, read from the runs instead, are SlidingWindows' own test.)
        var windows = mode is null;
        var yaml = windows ? Yaml : Yaml.Replace("policy: {kind: forecast_gated, ", $"policy: {{kind: forecast_gated, sced_mode: {mode}, ");
        var (inputs, records, live) = Both(new DateOnly(2024, 5, 6), new DateOnly(2024, 5, 11), sced: true, yaml);
        Assert.Equal(windows ? ScedDecisionMode.Windows : ScedDecisionMode.RunsWithWindowForecast, inputs.Site.Policy.Gates.ScedMode);
        var sced = inputs.Sced!;
        var prices = inputs.Prices;
        var lag = windows ? TimeSpan.Zero : TimeSpan.FromMinutes(5);
        for (var row = 1; row < records.Count; row++)
        {
            var now = new DateTimeOffset(sced.StartTicks[row], TimeSpan.Zero);
            var posted = 0;
            while (prices.EndTicks[posted] <= (now - lag).UtcTicks) posted++;
            var runs = Enumerable.Range(0, row).Select(k => new ScedRun(new DateTimeOffset(sced.StartTicks[k], TimeSpan.Zero).AddSeconds(15), sced.Lmps[k])).ToList();
            var decision = live.Decide(LiveInputs(inputs, inputs.Site, now, prices.Prices[..posted].ToArray(), LastStart(prices, posted), runs,
                Before(records, row, inputs.Site.Fleet.Count)));
            Assert.Equal(windows && row % 3 == 0 ? ActedPrice.Settled : ActedPrice.Sced, decision.ActedOn!.Source);
            AssertSame(records[row], decision, row);
        }
        var reasons = records.SelectMany(r => r.Reasons).ToList();
        Assert.Contains(DecisionReason.AboveStrike, reasons);
        // The forecast made from the windows vetoes triggers on the SCED clock too.
        Assert.Contains(DecisionReason.ForecastVeto, reasons);
    }
}
