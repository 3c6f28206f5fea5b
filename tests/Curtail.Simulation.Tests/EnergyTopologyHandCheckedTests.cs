using Curtail.Core.Decisions;
using Curtail.Core.Economics;
using Curtail.Core.Fleet;
using Curtail.Core.LoadFollowing;
using Curtail.Core.Prices;
using Curtail.Core.Sites;
using Curtail.Simulation.Backtest;

namespace Curtail.Simulation.Tests;

/// <summary>
/// Backtests small enough to check by hand (issue 15): six 15-minute intervals priced 20, 20, 1000, 1000, 20, 20 $/MWh,
/// two groups of 100 kW that hash 100 $/MWh each (10,000 TH/s at 0.024 $/TH/day, no pool fee, no adder), a reactive
/// threshold policy (curtail above 90, resume below 70: it acts on the last settled price, so it curtails intervals 3
/// and 4), and a flare-gas genset. Each expected figure is worked out in the comment above it.
/// </summary>
public class EnergyTopologyHandCheckedTests
{
    private const double H = 0.25; // hours per interval
    private static readonly double[] Prices = [20, 20, 1000, 1000, 20, 20];

    private static SiteDefinition Site(EnergySources sources) =>
        new("hand", "HB_WEST",
            new EnergySettings(0, EnergyContract.Index, null),
            new EconomicsSettings(new HashpriceSource(0.024, null), 0),
            [
                new FleetGroup("a", "Antminer S19", 100, 100, 1000, 1),
                new FleetGroup("b", "Antminer S19", 100, 100, 1000, 1),
            ],
            new PolicySettings(PolicyKind.Threshold, 90, 70, 1, null, 1),
            OperatingConstraints.None) { Sources = sources };

    private static BacktestInputs Inputs(SiteDefinition site, GensetSupplyProfile? pooled = null)
    {
        var step = TimeSpan.FromMinutes(15).Ticks;
        var starts = Enumerable.Range(0, Prices.Length).Select(i => TestSites.Start.UtcTicks + i * step).ToArray();
        var series = new PriceSeries("HB_WEST", starts, starts.Select(s => s + step).ToArray(), Prices);
        var inputs = BacktestInputs.Whole(site, series, HashpriceSeries.Constant(0.024));
        return pooled is null ? inputs : inputs with { Supply = GensetSupply.Pool(site.Sources, pooled, TestSites.Start) };
    }

    private static GensetSource Flare(double ratedKw, double fuel = 0) => new("flare", ratedKw, GensetAvailability.Reading, null, 30, fuel);

    [Fact]
    public void IslandThePriceDoesNotCurtailTheGensetsAvailablePowerCapsTheMinersAndFuelIsTheOnlyCost()
    {
        // A 200 kW genset at 20 $/MWh fuel whose gas gives 200 kW for three intervals, then 100 kW.
        var site = Site(new EnergySources(null, [Flare(200, fuel: 20)]));
        var profile = new GensetSupplyProfile([(TimeSpan.Zero, 200), (TimeSpan.FromMinutes(45), 100)], lastPointDuration: TimeSpan.FromHours(1));
        var r = SimulationRunner.Run(Inputs(site, profile), keepIntervals: true);

        // Miners: 200 kW through the spike (intervals 0-2), then the 100 kW the gas gives (3-5), spike or not.
        Assert.Equal([0.2, 0.2, 0.2, 0.1, 0.1, 0.1], r.PolicyIntervals!.Select(i => Math.Round(i.SitePowerMw, 9)));
        // Energy 0.2 × 0.75 h + 0.1 × 0.75 h = 0.225 MWh; hashing 0.225 × 100 = $22.50; fuel 0.225 × 20 = $4.50.
        var e = r.Policy.Energy!;
        Assert.Equal("island", e.Topology);
        Assert.Equal(0.225, r.Policy.EnergyMwh, 9);
        Assert.Equal(22.5, r.Policy.HashRevenueUsd, 9);
        Assert.Equal(0.225, e.GensetMwh, 9);
        Assert.Equal(4.5, e.FuelCostUsd, 9);
        Assert.Equal((0.0, 0.0, 0.0, 0.0), (e.ImportMwh, e.ExportMwh, e.GridImportCostUsd, e.ExportRevenueUsd));
        Assert.Equal(18, r.Policy.ProfitUsd, 9);
        // The oracle over the same island can do no better (every available kW hashes at 100 $/MWh for 20 of fuel).
        Assert.Equal(18, r.Oracle.ProfitUsd, 9);
        Assert.Equal(18, r.AlwaysOn.ProfitUsd, 9);
        Assert.Equal(0.225, r.Oracle.Energy!.GensetMwh, 9);
    }

