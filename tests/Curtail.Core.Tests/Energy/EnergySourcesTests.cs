using Curtail.Core.Energy;
using Curtail.Core.Sites;

namespace Curtail.Core.Tests.Energy;

public class EnergySourcesTests
{
    private static SiteDefinition Parse(string energy) => SiteFileParser.Parse($"""
        name: t
        settlement_point: HB_WEST
        {energy}
        economics: {"{"}hashprice: {"{"}usd_per_th_day: 0.07{"}"}{"}"}
        fleet: [{"{"}group: a, count: 100, hashrate_th: 100, power_w: 3000{"}"}]
        policy: {"{"}kind: always_on{"}"}
        """, "site.yaml");

    [Fact]
    public void ASiteWithoutSourcesIsGridOnlyImportOnly()
    {
        var site = Parse("energy: {adder_usd_per_mwh: 4}");
        Assert.Same(EnergySources.GridOnly, site.Sources);
        Assert.False(site.Sources.IsIsland);
        Assert.False(site.Sources.HasGensets);
        Assert.Equal(0, site.Sources.ExportLimitKw);
    }

    [Fact]
    public void ParsesAGridTiedSiteWithAFlareGasGenset()
    {
        var site = Parse("""
            energy:
              sources:
                grid: {import_limit_kw: 5000, export_limit_kw: 1200, export_paid: real_time}
                gensets:
                  - {name: flare-1, rated_kw: 1250, available: modbus, min_load_pct: 30, fuel_cost_usd_per_mwh: 0}
                  - {name: gas-2, rated_kw: 750, available: profiles/gas2.csv, min_load_pct: 40, fuel_cost_usd_per_mwh: 35}
            """);
        var s = site.Sources;
        Assert.Equal(new GridSource(5000, 1200, true), s.Grid);
        Assert.Equal(2, s.Gensets.Count);
        Assert.Equal(GensetAvailability.Reading, s.Gensets[0].Availability);
        Assert.Equal(GensetAvailability.Profile, s.Gensets[1].Availability);
        Assert.Equal("profiles/gas2.csv", s.Gensets[1].ProfileFile);
        Assert.Equal(375 + 300, s.GensetMinLoadKw, 6);
        Assert.Equal(35.0 * 750 / 2000, EnergyBalance.FuelCostUsdPerMwh(s), 6);
        Assert.True(s.IsGridTiedWithGenset);
    }

    [Fact]
    public void NoGridIsAnIsland()
    {
        var site = Parse("""
            energy:
              sources:
                gensets: [{rated_kw: 1000}]
            """);
        Assert.True(site.Sources.IsIsland);
        Assert.Equal("genset1", site.Sources.Gensets[0].Name);
        Assert.Equal(30, site.Sources.Gensets[0].MinLoadPct);
    }

    [Theory]
    [InlineData("energy: {sources: {}}", "energy.sources: an island site (no grid) needs at least one genset")]
    [InlineData("energy: {sources: {grid: {export_paid: real_time}}}", "energy.sources.grid.export_limit_kw: is required")]
    [InlineData("energy: {sources: {grid: {export_paid: sometimes, export_limit_kw: 5}}}", "export_paid: must be 'real_time' or 'none'")]
    [InlineData("energy: {sources: {gensets: [{rated_kw: -5}]}}", "energy.sources.gensets[0].rated_kw: must be positive")]
    [InlineData("energy: {sources: {gensets: [{rated_kw: 5, min_load_pct: 130}]}}", "min_load_pct: must be at most 100")]
    [InlineData("energy: {sources: {gensets: [{rated_kw: 5, fuel: 3}]}}", "unknown key 'fuel'")]
    [InlineData("energy: {sources: {gensets: [{name: a, rated_kw: 5}, {name: a, rated_kw: 5}]}}", "duplicate genset name 'a'")]
    public void BadSourcesAreRefusedWithTheirKey(string energy, string message)
    {
        var ex = Assert.Throws<InvalidInputException>(() => Parse(energy));
        Assert.Contains(message, ex.Message);
    }

