using Curtail.Core.Decisions;
using Curtail.Core.Prices;
using Curtail.Core.Sites;
using Curtail.Simulation.Backtest;

namespace Curtail.Simulation.Tests;

public class PolicyBehaviourTests
{
    private static PriceSeries Series(params double[] prices)
    {
        var step = TimeSpan.FromMinutes(15).Ticks;
        var starts = prices.Select((_, i) => TestSites.Start.UtcTicks + i * step).ToArray();
        return new PriceSeries("HB_WEST", starts, starts.Select(s => s + step).ToArray(), prices);
    }

    private static bool[] Running(PolicySettings policy, OperatingConstraints? constraints, params double[] prices)
    {
        var site = TestSites.Site(constraints, policy: policy);
        var inputs = TestSites.Inputs(site, Series(prices));
        var records = new List<IntervalRecord>();
        Backtester.Run(inputs, PolicyFactory.Create(inputs, policy.Kind), records);
        return records.Select(r => r.Groups[0].IsRunning).ToArray();
    }

    [Fact]
    public void ThresholdReactsOneIntervalLateBecauseItSeesOnlySettledPrices()
    {
        var run = Running(new PolicySettings(PolicyKind.Threshold, 100, null, 1, null, 1), null, 50, 500, 50, 50);
        Assert.Equal([true, true, false, true], run);
    }

    [Fact]
    public void ConfirmIntervalsWaitsForConsecutiveSettledIntervalsAboveTheStrike()
    {
        var run = Running(new PolicySettings(PolicyKind.Threshold, 100, null, 2, null, 1), null, 500, 50, 500, 500, 500, 50, 50);
        Assert.Equal([true, true, true, true, false, false, true], run);
    }

    [Fact]
    public void HardCapCurtailsAtOnceWithoutConfirmation()
    {
        var run = Running(new PolicySettings(PolicyKind.Threshold, 100, null, 3, 1000, 1), null, 50, 5000, 50, 50);
        Assert.Equal([true, true, false, true], run);
    }

    [Fact]
    public void HysteresisHoldsTheCurtailmentUntilBelowTheResumeStrike()
    {
        var run = Running(new PolicySettings(PolicyKind.Threshold, 100, 40, 1, null, 1), null, 500, 80, 60, 30, 80);
        Assert.Equal([true, false, false, false, true], run);
    }

    [Fact]
    public void MinimumOffAndOnTimesAreKept()
    {
        var constraints = new OperatingConstraints(0, 0, MinOffMinutes: 45, MinOnMinutes: 30);
        var run = Running(new PolicySettings(PolicyKind.Threshold, 100, null, 1, null, 1), constraints, 500, 50, 50, 50, 500, 500, 50);
        // Off at 1, must stay off 45 min (intervals 1-3), back on at 4, must stay on 30 min (4-5) despite 500 settled at 4.
        Assert.Equal([true, false, false, false, true, true, false], run);
    }

    [Fact]
    public void ALaterPriceNeverChangesAnEarlierDecision()
    {
        var prices = TestSites.RandomPrices(5, 400);
        var changed = prices.Prices.ToArray();
        changed[200] = 9000;
        var site = TestSites.Site(new OperatingConstraints(30, 5, 15, 15));
        List<IntervalRecord> Run(double[] p)
        {
            var s = new PriceSeries("HB_WEST", prices.StartTicks.ToArray(), prices.EndTicks.ToArray(), p);
            var inputs = TestSites.Inputs(site, s);
            var r = new List<IntervalRecord>();
            Backtester.Run(inputs, PolicyFactory.Create(inputs, PolicyKind.Breakeven), r);
            return r;
        }
        var a = Run(prices.Prices.ToArray());
        var b = Run(changed);
        for (var i = 0; i <= 200; i++) Assert.Equal(a[i].Groups, b[i].Groups);
    }

    [Fact]
    public void BreakevenCurtailsTheLeastEfficientGroupFirst()
    {
        var site = TestSites.Site(policy: new PolicySettings(PolicyKind.Breakeven, null, null, 1, null, 1));
        var policy = Core.Policies.BreakevenPolicy.From(site);
        var oldStrike = policy.StrikeFor(0, 0.08);
        var newStrike = policy.StrikeFor(1, 0.08);
        Assert.True(oldStrike < newStrike);
        var between = (oldStrike + newStrike) / 2;
        var inputs = TestSites.Inputs(site, Series(between, between));
        var records = new List<IntervalRecord>();
        Backtester.Run(inputs, policy, records);
        Assert.False(records[1].Groups[0].IsRunning);
        Assert.True(records[1].Groups[1].IsRunning);
        // The strike is the price at which a group's hash revenue equals its energy cost.
        var g = site.Fleet[0];
        var revenuePerHour = g.Count * g.HashrateTh * 0.08 / 24 * (1 - site.Economics.PoolFee);
        var costPerHour = g.FullPowerMw * (oldStrike + site.Energy.AdderUsdPerMwh);
        Assert.Equal(revenuePerHour, costPerHour, 6);
    }

    [Fact]
    public void AWakeCostsWakeMinutesOfHashingAtFullPower()
    {
        var constraints = new OperatingConstraints(0, WakeMinutes: 20, 0, 0);
        var site = TestSites.Site(constraints, policy: new PolicySettings(PolicyKind.Threshold, 100, null, 1, null, 1));
        var inputs = TestSites.Inputs(site, Series(500, 50, 50, 50));
        var records = new List<IntervalRecord>();
        Backtester.Run(inputs, PolicyFactory.Create(inputs, PolicyKind.Threshold), records);
        Assert.Equal(0, records[1].EnergyMwh);
        var full = site.FullPowerMw * 0.25;
        Assert.Equal(full, records[2].EnergyMwh, 9);
        Assert.Equal(full, records[3].EnergyMwh, 9);
        var fullRevenue = records[0].HashRevenueUsd;
        Assert.Equal(0, records[2].HashRevenueUsd, 9);          // first 15 of 20 wake minutes
        Assert.Equal(fullRevenue * 10 / 15, records[3].HashRevenueUsd, 6); // 5 more wake minutes, then 10 hashing
    }

    [Fact]
    public void DecisionsComeWithTheirReasons()
    {
        var site = TestSites.Site(new OperatingConstraints(0, 0, 0, 0), policy: new PolicySettings(PolicyKind.Threshold, 100, 50, 1, 1000, 1));
        var inputs = TestSites.Inputs(site, Series(60, 200, 80, 20, 5000, 10));
        var records = new List<IntervalRecord>();
        Backtester.Run(inputs, PolicyFactory.Create(inputs, PolicyKind.Threshold), records);
        Assert.Equal(
            [DecisionReason.NoSettledPrice, DecisionReason.BelowStrike, DecisionReason.AboveStrike, DecisionReason.HysteresisHold,
             DecisionReason.BelowResumeStrike, DecisionReason.HardCapExceeded],
            records.Select(r => r.Reasons[0]));
    }
}
