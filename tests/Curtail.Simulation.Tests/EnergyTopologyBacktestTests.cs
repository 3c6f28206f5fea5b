using Curtail.Core.Decisions;
using Curtail.Core.Sites;
using Curtail.Simulation.Backtest;

namespace Curtail.Simulation.Tests;

/// <summary>`curtail simulate` over a site's energy topology (issue 15): island, grid-tied with a genset, grid only.</summary>
public class EnergyTopologyBacktestTests
{
    private static readonly GensetSource FlareGas = new("flare", 400, GensetAvailability.Reading, null, 30, 0);

    [Fact]
    public void AGridOnlySiteGivesExactlyTheNumbersOfASiteWithoutSources()
    {
        var prices = TestSites.RandomPrices(7, 4 * 24 * 20);
        var plain = SimulationRunner.Run(TestSites.Inputs(TestSites.Site(), prices));
        var explicitGrid = SimulationRunner.Run(TestSites.Inputs(TestSites.Site() with { Sources = new EnergySources(new GridSource(null, 0, false), []) }, prices));
        Assert.Equal(plain.Policy, explicitGrid.Policy);
        Assert.Equal(plain.Oracle, explicitGrid.Oracle);
        Assert.Equal(plain.AlwaysOn, explicitGrid.AlwaysOn);
        Assert.Null(plain.Policy.Energy);
    }

    [Fact]
    public void AnIslandSiteDoesNotCurtailOnPriceAndBuysNothing()
    {
        var prices = TestSites.RandomPrices(7, 4 * 24 * 20, spikeChance: 0.1);
        var island = TestSites.Site() with { Sources = new EnergySources(null, [FlareGas with { RatedKw = 800 }]) };
        var r = SimulationRunner.Run(TestSites.Inputs(island, prices));
        var gridOnly = SimulationRunner.Run(TestSites.Inputs(TestSites.Site(), prices));
        Assert.True(gridOnly.Policy.CurtailedMwh > 0, "the grid-only site curtails on the spikes");
        Assert.Equal(0, r.Policy.CurtailedMwh, 9);
        var e = r.Policy.Energy!;
        Assert.Equal("island", e.Topology);
        Assert.Equal(0, e.ImportMwh);
        Assert.Equal(0, e.ExportMwh);
        Assert.Equal(0, e.GridImportCostUsd);
        Assert.Equal(r.Policy.EnergyMwh, e.GensetMwh, 6);
        Assert.Equal(r.Policy.HashRevenueUsd, r.Policy.ProfitUsd, 6);
    }

    [Fact]
    public void GridTiedTheGensetExportsAtSpikesStaysAboveMinimumLoadAndTheMoneyAddsUp()
    {
        var prices = TestSites.RandomPrices(11, 4 * 24 * 30, spikeChance: 0.06);
        var site = TestSites.Site() with { Sources = new EnergySources(new GridSource(null, 400, true), [FlareGas]) };
        var records = new List<IntervalRecord>();
        var inputs = TestSites.Inputs(site, prices);
        var totals = Backtester.Run(inputs, PolicyFactory.Create(inputs, PolicyKind.Threshold), records);
        var e = totals.Energy!;
        Assert.Equal("grid_tied", e.Topology);
        Assert.True(totals.CurtailedMwh > 0, "the miners shed at spikes");
        Assert.True(e.ExportMwh > 0 && e.ExportRevenueUsd > 0, $"exported {e.ExportMwh:F2} MWh for ${e.ExportRevenueUsd:F0}");
        Assert.Equal(0, e.FuelCostUsd);
        Assert.Equal(e.GridImportCostUsd + e.FuelCostUsd - e.ExportRevenueUsd, totals.EnergyCostUsd, 6);
        // The genset ran at its rated 400 kW (free gas) in every interval: never below its 120 kW minimum load.
        var hours = records.Sum(r => (r.EndTicks - r.StartTicks) / (double)TimeSpan.TicksPerHour);
        Assert.Equal(0.4 * hours, e.GensetMwh, 6);
        // Energy balance: what the miners used = genset + import − export.
        Assert.Equal(totals.EnergyMwh, e.GensetMwh + e.ImportMwh - e.ExportMwh, 6);
        // In a curtailed spike interval the export is paid at that interval's price.
        var spike = records.First(r => r.Price > 1000 && r.SitePowerMw == 0);
        Assert.Equal(-0.4 * (spike.EndTicks - spike.StartTicks) / (double)TimeSpan.TicksPerHour * spike.Price, spike.EnergyCostUsd, 6);

        var r2 = SimulationRunner.Run(inputs);
        Assert.NotNull(r2.Oracle.Energy);
        var gridOnly = SimulationRunner.Run(TestSites.Inputs(TestSites.Site(), prices));
        Assert.True(r2.Policy.ProfitUsd > gridOnly.Policy.ProfitUsd, "free genset power and paid export beat buying everything");
    }

    [Fact]
    public void AnExportLimitKeepsTheUnexportableGensetPowerHashing()
    {
        var prices = TestSites.RandomPrices(11, 4 * 24 * 30, spikeChance: 0.06);
        var site = TestSites.Site() with { Sources = new EnergySources(new GridSource(null, 0, false), [FlareGas]) };
        var records = new List<IntervalRecord>();
        var inputs = TestSites.Inputs(site, prices);
        Backtester.Run(inputs, PolicyFactory.Create(inputs, PolicyKind.Threshold), records);
        // No export: at a spike the 400 kW of free genset power keeps the most efficient groups (the S21s, 280 kW) and
        // then the next running; the site never drops below the genset's output.
        Assert.All(records, r => Assert.True(r.SitePowerMw >= 0.4 - 1e-9 || r.RunningFraction < 1, $"{r.SitePowerMw} MW"));
        Assert.Contains(records, r => r.Reasons.Contains(DecisionReason.EnergyFloor));
        Assert.All(records.Where(r => r.Price > 1000), r => Assert.True(r.RunningFraction > 0.99, $"at {r.Price} $/MWh running {r.RunningFraction}"));
    }
}