    [Fact]
    public void GridTiedFlowsExportWhatPaysAndKeepTheMinimumLoad()
    {
        var s = new EnergySources(new GridSource(null, 800, true), [new GensetSource("g", 1000, GensetAvailability.Reading, null, 30, 0)]);
        // Miners shed at a spike: the genset exports up to the limit and stays above its 300 kW minimum.
        var shed = EnergyBalance.Flows(s, 0, 950, 5000, 5);
        Assert.Equal(new EnergyFlows(0, 800, 0, 800), shed);
        // Miners running: they take the genset's power, the grid the rest; the spare goes out.
        var run = EnergyBalance.Flows(s, 1200, 950, 30, 5);
        Assert.Equal(new EnergyFlows(1200, 950, 250, 0), run);
        // A negative price: exporting would cost, so the genset follows the miners, never below its minimum load.
        var negative = EnergyBalance.Flows(s, 100, 950, -20, 5);
        Assert.Equal(new EnergyFlows(100, 300, 0, 200), negative);
        Assert.Equal(-200, negative.NetKw);
    }

    [Fact]
    public void GridOnlyFlowsImportEverything()
    {
        Assert.Equal(new EnergyFlows(500, 0, 500, 0), EnergyBalance.Flows(EnergySources.GridOnly, 500, 0, 30, 5));
    }

    [Fact]
    public void TheFloorFollowsTheValueOfTheGensetsPower()
    {
        var paid = new EnergySources(new GridSource(null, 2000, true), [new GensetSource("g", 1000, GensetAvailability.Reading, null, 30, 0)]);
        Assert.Equal(0, EnergyBalance.Floor(paid, 950, 3000, 60, 500).FloorKw);
        Assert.Equal(950, EnergyBalance.Floor(paid, 950, 3000, 60, 30).FloorKw);
        var island = paid with { Grid = null };
        Assert.Equal(950, EnergyBalance.Floor(island, 950, 3000, 60, 5000).FloorKw);
        Assert.Equal(600, EnergyBalance.Floor(island, 950, 600, 60, 5000).FloorKw);
        var noExport = paid with { Grid = new GridSource(null, 0, false) };
        Assert.Equal(950, EnergyBalance.Floor(noExport, 950, 3000, 60, 5000).FloorKw);
        var dearGas = noExport with { Gensets = [new GensetSource("g", 1000, GensetAvailability.Reading, null, 30, 90)] };
        Assert.Equal(300, EnergyBalance.Floor(dearGas, 950, 3000, 60, 5000).FloorKw);
    }
    [Fact]
    public void EachGensetKeepsItsOwnMinimumLoadAndFuelCost()
    {
        // Grid-tied, no export; hashing worth 100 $/MWh. A 100 kW flare genset (30 % minimum, free) and a 100 kW gas
        // genset (50 % minimum, 150 $/MWh).
        var s = new EnergySources(new GridSource(null, 0, false),
            [new GensetSource("flare", 100, GensetAvailability.Reading, null, 30, 0), new GensetSource("gas", 100, GensetAvailability.Reading, null, 50, 150)]);
        // Floor: both minimum loads (30 + 50) plus the flare's other 70 kW; the gas genset's other 50 kW costs more
        // than hashing earns. Pooled (fuel 75 $/MWh capacity-weighted) it would have been all 200 kW.
        Assert.Equal(150, EnergyBalance.Floor(s, [100, 100], 1000, 100, 40).FloorKw, 9);
        // Flows at 40 $/MWh for 200 kW of miners: flare 100 + gas 50 + import 50; fuel 50 kW × 150 $/MWh = $7.50/h.
        Assert.Equal(new EnergyFlows(200, 150, 50, 0, 7.5), EnergyBalance.Flows(s, 200, [100, 100], 40, 0));
        // At 400 $/MWh the gas genset is cheaper than the grid: it runs flat out.
        Assert.Equal(new EnergyFlows(200, 200, 0, 0, 15), EnergyBalance.Flows(s, 200, [100, 100], 400, 0));
        // The gas genset down (nothing available): its minimum load no longer applies.
        Assert.Equal(30, EnergyBalance.MinLoadKw(s, [100, 0]), 9);
        Assert.Equal(100, EnergyBalance.Floor(s, [100, 0], 1000, 100, 40).FloorKw, 9);
        // A genset with less available than its minimum load runs what it has.
        Assert.Equal(30 + 40, EnergyBalance.MinLoadKw(s, [100, 40]), 9);
    }

