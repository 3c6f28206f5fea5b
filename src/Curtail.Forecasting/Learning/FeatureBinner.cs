namespace Curtail.Forecasting.Learning;

/// <summary>
/// Maps each feature to at most 255 value bins (bin 0 is reserved for missing values), so that split search is a
/// pass over small histograms instead of a sort. Bin edges are quantiles of the training values.
/// </summary>
public sealed class FeatureBinner
{
    public const int MaxBins = 256;
    public const byte MissingBin = 0;

    // UpperBounds[f][k] is the largest value that falls in bin k+1.
    private readonly double[][] _upperBounds;

    private FeatureBinner(double[][] upperBounds) => _upperBounds = upperBounds;

    public int FeatureCount => _upperBounds.Length;

    /// <summary>Number of value bins of a feature (not counting the missing bin).</summary>
    public int ValueBins(int feature) => _upperBounds[feature].Length;

    /// <summary>The value a split after bin <paramref name="bin"/> uses as its threshold: x &lt;= threshold goes left.</summary>
    public double Threshold(int feature, int bin) => _upperBounds[feature][bin - 1];

    public static FeatureBinner Fit(FeatureMatrix x, int maxBins = 255)
    {
        if (maxBins is < 2 or > 255) throw new ArgumentOutOfRangeException(nameof(maxBins));
        var bounds = new double[x.Columns][];
        for (var f = 0; f < x.Columns; f++)
        {
            var values = new List<double>(x.Rows);
            for (var r = 0; r < x.Rows; r++)
            {
                var v = x[r, f];
                if (!double.IsNaN(v)) values.Add(v);
            }
            values.Sort();
            bounds[f] = QuantileEdges(values, maxBins);
        }
        return new FeatureBinner(bounds);
    }

    private static double[] QuantileEdges(List<double> sorted, int maxBins)
    {
        if (sorted.Count == 0) return [];
        var distinct = new List<double>();
        foreach (var v in sorted)
            if (distinct.Count == 0 || distinct[^1] != v) distinct.Add(v);
        if (distinct.Count <= maxBins)
        {
            // One bin per distinct value; the edge sits midway so unseen values in between split sensibly.
            var edges = new double[distinct.Count];
            for (var i = 0; i < distinct.Count - 1; i++) edges[i] = (distinct[i] + distinct[i + 1]) / 2;
            edges[^1] = double.PositiveInfinity;
            return edges;
        }
        var result = new List<double>(maxBins);
        for (var k = 1; k < maxBins; k++)
        {
            var edge = sorted[(int)((long)k * (sorted.Count - 1) / maxBins)];
            if (result.Count == 0 || edge > result[^1]) result.Add(edge);
        }
        result.Add(double.PositiveInfinity);
        return result.ToArray();
    }

    public byte Bin(int feature, double value)
    {
        if (double.IsNaN(value)) return MissingBin;
        var edges = _upperBounds[feature];
        if (edges.Length == 0) return MissingBin;
        var lo = 0;
        var hi = edges.Length - 1;
        while (lo < hi)
        {
            var mid = (lo + hi) >> 1;
            if (value <= edges[mid]) hi = mid; else lo = mid + 1;
        }
        return (byte)(lo + 1);
    }

    /// <summary>Row-major bins of a whole matrix.</summary>
    public byte[] BinAll(FeatureMatrix x)
    {
        var bins = new byte[x.Rows * x.Columns];
        Parallel.For(0, x.Columns, f =>
        {
            for (var r = 0; r < x.Rows; r++) bins[r * x.Columns + f] = Bin(f, x[r, f]);
        });
        return bins;
    }
}
