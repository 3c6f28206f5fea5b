namespace Curtail.Forecasting.Learning;

/// <summary>A trained ensemble: output = Transform(initial score + sum of tree values).</summary>
public sealed class GradientBoostedModel
{
    public Loss Loss { get; }
    public double InitialScore { get; }
    public IReadOnlyList<RegressionTree> Trees { get; }
    public int FeatureCount { get; }

    public GradientBoostedModel(Loss loss, double initialScore, IReadOnlyList<RegressionTree> trees, int featureCount)
    {
        foreach (var t in trees)
            foreach (var f in t.Feature)
                if (f >= featureCount) throw new ArgumentException($"a tree uses feature {f} but the model has {featureCount}");
        Loss = loss;
        InitialScore = initialScore;
        Trees = trees;
        FeatureCount = featureCount;
    }

    public double RawScore(ReadOnlySpan<double> row)
    {
        if (row.Length != FeatureCount) throw new ArgumentException($"row has {row.Length} features, the model expects {FeatureCount}");
        var s = InitialScore;
        foreach (var t in Trees) s += t.Predict(row);
        return s;
    }

    public double Predict(ReadOnlySpan<double> row) => Loss.Transform(RawScore(row));

    public double[] PredictAll(FeatureMatrix x)
    {
        var result = new double[x.Rows];
        Parallel.For(0, x.Rows, new ParallelOptions { MaxDegreeOfParallelism = 2 }, r => result[r] = Predict(x.Row(r)));
        return result;
    }
}