    [Fact]
    public void GridTiedWithoutExportTheGensetsPowerKeepsAGroupHashingThroughTheSpike()
    {
        // 100 kW of flare gas, no export. The genset's free power is worth hashing, so group a runs through the spike.
        var site = Site(new EnergySources(new GridSource(null, 0, false), [Flare(100)]));
        var r = SimulationRunner.Run(Inputs(site), keepIntervals: true);
        Assert.Equal([0.2, 0.2, 0.2, 0.1, 0.1, 0.2], r.PolicyIntervals!.Select(i => Math.Round(i.SitePowerMw, 9)));
        var e = r.Policy.Energy!;
        Assert.Equal("grid_tied", e.Topology);
        // Hashing: 0.2 MWh over four intervals + 0.1 over two = 0.25 MWh → $25.
        Assert.Equal(25, r.Policy.HashRevenueUsd, 9);
        // The genset carries 100 kW throughout: 0.15 MWh, free. The grid the other 100 kW when b runs (0, 1, 2, 5):
        // 0.1 MWh for 0.025 × (20 + 20 + 1000 + 20) = $26.50 (interval 2 is the spike the reactive policy ran into).
        Assert.Equal(0.15, e.GensetMwh, 9);
        Assert.Equal(0.1, e.ImportMwh, 9);
        Assert.Equal(26.5, e.GridImportCostUsd, 9);
        Assert.Equal((0.0, 0.0, 0.0), (e.ExportMwh, e.ExportRevenueUsd, e.FuelCostUsd));
        Assert.Equal(-1.5, r.Policy.ProfitUsd, 9);

        // The oracle: group a hashes the free power every interval; b (the grid's power at the margin) runs only at
        // 20 $/MWh (0, 1, 4, 5): hashing 0.25 MWh = $25, import 0.1 MWh × 20 = $2, profit $23.
        Assert.Equal([0.2, 0.2, 0.1, 0.1, 0.2, 0.2], r.OracleIntervals!.Select(i => Math.Round(i.SitePowerMw, 9)));
        Assert.Equal(2, r.Oracle.Energy!.GridImportCostUsd, 9);
        Assert.Equal(23, r.Oracle.ProfitUsd, 9);
        // Always-on: hashing $30, import 0.025 × (4 × 20 + 2 × 1000) = $52.
        Assert.Equal(-22, r.AlwaysOn.ProfitUsd, 9);
    }

