namespace Curtail.Forecasting.Learning;

/// <summary>Hyper-parameters of the gradient-boosted tree learner.</summary>
public sealed record GbrtOptions
{
    public int Trees { get; init; } = 200;
    public int MaxDepth { get; init; } = 6;
    public double LearningRate { get; init; } = 0.1;
    public int MinRowsPerLeaf { get; init; } = 40;
    /// <summary>L2 penalty on leaf weights (in hessian units).</summary>
    public double L2 { get; init; } = 1.0;
    /// <summary>Fraction of rows each tree is grown on.</summary>
    public double RowSample { get; init; } = 0.7;
    public int MaxBins { get; init; } = 255;
    public int Seed { get; init; } = 42;

    public void Validate()
    {
        if (Trees < 1) throw new ArgumentOutOfRangeException(nameof(Trees), Trees, "need at least one tree");
        if (MaxDepth is < 1 or > 16) throw new ArgumentOutOfRangeException(nameof(MaxDepth), MaxDepth, "depth must be 1..16");
        if (LearningRate is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "learning rate must be in (0, 1]");
        if (MinRowsPerLeaf < 1) throw new ArgumentOutOfRangeException(nameof(MinRowsPerLeaf));
        if (RowSample is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(RowSample), RowSample, "row sample must be in (0, 1]");
    }
}
