using Curtail.Forecasting.Learning;

namespace Curtail.Forecasting.Tests;

public class LearnerTests
{
    private static (FeatureMatrix X, double[] Y) Data(int n, int seed, Func<double, double, Random, double> target)
    {
        var rng = new Random(seed);
        var x = new FeatureMatrix(n, 2);
        var y = new double[n];
        for (var i = 0; i < n; i++)
        {
            x[i, 0] = rng.NextDouble();
            x[i, 1] = rng.NextDouble();
            y[i] = target(x[i, 0], x[i, 1], rng);
        }
        return (x, y);
    }

    private static readonly GbrtOptions Small = new() { Trees = 60, MaxDepth = 3, MinRowsPerLeaf = 10, Seed = 7 };

    [Fact]
    public void Squared_loss_learns_a_step_and_ignores_an_irrelevant_feature()
    {
        var (x, y) = Data(2000, 1, (a, _, _) => a > 0.5 ? 10 : 0);
        var model = new GradientBoostingTrainer(Small).Fit(x, y, new SquaredLoss());
        Assert.InRange(model.Predict([0.2, 0.9]), -0.3, 0.3);
        Assert.InRange(model.Predict([0.8, 0.1]), 9.7, 10.3);
        foreach (var t in model.Trees)
            for (var i = 0; i < t.NodeCount; i++)
                if (t.Feature[i] >= 0) Assert.Equal(0, t.Feature[i]);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void Quantile_loss_covers_the_requested_share_of_held_out_points(double alpha)
    {
        // Noise whose spread grows with x: a constant offset cannot get coverage right everywhere.
        double F(double a, double b, Random r) => 20 * a + (1 + 9 * a) * (r.NextDouble() * 2 - 1);
        var (x, y) = Data(6000, 2, F);
        var (xt, yt) = Data(4000, 3, F);
        var model = new GradientBoostingTrainer(Small with { Trees = 120 }).Fit(x, y, new QuantileLoss(alpha));
        var below = 0;
        var belowWide = 0;
        var wide = 0;
        for (var i = 0; i < xt.Rows; i++)
        {
            var under = yt[i] <= model.Predict(xt.Row(i));
            if (under) below++;
            if (xt[i, 0] > 0.8) { wide++; if (under) belowWide++; }
        }
        Assert.InRange(below / (double)xt.Rows, alpha - 0.04, alpha + 0.04);
        Assert.InRange(belowWide / (double)wide, alpha - 0.08, alpha + 0.08);
    }

    [Fact]
    public void Logistic_loss_gives_probabilities_that_beat_the_base_rate()
    {
        double F(double a, double b, Random r) => r.NextDouble() < LogisticLoss.Sigmoid(8 * (a - 0.7)) ? 1 : 0;
        var (x, y) = Data(5000, 4, F);
        var (xt, yt) = Data(3000, 5, F);
        var model = new GradientBoostingTrainer(Small).Fit(x, y, new LogisticLoss());
        var rate = y.Average();
        double brier = 0, brierBase = 0;
        for (var i = 0; i < xt.Rows; i++)
        {
            var p = model.Predict(xt.Row(i));
            Assert.InRange(p, 0, 1);
            brier += (p - yt[i]) * (p - yt[i]);
            brierBase += (rate - yt[i]) * (rate - yt[i]);
        }
        Assert.True(brier < 0.85 * brierBase, $"Brier {brier / xt.Rows:F4} vs base rate {brierBase / xt.Rows:F4}");
        Assert.True(model.Predict([0.95, 0.5]) > 0.75);
        Assert.True(model.Predict([0.1, 0.5]) < 0.1);
    }

    [Fact]
    public void Missing_values_take_the_learned_direction()
    {
        // Missing feature 0 means "high": the trees must send NaN to the high side.
        var rng = new Random(9);
        var x = new FeatureMatrix(3000, 1);
        var y = new double[3000];
        for (var i = 0; i < 3000; i++)
        {
            var kind = i % 3;
            x[i, 0] = kind == 2 ? double.NaN : rng.NextDouble();
            y[i] = kind == 2 || x[i, 0] > 0.5 ? 5 : 0;
        }
        var model = new GradientBoostingTrainer(Small).Fit(x, y, new SquaredLoss());
        Assert.InRange(model.Predict([double.NaN]), 4.7, 5.3);
        Assert.InRange(model.Predict([0.1]), -0.3, 0.3);
    }

    [Fact]
    public void Training_is_deterministic_for_a_seed_and_the_seed_matters()
    {
        var (x, y) = Data(3000, 11, (a, b, r) => a * 10 + b * b * 5 + r.NextDouble());
        var options = Small with { RowSample = 0.5 };
        var m1 = new GradientBoostingTrainer(options).Fit(x, y, new QuantileLoss(0.5));
        var m2 = new GradientBoostingTrainer(options).Fit(x, y, new QuantileLoss(0.5));
        var m3 = new GradientBoostingTrainer(options with { Seed = 8 }).Fit(x, y, new QuantileLoss(0.5));
        var differs = false;
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(m1.Predict(x.Row(i)), m2.Predict(x.Row(i)));
            differs |= m1.Predict(x.Row(i)) != m3.Predict(x.Row(i));
        }
        Assert.True(differs);
    }

    [Fact]
    public void Binner_puts_values_in_order_and_missing_in_bin_zero()
    {
        var x = new FeatureMatrix(Enumerable.Range(0, 1000).Select(i => (double)i).ToArray(), 1);
        var binner = FeatureBinner.Fit(x, 16);
        Assert.Equal(FeatureBinner.MissingBin, binner.Bin(0, double.NaN));
        var previous = 0;
        for (var v = -5.0; v < 1100; v += 7)
        {
            var b = binner.Bin(0, v);
            Assert.True(b >= previous && b >= 1);
            previous = b;
        }
        Assert.True(binner.ValueBins(0) <= 16);
    }

    [Fact]
    public void Bad_options_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GradientBoostingTrainer(new GbrtOptions { Trees = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GradientBoostingTrainer(new GbrtOptions { RowSample = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new QuantileLoss(1));
    }
}
