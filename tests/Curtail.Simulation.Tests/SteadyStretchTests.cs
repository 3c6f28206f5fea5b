using Curtail.Core.Decisions;
using Curtail.Core.Economics;
using Curtail.Core.Policies;
using Curtail.Core.Sites;
using Curtail.Simulation.Backtest;

namespace Curtail.Simulation.Tests;

/// <summary>
/// A backtest books the stretches in which a policy keeps every group as it is in one step. Asking for per-interval
/// records turns that off, so the two runs of each case below are the stepwise engine against the shortcut.
/// </summary>
public class SteadyStretchTests
{
    public static IEnumerable<object[]> Seeds() => Enumerable.Range(1, 30).Select(s => new object[] { s });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void BookingSteadyStretchesAtOnceChangesNoTotal(int seed)
    {
        var rng = new Random(seed * 104729);
        var constraints = new OperatingConstraints(
            rng.Next(0, 3) * 20, rng.Next(0, 4) * 5.0 + rng.Next(0, 2) * 2.5, rng.Next(0, 5) * 15.0, rng.Next(0, 5) * 10.0);
        var contract = rng.Next(0, 2) == 0 ? EnergyContract.Index : EnergyContract.Fixed;
        var site = TestSites.Site(constraints, contract: contract, fixedPrice: contract == EnergyContract.Fixed ? 45 : null);
        var prices = TestSites.RandomPrices(seed, 3000, spikeChance: 0.03);
        var inputs = TestSites.Inputs(site, prices) with { FromIndex = rng.Next(0, 50) };

        var policies = new List<ICurtailmentPolicy> { new AlwaysOnPolicy() };
        for (var k = 0; k < 8; k++)
        {
            var strike = rng.NextDouble() * 200 - 20;
            double? cap = rng.Next(0, 3) switch { 0 => null, 1 => strike + rng.NextDouble() * 300, _ => strike - 10 };
            policies.Add(new ThresholdPolicy(strike, strike - rng.NextDouble() * 40, rng.Next(1, 4), cap));
        }
        foreach (var policy in policies)
        {
            var shortcut = Backtester.Run(inputs, policy);
            var stepwise = Backtester.Run(inputs, policy, records: []);
            var what = $"{policy.Name} seed {seed} {constraints}";
            Assert.Equal(stepwise.Transitions, shortcut.Transitions);
            Assert.Equal(stepwise.Intervals, shortcut.Intervals);
            AssertClose(stepwise.ProfitUsd, shortcut.ProfitUsd, what);
            AssertClose(stepwise.HashRevenueUsd, shortcut.HashRevenueUsd, what);
            AssertClose(stepwise.EnergyCostUsd, shortcut.EnergyCostUsd, what);
            AssertClose(stepwise.EnergyMwh, shortcut.EnergyMwh, what);
            AssertClose(stepwise.CurtailedMwh, shortcut.CurtailedMwh, what);
            AssertClose(stepwise.UptimeFraction, shortcut.UptimeFraction, what);
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void ThresholdStretchesAreWhereTheStrikeRuleKeepsTheMode(int seed)
    {
        var rng = new Random(seed);
        var prices = TestSites.RandomPrices(seed, 400, spikeChance: 0.1).Prices.ToArray();
        var strike = rng.NextDouble() * 150;
        double? cap = rng.Next(0, 3) switch { 0 => null, 1 => strike + 100, _ => strike - 20 };
        var resume = strike - rng.NextDouble() * 30;
        var policy = new ThresholdPolicy(strike, resume, rng.Next(1, 4), cap);
        GroupIntent[] intents = [default];

        foreach (var mode in new[] { GroupMode.Running, GroupMode.Curtailed })
            for (var from = 0; from < prices.Length; from += 1 + rng.Next(0, 7))
            {
                var until = policy.SteadyUntil(prices, from, prices.Length, mode);
                Assert.InRange(until, from, prices.Length);
                for (var k = from; k <= Math.Min(until, prices.Length - 1); k++)
                {
                    policy.Decide(new DecisionInputs
                    {
                        IntervalStartTicks = 0, IntervalEndTicks = 1, SettledPrices = prices.AsSpan(0, k), HashpriceUsdPerThDay = 0.08,
                    }, [new GroupState(mode, GroupState.LongAgoTicks, mode == GroupMode.Running ? 1 : 0)], intents);
                    var keeps = intents[0].WantsRunning == (mode == GroupMode.Running);
                    if (k < until) Assert.True(keeps, $"interval {k} in a stretch {from}..{until} but the rule leaves {mode}");
                    // The stretch ends at the first interval whose last settled price could start a change.
                    else if (k > 0 && k == until && until < prices.Length)
                        Assert.True(mode == GroupMode.Running ? prices[k - 1] > Math.Min(strike, cap ?? double.MaxValue)
                                                              : prices[k - 1] < resume && !(prices[k - 1] > (cap ?? double.MaxValue)),
                            $"stretch from {from} ended early at {until} (last settled {prices[k - 1]})");
                }
            }
    }

    private static void AssertClose(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-9 * Math.Max(1, Math.Abs(expected)), $"{what}: stepwise {expected} vs shortcut {actual}");
}
