using Curtail.Controller.Cycle;
using Curtail.Controller.Trading;
using Curtail.Core.Decisions;
using Curtail.Core.LoadFollowing;
using Curtail.Core.Sites;

namespace Curtail.Controller.Tests;

/// <summary>The live decision values each MW by its source (issue 15): island, grid-tied with export, minimum load.</summary>
public class EnergyTopologyPlannerTests
{
    private static readonly DateTimeOffset Now = new(2023, 8, 17, 19, 0, 0, TimeSpan.Zero);

    // 30,000 TH/s on 650 kW at 0.07 $/TH/day: hashing is worth 134.6 $/MWh; the spike below is 500 $/MWh.
    private static SiteDefinition Site(string sources = "") => SiteFileParser.Parse($"""
        name: t
        settlement_point: HB_WEST
        {sources}
        economics: {"{"}hashprice: {"{"}usd_per_th_day: 0.07{"}"}{"}"}
        fleet:
          - {"{"}group: old, count: 100, hashrate_th: 100, power_w: 3000{"}"}
          - {"{"}group: new, count: 100, hashrate_th: 200, power_w: 3500{"}"}
        policy: {"{"}kind: threshold, curtail_above_usd_per_mwh: 100, resume_below_usd_per_mwh: 80{"}"}
        """, "t.yaml");

    private const string Island = """
        energy:
          sources:
            gensets: [{name: flare, rated_kw: 1000, min_load_pct: 30, fuel_cost_usd_per_mwh: 0}]
        """;

    private static string GridTied(double exportLimitKw, string paid = "real_time") => $$"""
        energy:
          adder_usd_per_mwh: 5
          sources:
            grid: {export_limit_kw: {{exportLimitKw}}, export_paid: {{paid}}}
            gensets: [{name: flare, rated_kw: 1000, min_load_pct: 30, fuel_cost_usd_per_mwh: 0}]
        """;

    private static GensetReading Reading(double activeKw, double availableKw = 950) => new()
    {
        TimeRead = Now, ActivePowerKw = activeKw, RatedPowerKw = 1000, AvailablePowerKw = availableKw, FrequencyHz = 60,
        EngineState = EngineState.RunningLoaded, BreakerClosed = true, Heartbeat = 1,
    };

    private static CycleInputs Inputs(SiteDefinition site, double price, GensetReading? reading, double siteLoadKw = 650) => new()
    {
        Now = Now,
        SettledPrices = [price],
        LastSettledIntervalStart = Now.AddMinutes(-15),
        HashpriceUsdPerThDay = 0.07,
        Groups = [GroupState.RunningLongSince, GroupState.RunningLongSince],
        Trading = TradingSettings.From(site.Policy),
        SiteLoadKw = siteLoadKw,
        GensetConfigured = true,
        Genset = reading,
        DeviceNow = Now,
    };

    private static SiteTargetPlanner Planner(SiteDefinition site) =>
        new(site, new LoadFollower(new LoadFollowingSettings { Headroom = 0.1, MinLoadPct = 30, SafeLoadKw = 50 }));

    [Fact]
    public void WithoutSourcesTheGensetsMinimumLoadRaisesAPriceCurtailment()
    {
        // The bug in the issue: the follower answered "MinLoad 300 kW" but the planner only applied lower limits.
        var site = Site();
        var spike = Planner(site).Decide(Inputs(site, 500, Reading(650)));
        Assert.Equal(0, spike.PriceTargetKw);
        Assert.Equal(300, spike.TargetKw, 6);
        Assert.Equal("genset_min_load", spike.LimitedBy);
        Assert.Null(spike.MinLoad);
    }

    [Fact]
    public void AnOverrideBelowTheMinimumLoadWinsAndTheRecordSaysWhy()
    {
        var site = Site(Island);
        var inputs = Inputs(site, 40, Reading(650)) with { Override = new TradingOverride(OverrideMode.ForceCurtail, Now.AddHours(1), "alice", "maintenance") };
        var d = Planner(site).Decide(inputs);
        Assert.Equal(0, d.TargetKw);
        Assert.Contains(d.Limits, l => l.Source == "genset_min_load" && l.Detail.Contains("not kept: override"));
        Assert.StartsWith("NOT kept", d.MinLoad);
        Assert.Contains("override", d.MinLoad);
    }

    [Fact]
    public void AnIslandSiteDoesNotCurtailOnPrice()
    {
        var site = Site(Island);
        var spike = Planner(site).Decide(Inputs(site, 500, Reading(650)));
        Assert.Equal(0, spike.PriceTargetKw);
        Assert.Equal(650, spike.TargetKw, 6);
        Assert.Equal("energy", spike.LimitedBy);
        Assert.Contains("island: price does not curtail", spike.Limits[^1].Detail);
        Assert.StartsWith("kept", spike.MinLoad);

        // The genset's available power still caps it (with the follower's 10 % headroom).
        var derated = Planner(site).Decide(Inputs(site, 500, Reading(650, availableKw: 500)));
        Assert.Equal(450, derated.TargetKw, 6);
        Assert.Equal("genset", derated.LimitedBy);
    }

