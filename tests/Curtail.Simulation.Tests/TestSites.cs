using Curtail.Core.Economics;
using Curtail.Core.Fleet;
using Curtail.Core.Prices;
using Curtail.Core.Sites;
using Curtail.Simulation.Backtest;

namespace Curtail.Simulation.Tests;

internal static class TestSites
{
    public static readonly DateTimeOffset Start = new(2023, 7, 1, 5, 0, 0, TimeSpan.Zero);

    public static SiteDefinition Site(OperatingConstraints? constraints = null, double minFraction = 1, PolicySettings? policy = null,
        EnergyContract contract = EnergyContract.Index, double? fixedPrice = null, double adder = 4, double poolFee = 0.02) =>
        new("test", "HB_WEST",
            new EnergySettings(adder, contract, fixedPrice),
            new EconomicsSettings(new HashpriceSource(0.08, null), poolFee),
            [
                new FleetGroup("old", "Antminer S19j Pro", 120, 100, 3050, minFraction),
                new FleetGroup("new", "Antminer S21", 80, 200, 3500, minFraction),
            ],
            policy ?? new PolicySettings(PolicyKind.Threshold, 90, 70, 1, 1000, 1),
            constraints ?? OperatingConstraints.None);

    /// <summary>Random 15-minute prices with occasional spikes and negative hours, like ERCOT West.</summary>
    public static PriceSeries RandomPrices(int seed, int count, double spikeChance = 0.04)
    {
        var rng = new Random(seed);
        var starts = new long[count];
        var ends = new long[count];
        var prices = new double[count];
        var step = TimeSpan.FromMinutes(15).Ticks;
        var level = 40.0;
        for (var i = 0; i < count; i++)
        {
            starts[i] = Start.UtcTicks + i * step;
            ends[i] = starts[i] + step;
            level = Math.Clamp(level + rng.NextDouble() * 20 - 10, -30, 300);
            var spike = rng.NextDouble() < spikeChance ? rng.NextDouble() * 3000 : 0;
            prices[i] = Math.Round(level + spike, 2);
        }
        return new PriceSeries("HB_WEST", starts, ends, prices);
    }

    public static BacktestInputs Inputs(SiteDefinition site, PriceSeries prices, HashpriceSeries? hashprice = null) =>
        BacktestInputs.Whole(site, prices, hashprice ?? HashpriceSeries.Constant(site.Economics.Hashprice.ConstantUsdPerThDay!.Value));
}