    [Fact]
    public void GridTiedWithPaidExportTheMinersShedTheGensetExportsAtTheSpikeAndStaysAboveMinimumLoad()
    {
        // 100 kW of flare gas, export up to 100 kW paid at the real-time price.
        var site = Site(new EnergySources(new GridSource(null, 100, true), [Flare(100)]));
        var r = SimulationRunner.Run(Inputs(site), keepIntervals: true);

        // The policy sheds both groups on the settled spike (3, 4): export pays more than hashing, so no floor.
        Assert.Equal([0.2, 0.2, 0.2, 0, 0, 0.2], r.PolicyIntervals!.Select(i => Math.Round(i.SitePowerMw, 9)));
        var e = r.Policy.Energy!;
        // The genset runs at 100 kW in every interval (free gas: it follows the miners or exports), never below 30 kW.
        Assert.Equal(0.15, e.GensetMwh, 9);
        // Import 100 kW in 0, 1, 2, 5: 0.1 MWh, 0.025 × (20 + 20 + 1000 + 20) = $26.50.
        Assert.Equal(0.1, e.ImportMwh, 9);
        Assert.Equal(26.5, e.GridImportCostUsd, 9);
        // Export 100 kW in 3 (at 1000) and 4 (at 20): 0.05 MWh, 0.025 × 1020 = $25.50.
        Assert.Equal(0.05, e.ExportMwh, 9);
        Assert.Equal(25.5, e.ExportRevenueUsd, 9);
        Assert.Equal(0, e.FuelCostUsd);
        // Hashing 0.2 MWh = $20; energy cost 26.5 − 25.5 = $1; profit $19.
        Assert.Equal(20, r.Policy.HashRevenueUsd, 9);
        Assert.Equal(1, r.Policy.EnergyCostUsd, 9);
        Assert.Equal(19, r.Policy.ProfitUsd, 9);

        // The oracle sheds both groups exactly through the spike (2, 3) and exports the genset's 100 kW at 1000:
        // hashing 0.2 MWh = $20, import 0.1 MWh × 20 = $2, export 0.05 MWh × 1000 = $50: profit $68.
        Assert.Equal([0.2, 0.2, 0, 0, 0.2, 0.2], r.OracleIntervals!.Select(i => Math.Round(i.SitePowerMw, 9)));
        var o = r.Oracle.Energy!;
        Assert.Equal(0.15, o.GensetMwh, 9);
        Assert.Equal(50, o.ExportRevenueUsd, 9);
        Assert.Equal(2, o.GridImportCostUsd, 9);
        Assert.Equal(68, r.Oracle.ProfitUsd, 9);
        Assert.True(r.Oracle.ProfitUsd >= r.Policy.ProfitUsd && r.Oracle.ProfitUsd >= r.AlwaysOn.ProfitUsd);
    }

    [Fact]
    public void TwoGensetsAreDispatchedOneByOneAGasPricedOneOnlyRunsItsMinimumLoad()
    {
        // Grid-tied, no export: a 100 kW flare-gas genset (30 % minimum) and a 100 kW gas genset at 150 $/MWh (50 %
        // minimum), dearer than hashing (100 $/MWh) and than the 20 $/MWh grid. Pooled (capacity-weighted fuel 75 $/MWh)
        // the gas genset would run flat out; genset by genset it runs its 50 kW minimum load unless the grid costs more.
        var gas = new GensetSource("gas", 100, GensetAvailability.Reading, null, 50, 150);
        var site = Site(new EnergySources(new GridSource(null, 0, false), [Flare(100), gas]));
        var r = SimulationRunner.Run(Inputs(site), PolicyKind.AlwaysOn);
        var e = r.Policy.Energy!;
        // Always on, 200 kW. At 20 $/MWh: flare 100 + gas 50 (its minimum) + grid 50. At the 1000 $/MWh spike the gas
        // genset's 150 $/MWh beats importing: flare 100 + gas 100. Genset 4 × 0.15 × 0.25 + 2 × 0.2 × 0.25 = 0.25 MWh;
        // gas 4 × 0.05 × 0.25 + 2 × 0.1 × 0.25 = 0.1 MWh × 150 = $15 of fuel; import 4 × 0.05 × 0.25 = 0.05 MWh × 20 = $1.
        Assert.Equal(0.25, e.GensetMwh, 9);
        Assert.Equal(15, e.FuelCostUsd, 9);
        Assert.Equal(0.05, e.ImportMwh, 9);
        Assert.Equal(1, e.GridImportCostUsd, 9);
        Assert.Equal(30 - 15 - 1, r.Policy.ProfitUsd, 9);
    }