    [Fact]
    public void AnIslandSiteOnExpensiveGasRunsAtTheGensetsMinimumLoad()
    {
        var site = Site(Island.Replace("fuel_cost_usd_per_mwh: 0", "fuel_cost_usd_per_mwh: 200"));
        var d = Planner(site).Decide(Inputs(site, 500, Reading(650)));
        Assert.Equal(300, d.TargetKw, 6);
        Assert.Contains(d.Limits, l => l.Source == "energy" && l.Detail.Contains("fuel 200 $/MWh above hashing"));
    }

    [Fact]
    public void GridTiedWithPaidExportTheMinersShedAndTheGensetExportsAtASpike()
    {
        var site = Site(GridTied(2000));
        var spike = Planner(site).Decide(Inputs(site, 500, Reading(950)));
        Assert.Equal(0, spike.TargetKw);
        Assert.Equal("price", spike.LimitedBy);
        Assert.StartsWith("kept", spike.MinLoad);

        // At a low price the miners take the genset's power (and import the rest).
        var low = Planner(site).Decide(Inputs(site, 40, Reading(950)));
        Assert.Equal(650, low.TargetKw, 6);
    }

    [Fact]
    public void GridTiedTheExportLimitKeepsWhatCannotBeExportedOnSite()
    {
        var site = Site(GridTied(100));
        var spike = Planner(site).Decide(Inputs(site, 500, Reading(950)));
        // 950 kW available, 100 kW may leave: the other 850 kW is free to hash (capped at the 650 kW fleet).
        Assert.Equal(650, spike.TargetKw, 6);
        Assert.Equal("energy", spike.LimitedBy);

        var lowGas = Planner(site).Decide(Inputs(site, 500, Reading(250, availableKw: 250)));
        // 250 kW available of which 100 kW exports: 150 kW stays; the minimum load (300 kW capped at 250 available) needs 150 kW.
        Assert.Equal(150, lowGas.TargetKw, 6);
    }

    [Fact]
    public void GridTiedTheGensetsCeilingDoesNotCapTheMinersButItsFailSafeSheds()
    {
        var site = Site(GridTied(2000));
        // A derated genset: the grid carries the miners, so no genset ceiling applies at a low price.
        var derated = Planner(site).Decide(Inputs(site, 40, Reading(200, availableKw: 200)));
        Assert.Equal(650, derated.TargetKw, 6);

        var planner = Planner(site);
        planner.Decide(Inputs(site, 40, Reading(950)));
        var lost = planner.Decide(Inputs(site, 40, Reading(950)) with { DeviceNow = Now.AddSeconds(3), GensetLinkProblem = "timeout" });
        Assert.Equal("genset", lost.LimitedBy);
        Assert.Equal(50, lost.TargetKw, 6);
    }

    [Fact]
    public void WithoutAFreshPriceTheFloorDoesNotWakeMiners()
    {
        var site = Site(Island);
        var held = Planner(site).Decide(Inputs(site, 40, Reading(300), siteLoadKw: 300) with
        {
            Groups = [new GroupState(GroupMode.Curtailed, GroupState.LongAgoTicks, 1), new GroupState(GroupMode.Curtailed, GroupState.LongAgoTicks, 1)], HoldReason = "no settled price yet", HoldAtKw = 300,
        });
        Assert.True(held.TargetKw <= 300 + 1e-6, $"target {held.TargetKw}");
        Assert.Contains(held.Limits, l => l.Source == "energy" && l.Detail.StartsWith("not raised"));
    }

    [Fact]
    public void TheImportLimitCapsTheTargetAtTheLimitPlusTheGensetsOutput()
    {
        // Grid-tied, import limited to 200 kW, the genset giving 300 kW now: the 650 kW fleet may draw 500 kW at most.
        var site = Site(GridTied(0, "none").Replace("grid: {", "grid: {import_limit_kw: 200, "));
        var d = Planner(site).Decide(Inputs(site, 40, Reading(300, availableKw: 300)));
        Assert.Equal(500, d.TargetKw, 6);
        Assert.Equal("grid_import", d.LimitedBy);
        Assert.Contains("import limit 200 kW + genset 300 kW", d.Limits[^1].Detail);

        // A grid-only site with a limit is capped at the limit (no genset to add).
        var gridOnly = Site("""
            energy:
              sources:
                grid: {import_limit_kw: 400}
            """);
        var g = new SiteTargetPlanner(gridOnly, null).Decide(Inputs(gridOnly, 40, null) with { GensetConfigured = false });
        Assert.Equal(400, g.TargetKw, 6);
        Assert.Equal("grid_import", g.LimitedBy);
    }
}
