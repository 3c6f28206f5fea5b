using Curtail.Core.Economics;
using Curtail.Core.Policies;
using Curtail.Core.Sites;
using Curtail.Simulation.Backtest;

namespace Curtail.Simulation.Tests;

public class OracleTests
{
    public static IEnumerable<object[]> Seeds() => Enumerable.Range(1, 40).Select(s => new object[] { s });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void NoPolicyBeatsTheOracleOnRandomPrices(int seed)
    {
        var rng = new Random(seed * 7919);
        var constraints = new OperatingConstraints(
            rng.Next(0, 2) * 30, rng.Next(0, 4) * 5.0 + rng.Next(0, 2) * 2.5, rng.Next(0, 5) * 15.0, rng.Next(0, 5) * 10.0);
        var site = TestSites.Site(constraints, minFraction: rng.Next(0, 2) == 0 ? 1 : 0.6);
        var inputs = TestSites.Inputs(site, TestSites.RandomPrices(seed, 600));
        var oracle = Backtester.Run(inputs, PolicyFactory.Create(inputs, PolicyKind.Oracle)).ProfitUsd;

        var contenders = new List<ICurtailmentPolicy> { new AlwaysOnPolicy(), BreakevenPolicy.From(site) };
        for (var k = 0; k < 25; k++)
        {
            var strike = rng.NextDouble() * 400 - 20;
            contenders.Add(new ThresholdPolicy(strike, strike - rng.NextDouble() * 40, rng.Next(1, 4), rng.Next(0, 2) == 0 ? null : strike + 200));
        }
        foreach (var policy in contenders)
        {
            var profit = Backtester.Run(inputs, policy).ProfitUsd;
            Assert.True(profit <= oracle + 1e-6 * Math.Abs(oracle), $"{policy.Name} earned {profit:F2} > oracle {oracle:F2} (seed {seed}, {constraints})");
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void WithoutConstraintsTheOracleRunsExactlyWhenHashingPays(int seed)
    {
        var site = TestSites.Site(OperatingConstraints.None, minFraction: 1);
        var prices = TestSites.RandomPrices(seed, 500, spikeChance: 0.1);
        var inputs = TestSites.Inputs(site, prices);
        var records = new List<IntervalRecord>();
        Backtester.Run(inputs, PolicyFactory.Create(inputs, PolicyKind.Oracle), records);

        for (var i = 0; i < prices.Count; i++)
            for (var g = 0; g < site.Fleet.Count; g++)
            {
                var group = site.Fleet[g];
                var hours = 0.25;
                var revenue = group.Count * group.HashrateTh * 0.08 * hours / 24 * (1 - site.Economics.PoolFee);
                var cost = group.Count * group.PowerW / 1e6 * hours * (prices.Prices[i] + site.Energy.AdderUsdPerMwh);
                if (Math.Abs(revenue - cost) < 1e-9) continue;
                Assert.Equal(revenue > cost, records[i].Groups[g].IsRunning);
            }
    }

    [Theory]
    [InlineData(0, 0, 0, 0)]
    [InlineData(30, 5, 15, 15)]
    [InlineData(10, 20, 45, 60)]
    public void ThePlansOwnValueIsWhatTheBacktestBooks(double sleepSeconds, double wakeMinutes, double minOff, double minOn)
    {
        var site = TestSites.Site(new OperatingConstraints(sleepSeconds, wakeMinutes, minOff, minOn), minFraction: 0.5);
        var inputs = TestSites.Inputs(site, TestSites.RandomPrices(99, 2000));
        var plan = PolicyFactory.PlanOracle(inputs);
        var booked = Backtester.Run(inputs, new OraclePolicy(plan)).ProfitUsd;
        Assert.Equal(plan.MarginalProfitUsd, booked, 6);
    }

    [Fact]
    public void TheOracleThrottlesWhenPartialPowerPaysBetterThanFullOrNone()
    {
        // At $120 full power loses money for the S19j Pro but 60% power (J/TH 19% lower) still pays.
        var site = TestSites.Site(OperatingConstraints.None, minFraction: 0.5, adder: 0, poolFee: 0);
        var economics = new IntervalEconomics(site);
        var r = economics.RevenuePerHourAtFull(0, 0.08);
        var c = economics.CostPerHourAtFull(0, 120);
        Assert.True(r < c);
        var f = PowerHashrateModel.BestPowerFraction(r, c, 0.5);
        Assert.InRange(f, 0.5, 0.99);
        Assert.True(r * PowerHashrateModel.HashrateFraction(f) - c * f > 0);
    }
}
