namespace Curtail.Forecasting.Learning;

/// <summary>
/// A binary regression tree as flat arrays (the shape it has in the model file). Node 0 is the root; a node with
/// <c>Feature[i] &lt; 0</c> is a leaf holding <c>Value[i]</c>. A row goes left when its feature is &lt;= the
/// threshold, and missing values (NaN) go the way <c>MissingLeft[i]</c> says.
/// </summary>
public sealed class RegressionTree
{
    public int[] Feature { get; }
    public double[] Threshold { get; }
    public int[] Left { get; }
    public int[] Right { get; }
    public bool[] MissingLeft { get; }
    public double[] Value { get; }

    public RegressionTree(int[] feature, double[] threshold, int[] left, int[] right, bool[] missingLeft, double[] value)
    {
        var n = feature.Length;
        if (n == 0 || threshold.Length != n || left.Length != n || right.Length != n || missingLeft.Length != n || value.Length != n)
            throw new ArgumentException("tree arrays are empty or differ in length");
        for (var i = 0; i < n; i++)
        {
            if (feature[i] < 0) continue;
            if (left[i] <= i || left[i] >= n || right[i] <= i || right[i] >= n)
                throw new ArgumentException($"tree node {i} points outside the tree or backwards");
        }
        Feature = feature;
        Threshold = threshold;
        Left = left;
        Right = right;
        MissingLeft = missingLeft;
        Value = value;
    }

    public int NodeCount => Feature.Length;

    public double Predict(ReadOnlySpan<double> row)
    {
        var i = 0;
        while (Feature[i] >= 0)
        {
            var v = row[Feature[i]];
            var goLeft = double.IsNaN(v) ? MissingLeft[i] : v <= Threshold[i];
            i = goLeft ? Left[i] : Right[i];
        }
        return Value[i];
    }
}
