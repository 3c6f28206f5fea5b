using Curtail.Forecasting.LightGbm;
using Curtail.Forecasting.Training;

namespace Curtail.Forecasting.Tests;

/// <summary>The LightGBM models on small synthetic sets whose answer is known.</summary>
public class LightGbmTests
{
    private static readonly GbrtOptions Small = new() { Trees = 60, Leaves = 15, MaxDepth = 4, MinRowsPerLeaf = 20, Seed = 7, Threads = 1 };

    /// <summary>Rows of 3 features uniform in [0, 1); the target spikes to ~$800 when feature 1 is above 0.8.</summary>
    private static (FeatureMatrix X, double[] Y) SpikeWhenFeatureHigh(int rows, int seed)
    {
        var rng = new Random(seed);
        var x = new FeatureMatrix(rows, 3);
        var y = new double[rows];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < 3; c++) x[r, c] = rng.NextDouble();
            y[r] = 30 + 10 * rng.NextDouble() + (x[r, 1] > 0.8 ? 700 + 200 * rng.NextDouble() : 0);
        }
        return (x, y);
    }

    [Fact]
    public void Training_recovers_spikes_when_a_feature_is_high()
    {
        var (x, y) = SpikeWhenFeatureHigh(4000, 1);
        var models = ForecastTrainer.TrainModels(x, y, strike: 100, Small);
        try
        {
            var (p50, spike) = (models[1], models[4]);
            foreach (var (a, b) in new[] { (0.1, 0.5), (0.5, 0.2), (0.9, 0.9) })
            {
                Assert.True(p50.Predict([a, 0.95, b]) > 600, $"P50 at feature 1 = 0.95: {p50.Predict([a, 0.95, b]):F1}");
                Assert.True(p50.Predict([a, 0.30, b]) < 60, $"P50 at feature 1 = 0.30: {p50.Predict([a, 0.30, b]):F1}");
                Assert.True(spike.Predict([a, 0.95, b]) > 0.9);
                Assert.True(spike.Predict([a, 0.30, b]) < 0.1);
            }
            // Only feature 1 carries the spike: the spike model splits on it more than on the others.
            var splits = spike.SplitCounts();
            Assert.True(splits[1] > splits[0] && splits[1] > splits[2], string.Join(",", splits));
        }
        finally
        {
            foreach (var m in models) m.Dispose();
        }
    }

    [Fact]
    public void Quantile_models_order_as_quantiles_and_cover_their_share_of_new_data()
    {
        // y = 50·x0 + noise whose spread grows with x1: the P10–P90 band must widen with x1.
        var rng = new Random(2);
        double Draw(double a, double b) => 50 * a + (5 + 40 * b) * (rng.NextDouble() - 0.5) * 2;
        var x = new FeatureMatrix(6000, 2);
        var y = new double[6000];
        for (var r = 0; r < y.Length; r++)
        {
            x[r, 0] = rng.NextDouble();
            x[r, 1] = rng.NextDouble();
            y[r] = Draw(x[r, 0], x[r, 1]);
        }
        var models = ForecastTrainer.TrainModels(x, y, strike: 40, Small);
        try
        {
            int below10 = 0, below90 = 0, n = 3000;
            for (var i = 0; i < n; i++)
            {
                double a = rng.NextDouble(), b = rng.NextDouble();
                double[] row = [a, b];
                var (q10, q50, q90) = (models[0].Predict(row), models[1].Predict(row), models[2].Predict(row));
                Assert.True(q10 < q50 && q50 < q90, $"at ({a:F2}, {b:F2}): {q10:F1} {q50:F1} {q90:F1}");
                var actual = Draw(a, b);
                if (actual < q10) below10++;
                if (actual < q90) below90++;
            }
            Assert.InRange(below10 / (double)n, 0.05, 0.15);
            Assert.InRange(below90 / (double)n, 0.85, 0.95);
            double Width(double b) => models[2].Predict([0.5, b]) - models[0].Predict([0.5, b]);
            Assert.True(Width(0.9) > 2 * Width(0.1), $"band {Width(0.1):F1} at x1=0.1, {Width(0.9):F1} at x1=0.9");
        }
        finally
        {
            foreach (var m in models) m.Dispose();
        }
    }

    [Fact]
    public void A_model_reloaded_from_its_text_predicts_the_same_and_a_bad_text_is_refused()
    {
        var (x, y) = SpikeWhenFeatureHigh(2000, 3);
        var models = ForecastTrainer.TrainModels(x, y, strike: 100, Small with { Trees = 20 });
        using var reloaded = LightGbmBooster.FromText(models[2].ModelText);
        var rows = new double[300];
        var rng = new Random(5);
        for (var i = 0; i < rows.Length; i++) rows[i] = rng.NextDouble();
        var a = new double[100];
        var b = new double[100];
        models[2].Predict(rows, 100, a);
        reloaded.Predict(rows, 100, b);
        Assert.Equal(a, b);
        Assert.Equal(3, reloaded.FeatureCount);
        foreach (var m in models) m.Dispose();
        Assert.Throws<LightGbmException>(() => LightGbmBooster.FromText("tree\nnot a model"));
    }

    [Fact]
    public void Training_is_deterministic_for_a_seed()
    {
        var (x, y) = SpikeWhenFeatureHigh(2000, 6);
        var one = ForecastTrainer.TrainModels(x, y, 100, Small with { Trees = 15 });
        var two = ForecastTrainer.TrainModels(x, y, 100, Small with { Trees = 15 });
        Assert.Equal(one.Select(m => m.ModelText), two.Select(m => m.ModelText));
        foreach (var m in one.Concat(two)) m.Dispose();
    }
}