    [Fact]
    public void AGensetWhoseGasRunsOutNeedsNoMinimumLoadAndTheFloorFollowsTheGensetsThatRemain()
    {
        // Island with two flare gensets of 100 kW; the second's gas profile drops to 0 after the first hour.
        var second = new GensetSource("second", 100, GensetAvailability.Profile, "second.csv", 30, 0);
        var site = Site(new EnergySources(null, [Flare(100), second]));
        var inputs = Inputs(site) with
        {
            Supply = GensetSupply.FromSite(site.Sources,
                _ => new GensetSupplyProfile([(TimeSpan.Zero, 100), (TimeSpan.FromHours(1), 0)], lastPointDuration: TimeSpan.FromHours(1)),
                TestSites.Start),
        };
        var available = inputs.GensetAvailableByRow();
        Assert.Equal([100, 100], available[0]);
        Assert.Equal([100, 0], available[5]);
        var r = SimulationRunner.Run(inputs, keepIntervals: true);
        // 200 kW for the first hour (4 intervals), then the first genset's 100 kW.
        Assert.Equal([0.2, 0.2, 0.2, 0.2, 0.1, 0.1], r.PolicyIntervals!.Select(i => Math.Round(i.SitePowerMw, 9)));
        Assert.Equal(0.25, r.Policy.Energy!.GensetMwh, 9);
        Assert.Equal(25, r.Oracle.ProfitUsd, 9);
    }
    [Fact]
    public void TheGensetBacktestDecidesAndBooksAsSimulateDoesAndReportsTheSameOracle()
    {
        var site = Site(new EnergySources(new GridSource(null, 100, true), [Flare(100)]));
        var simulate = SimulationRunner.Run(Inputs(site));
        var genset = Curtail.Simulation.Gensets.GensetBacktester.Run(Inputs(site), PolicyKind.Threshold, new Curtail.Simulation.Gensets.GensetBacktestOptions
        {
            RatedKw = 100, Mode = Curtail.Simulation.Gensets.GensetGridMode.GridTied, Settings = new LoadFollowingSettings { SafeLoadKw = 30 },
        });
        Assert.Equal(simulate.Policy, genset.Policy);
        Assert.Equal(simulate.Oracle, genset.Oracle);
        Assert.Equal(68, genset.Oracle!.ProfitUsd, 9);
        // Second by second with ample gas: the miners' load is met, the genset's spare power exported within the limit.
        Assert.Equal(0, genset.LoadFollowing.Trips);
        Assert.InRange(genset.LoadFollowing.GridExportMwh, 0.04, 0.05 + 1e-9);
    }

