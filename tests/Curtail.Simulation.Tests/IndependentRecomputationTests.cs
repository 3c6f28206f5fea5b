using Curtail.Core.Sites;
using Curtail.Simulation.Backtest;

namespace Curtail.Simulation.Tests;

/// <summary>
/// Recomputes a threshold backtest from the formulas with no shared code: a plain loop with its own state
/// machine and arithmetic. The engine's totals must agree to 0.01%.
/// </summary>
public class IndependentRecomputationTests
{
    [Theory]
    [InlineData(1, 90.0, 70.0, 1, 1000.0, EnergyContract.Index)]
    [InlineData(2, 60.0, 60.0, 3, 500.0, EnergyContract.Index)]
    [InlineData(3, 120.0, 40.0, 2, 2000.0, EnergyContract.Fixed)]
    public void ThresholdTotalsMatchAHandWrittenLoop(int seed, double strike, double resume, int confirm, double cap, EnergyContract contract)
    {
        var constraints = new OperatingConstraints(SleepSeconds: 60, WakeMinutes: 20, MinOffMinutes: 30, MinOnMinutes: 45);
        var policy = new PolicySettings(PolicyKind.Threshold, strike, resume, confirm, cap, 1);
        var site = TestSites.Site(constraints, policy: policy, contract: contract, fixedPrice: contract == EnergyContract.Fixed ? 35 : null);
        var prices = TestSites.RandomPrices(seed, 3000);
        var totals = Backtester.Run(TestSites.Inputs(site, prices), PolicyFactory.Create(TestSites.Inputs(site, prices), PolicyKind.Threshold));

        double revenue = 0, cost = 0, energy = 0;
        foreach (var group in site.Fleet)
        {
            var running = true;
            var since = -1_000_000.0; // minutes
            for (var i = 0; i < prices.Count; i++)
            {
                var t = i * 15.0;
                var want = running;
                if (i > 0)
                {
                    var last = prices.Prices[i - 1];
                    if (last > cap) want = false;
                    else if (running)
                    {
                        var allAbove = i >= confirm;
                        for (var k = 1; k <= confirm && allAbove; k++) allAbove = prices.Prices[i - k] > strike;
                        want = !allAbove;
                    }
                    else want = last < resume;
                }
                if (want != running && t - since >= (running ? constraints.MinOnMinutes : constraints.MinOffMinutes))
                {
                    running = want;
                    since = t;
                }
                var mw = group.Count * group.PowerW / 1e6;
                var price = prices.Prices[i] + site.Energy.AdderUsdPerMwh;
                var inMode = t - since;
                if (running)
                {
                    var wakeMinutes = Math.Clamp(constraints.WakeMinutes - inMode, 0, 15);
                    var hashHours = (15 - wakeMinutes) / 60;
                    energy += mw * 0.25;
                    cost += mw * 0.25 * price;
                    revenue += group.Count * group.HashrateTh * 0.08 * hashHours / 24 * (1 - site.Economics.PoolFee);
                }
                else
                {
                    var sleepHours = Math.Clamp(constraints.SleepSeconds / 60 - inMode, 0, 15) / 60;
                    energy += mw * sleepHours;
                    cost += mw * sleepHours * price;
                }
            }
        }
        if (contract == EnergyContract.Fixed)
            for (var i = 0; i < prices.Count; i++)
                cost += site.FullPowerMw * 0.25 * (35 - prices.Prices[i]);

        Assert.Equal(revenue, totals.HashRevenueUsd, revenue * 1e-4);
        Assert.Equal(cost, totals.EnergyCostUsd, Math.Abs(cost) * 1e-4);
        Assert.Equal(energy, totals.EnergyMwh, energy * 1e-4);
        Assert.True(totals.Transitions > 0, "the random series should make the policy curtail at least once");
    }
}