    [Fact]
    public void MinimumLoadThatCanGoNowhereIsNotKept()
    {
        var s = new EnergySources(new GridSource(null, 20, false), [new GensetSource("flare", 100, GensetAvailability.Reading, null, 30, 0)]);
        // Miners shed, 20 kW of export room: the genset runs 20 kW, below its 30 kW minimum (the record says so live).
        Assert.Equal(new EnergyFlows(0, 20, 0, 20), EnergyBalance.Flows(s, 0, [100], 500, 0));
        // An island's genset is its miners' load: it cannot run above it.
        var island = s with { Grid = null };
        Assert.Equal(new EnergyFlows(10, 10, 0, 0), EnergyBalance.Flows(island, 10, [100], 500, 0));
    }

    [Fact]
    public void APooledReadingIsSharedByRating()
    {
        var s = new EnergySources(null, [new GensetSource("a", 300, GensetAvailability.Reading, null, 30, 0), new GensetSource("b", 100, GensetAvailability.Reading, null, 30, 0)]);
        Assert.Equal([150, 50], EnergyBalance.ShareByRating(s, 200));
        // Same minimum loads pooled or genset by genset when they share one percentage: 30 % of 400 = 120 kW.
        Assert.Equal(120, EnergyBalance.MinLoadKw(s, EnergyBalance.ShareByRating(s, 400)), 9);
        Assert.Equal(EnergyBalance.Floor(s, [150, 50], 1000, 100, 40), EnergyBalance.Floor(s, 200, 1000, 100, 40));
    }

    [Fact]
    public void TheImportLimitMakesTheGensetsCarryWhatTheGridCannotWhateverTheirFuel()
    {
        // A 200 kW gas genset at 150 $/MWh (30 % minimum) beside a grid at 20 $/MWh + 0 whose import is limited to 50 kW.
        var s = new EnergySources(new GridSource(50, 0, false), [new GensetSource("gas", 200, GensetAvailability.Reading, null, 30, 150)]);
        // 200 kW of miners: the grid is cheaper, but only 50 kW may come in: the genset runs 150 kW (fuel 0.15 × 150 = 22.5 $/h).
        Assert.Equal(new EnergyFlows(200, 150, 50, 0, 22.5), EnergyBalance.Flows(s, 200, [200], 20, 0));
        // Within the limit the cheap grid still wins beyond the genset's 60 kW minimum load.
        Assert.Equal(new EnergyFlows(100, 60, 40, 0, 9), EnergyBalance.Flows(s, 100, [200], 20, 0));
        // Beyond the limit + the genset's available power the miners get only that: 50 + 100 = 150 kW of 300 asked.
        Assert.Equal(new EnergyFlows(150, 100, 50, 0, 15), EnergyBalance.Flows(s, 300, [100], 20, 0));
        // The ceiling the decision uses: limit + genset power, +∞ without a limit, the gensets alone on an island.
        Assert.Equal(250, EnergyBalance.ImportCeilingKw(s, 200));
        Assert.Equal(50, EnergyBalance.ImportCeilingKw(s, -5));
        Assert.Equal(150, EnergyBalance.SupplyCeilingKw(s, [100]));
        Assert.Null(EnergyBalance.ImportCeilingKw(s with { Grid = new GridSource(null, 0, false) }, 200));
        Assert.True(double.IsPositiveInfinity(EnergyBalance.SupplyCeilingKw(s with { Grid = new GridSource(null, 0, false) }, [100])));
        Assert.Equal(100, EnergyBalance.SupplyCeilingKw(s with { Grid = null }, [100]));
        // A grid-only site with a limit: import capped, the rest not served.
        var gridOnly = new EnergySources(new GridSource(50, 0, false), []);
        Assert.Equal(new EnergyFlows(50, 0, 50, 0), EnergyBalance.Flows(gridOnly, 80, [], 20, 0));
    }
}