    [Fact]
    public void TheImportLimitCapsTheMinersAtTheLimitPlusTheGensetsPowerInThePolicyAlwaysOnAndOracle()
    {
        // Grid-tied, no export, import limited to 50 kW, a 150 kW flare genset whose gas gives 150 kW for three
        // intervals, then 50 kW. The supply carries 50 + 150 = 200 kW (both groups) in 0-2, then 50 + 50 = 100 kW.
        var site = Site(new EnergySources(new GridSource(50, 0, false), [Flare(150)]));
        var profile = new GensetSupplyProfile([(TimeSpan.Zero, 150), (TimeSpan.FromMinutes(45), 50)], lastPointDuration: TimeSpan.FromHours(1));
        var r = SimulationRunner.Run(Inputs(site, profile), keepIntervals: true);

        // Policy: both groups in 0-2 (the genset's free 150 kW is worth hashing: the floor keeps a and b through the
        // reactive spike at 2); from 3 the limit leaves room for one group: a runs (the floor keeps it through the
        // price curtailment of 3 and 4), b is curtailed by the import limit (5 too, where the price would run it).
        Assert.Equal([0.2, 0.2, 0.2, 0.1, 0.1, 0.1], r.PolicyIntervals!.Select(i => Math.Round(i.SitePowerMw, 9)));
        Assert.Equal(DecisionReason.ImportLimit, r.PolicyIntervals![5].Reasons[1]);
        var e = r.Policy.Energy!;
        // Import 50 kW in every interval (never more): 0.075 MWh, 0.0125 × (20 + 20 + 1000 + 1000 + 20 + 20) = $26.
        Assert.Equal(0.075, e.ImportMwh, 9);
        Assert.Equal(26, e.GridImportCostUsd, 9);
        // Genset 150 kW × 0.75 h + 50 kW × 0.75 h = 0.15 MWh, free; hashing 0.225 MWh = $22.50; profit −$3.50.
        Assert.Equal(0.15, e.GensetMwh, 9);
        Assert.Equal((0.0, 0.0, 0.0), (e.ExportMwh, e.ExportRevenueUsd, e.FuelCostUsd));
        Assert.Equal(22.5, r.Policy.HashRevenueUsd, 9);
        Assert.Equal(-3.5, r.Policy.ProfitUsd, 9);
        // Always-on wants 200 kW throughout; the limit gives it the same as the policy.
        Assert.Equal(-3.5, r.AlwaysOn.ProfitUsd, 9);
        Assert.Equal(0.075, r.AlwaysOn.Energy!.ImportMwh, 9);

        // Oracle: a band's price is its marginal cost. 0-2: a on the genset's free power, b half on it, half on 50 kW
        // of import (0.5 × price): b runs at 20, not at 1000 (interval 2). 3-5: a is half genset, half import: it runs
        // at 20, not at 1000 (3); b is beyond the limit + the genset and never runs.
        Assert.Equal([0.2, 0.2, 0.1, 0, 0.1, 0.1], r.OracleIntervals!.Select(i => Math.Round(i.SitePowerMw, 9)));
        var o = r.Oracle.Energy!;
        // Import 50 kW in 0, 1, 4, 5 at 20 $/MWh: 0.05 MWh, $1. Hashing 0.175 MWh = $17.50; profit $16.50.
        Assert.Equal(0.05, o.ImportMwh, 9);
        Assert.Equal(1, o.GridImportCostUsd, 9);
        Assert.Equal(17.5, r.Oracle.HashRevenueUsd, 9);
        Assert.Equal(16.5, r.Oracle.ProfitUsd, 9);
        // Genset: 150, 150, 100, 0 (nowhere to go without export), 50, 50 kW: 0.125 MWh.
        Assert.Equal(0.125, o.GensetMwh, 9);
        Assert.True(r.Oracle.ProfitUsd >= r.Policy.ProfitUsd);
    }

    [Fact]
    public void AGridOnlySiteWithAnImportLimitRunsOnlyTheGroupsThatFit()
    {
        // No gensets, import limited to 150 kW: one of the two 100 kW groups. Booked by the contract as before.
        var site = Site(new EnergySources(new GridSource(150, 0, false), []));
        var r = SimulationRunner.Run(Inputs(site), keepIntervals: true);
        // Policy: a runs where the price does (0, 1, 2, 5); b never: 0.1 MWh, $10 of hashing, 0.025 × 1060 = $26.50.
        Assert.Equal([0.1, 0.1, 0.1, 0, 0, 0.1], r.PolicyIntervals!.Select(i => Math.Round(i.SitePowerMw, 9)));
        Assert.Equal(10 - 26.5, r.Policy.ProfitUsd, 9);
        Assert.Null(r.Policy.Energy);
        // Oracle: a at 20 $/MWh (0, 1, 4, 5): 0.1 MWh, $10 − $2 = $8. Always-on: a throughout, $15 − $52.
        Assert.Equal(8, r.Oracle.ProfitUsd, 9);
        Assert.Equal(15 - 0.025 * 2080, r.AlwaysOn.ProfitUsd, 9);
    }
}
