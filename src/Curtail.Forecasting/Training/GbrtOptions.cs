using System.Globalization;

namespace Curtail.Forecasting.Training;

/// <summary>Hyper-parameters of the LightGBM models (gradient-boosted regression trees, histogram splits).</summary>
public sealed record GbrtOptions
{
    /// <summary>Boosting rounds (trees) per model.</summary>
    public int Trees { get; init; } = 120;
    public int MaxDepth { get; init; } = 6;
    /// <summary>Leaves per tree at most (LightGBM grows leaf-wise, within <see cref="MaxDepth"/>).</summary>
    public int Leaves { get; init; } = 64;
    public double LearningRate { get; init; } = 0.1;
    public int MinRowsPerLeaf { get; init; } = 40;
    /// <summary>L2 penalty on leaf weights.</summary>
    public double L2 { get; init; } = 1.0;
    /// <summary>Fraction of rows each tree is grown on (bagging every round).</summary>
    public double RowSample { get; init; } = 0.7;
    public int MaxBins { get; init; } = 255;
    public int Seed { get; init; } = 42;
    /// <summary>LightGBM threads per model.</summary>
    public int Threads { get; init; } = 2;

    public void Validate()
    {
        if (Trees < 1) throw new ArgumentOutOfRangeException(nameof(Trees), Trees, "need at least one tree");
        if (MaxDepth is < 1 or > 16) throw new ArgumentOutOfRangeException(nameof(MaxDepth), MaxDepth, "depth must be 1..16");
        if (Leaves < 2) throw new ArgumentOutOfRangeException(nameof(Leaves), Leaves, "need at least 2 leaves");
        if (LearningRate is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "learning rate must be in (0, 1]");
        if (MinRowsPerLeaf < 1) throw new ArgumentOutOfRangeException(nameof(MinRowsPerLeaf));
        if (RowSample is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(RowSample), RowSample, "row sample must be in (0, 1]");
        if (Threads < 1) throw new ArgumentOutOfRangeException(nameof(Threads));
    }

    /// <summary>LightGBM's dataset parameters (binning).</summary>
    public string DatasetParameters() => string.Create(CultureInfo.InvariantCulture,
        $"max_bin={MaxBins} min_data_in_leaf={MinRowsPerLeaf} verbose=-1 seed={Seed} num_threads={Threads}");

    /// <summary>LightGBM's booster parameters for an objective such as <c>quantile alpha=0.1</c>.</summary>
    public string BoosterParameters(string objective) => string.Create(CultureInfo.InvariantCulture,
        $"objective={objective} learning_rate={LearningRate} num_leaves={Leaves} max_depth={MaxDepth} min_data_in_leaf={MinRowsPerLeaf} " +
        $"lambda_l2={L2} bagging_fraction={RowSample} bagging_freq={(RowSample < 1 ? 1 : 0)} max_bin={MaxBins} seed={Seed} " +
        $"num_threads={Threads} deterministic=true force_row_wise=true verbose=-1");
}
