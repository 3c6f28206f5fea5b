using Curtail.Forecasting.Evaluation;

namespace Curtail.Forecasting.Tests;

public class GainBootstrapTests
{
    /// <summary>Twelve months whose oracle room and baseline profit vary like a real year's.</summary>
    private static List<BlockProfits> Year(Func<int, double, double> policyFromBaseline, int seed)
    {
        var rng = new Random(seed);
        var blocks = new List<BlockProfits>();
        for (var m = 1; m <= 12; m++)
        {
            var alwaysOn = 300_000 + 50_000 * rng.NextDouble();
            var room = m is 7 or 8 ? 200_000 : 20_000 + 30_000 * rng.NextDouble();
            var baseline = alwaysOn + room * (0.85 + 0.1 * rng.NextDouble());
            blocks.Add(new BlockProfits($"2024-{m:00}", policyFromBaseline(m, baseline), baseline, alwaysOn, alwaysOn + room));
        }
        return blocks;
    }

    [Fact]
    public void A_policy_identical_to_its_baseline_gains_nothing_and_its_interval_holds_zero()
    {
        var i = GainBootstrap.Interval(Year((_, b) => b, 1));
        Assert.Equal(0, i.Gain);
        Assert.InRange(0, i.Low, i.High);
        Assert.False(i.AboveZero);
    }

    [Fact]
    public void Noise_without_an_edge_gives_an_interval_across_zero()
    {
        var rng = new Random(2);
        // Month by month the policy wins or loses up to $8,000, by a symmetric draw with the sign alternating.
        var i = GainBootstrap.Interval(Year((m, b) => b + (m % 2 == 0 ? 1 : -1) * 8_000 * rng.NextDouble(), 3));
        Assert.True(i.Low < 0 && i.High > 0, $"[{i.Low:F4}, {i.High:F4}]");
    }

    [Fact]
    public void A_planted_advantage_gives_an_interval_above_zero()
    {
        var rng = new Random(4);
        // 2 % of each month's oracle room more, plus noise of up to ±$500.
        var blocks = Year((_, b) => b, 5).Select(x => x with { Policy = x.Baseline + 0.02 * (x.Oracle - x.AlwaysOn) + 1_000 * (rng.NextDouble() - 0.5) }).ToList();
        var i = GainBootstrap.Interval(blocks);
        Assert.True(i.AboveZero, $"[{i.Low:F4}, {i.High:F4}]");
        Assert.InRange(i.Gain, 0.015, 0.025);
        Assert.True(i.Low <= i.Gain && i.Gain <= i.High);
        Assert.Equal(GainBootstrap.Interval(blocks), i);
    }
}
