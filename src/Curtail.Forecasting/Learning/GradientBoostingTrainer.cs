namespace Curtail.Forecasting.Learning;

/// <summary>
/// Gradient boosting of histogram-split regression trees. Deterministic for a given seed: row sampling uses a
/// seeded generator and every sum is taken in row order on one thread.
/// </summary>
public sealed class GradientBoostingTrainer
{
    private readonly GbrtOptions _options;

    public GradientBoostingTrainer(GbrtOptions options)
    {
        options.Validate();
        _options = options;
    }

    /// <summary>Fits with a binner of its own.</summary>
    public GradientBoostedModel Fit(FeatureMatrix x, double[] y, Loss loss)
    {
        var binner = FeatureBinner.Fit(x, _options.MaxBins);
        return Fit(x, binner, binner.BinAll(x), y, loss);
    }

    /// <summary>Fits on pre-binned rows, so several losses can share one binning of the same matrix.</summary>
    public GradientBoostedModel Fit(FeatureMatrix x, FeatureBinner binner, byte[] bins, double[] y, Loss loss)
    {
        if (y.Length != x.Rows) throw new ArgumentException($"{y.Length} targets for {x.Rows} rows");
        if (x.Rows == 0) throw new ArgumentException("no training rows");
        var n = x.Rows;
        var features = x.Columns;
        var init = loss.InitialScore(y);
        var score = new double[n];
        Array.Fill(score, init);
        var gradient = new double[n];
        var hessian = new double[n];
        var random = new Random(_options.Seed);
        var trees = new List<RegressionTree>(_options.Trees);
        var grower = new TreeGrower(_options, binner, bins, features);
        var sample = new int[n];

        for (var t = 0; t < _options.Trees; t++)
        {
            loss.Gradients(y, score, gradient, hessian);
            var count = 0;
            for (var r = 0; r < n; r++)
                if (_options.RowSample >= 1 || random.NextDouble() < _options.RowSample) sample[count++] = r;
            if (count < 2 * _options.MinRowsPerLeaf) continue;
            var (tree, splitBins) = grower.Grow(sample.AsSpan(0, count).ToArray(), y, score, gradient, hessian, loss);
            trees.Add(tree);
            for (var r = 0; r < n; r++) score[r] += PredictBinned(tree, splitBins, bins, r * features);
        }
        return new GradientBoostedModel(loss, init, trees, features);
    }

    private static double PredictBinned(RegressionTree tree, int[] splitBins, byte[] bins, int rowOffset)
    {
        var i = 0;
        while (tree.Feature[i] >= 0)
        {
            var b = bins[rowOffset + tree.Feature[i]];
            var goLeft = b == FeatureBinner.MissingBin ? tree.MissingLeft[i] : b <= splitBins[i];
            i = goLeft ? tree.Left[i] : tree.Right[i];
        }
        return tree.Value[i];
    }
}
