namespace Curtail.Forecasting.Learning;

/// <summary>
/// Grows one depth-limited tree from gradient histograms. The smaller child of each split is histogrammed by a
/// pass over its rows; the larger one is the parent's histogram minus the smaller one.
/// </summary>
internal sealed class TreeGrower
{
    private const int B = FeatureBinner.MaxBins;
    private readonly GbrtOptions _options;
    private readonly FeatureBinner _binner;
    private readonly byte[] _bins;
    private readonly int _features;

    public TreeGrower(GbrtOptions options, FeatureBinner binner, byte[] bins, int features)
    {
        _options = options;
        _binner = binner;
        _bins = bins;
        _features = features;
    }

    private sealed class Histogram(int features)
    {
        public readonly double[] G = new double[features * B];
        public readonly double[] H = new double[features * B];
        public readonly int[] N = new int[features * B];

        public void Subtract(Histogram parent, Histogram sibling)
        {
            for (var i = 0; i < G.Length; i++)
            {
                G[i] = parent.G[i] - sibling.G[i];
                H[i] = parent.H[i] - sibling.H[i];
                N[i] = parent.N[i] - sibling.N[i];
            }
        }
    }

    private readonly record struct Split(int Feature, int Bin, bool MissingLeft, double Gain);

    private sealed class Builder
    {
        public readonly List<int> Feature = [];
        public readonly List<double> Threshold = [];
        public readonly List<int> Left = [];
        public readonly List<int> Right = [];
        public readonly List<bool> MissingLeft = [];
        public readonly List<double> Value = [];
        public readonly List<int> SplitBin = [];

        public int Add()
        {
            Feature.Add(-1); Threshold.Add(0); Left.Add(-1); Right.Add(-1); MissingLeft.Add(false); Value.Add(0); SplitBin.Add(0);
            return Feature.Count - 1;
        }
    }

    public (RegressionTree Tree, int[] SplitBins) Grow(int[] rows, double[] y, double[] score, double[] gradient, double[] hessian, Loss loss)
    {
        var builder = new Builder();
        var root = builder.Add();
        var hist = new Histogram(_features);
        Fill(hist, rows, 0, rows.Length, gradient, hessian);
        GrowNode(builder, root, rows, 0, rows.Length, 0, hist, y, score, gradient, hessian, loss);
        var tree = new RegressionTree(builder.Feature.ToArray(), builder.Threshold.ToArray(), builder.Left.ToArray(),
            builder.Right.ToArray(), builder.MissingLeft.ToArray(), builder.Value.ToArray());
        return (tree, builder.SplitBin.ToArray());
    }

    private void GrowNode(Builder b, int node, int[] rows, int start, int end, int depth, Histogram hist,
        double[] y, double[] score, double[] gradient, double[] hessian, Loss loss)
    {
        var split = depth < _options.MaxDepth ? BestSplit(hist, end - start) : default;
        if (split.Gain <= 1e-12)
        {
            b.Value[node] = _options.LearningRate * loss.LeafValue(rows.AsSpan(start, end - start), y, score, gradient, hessian, _options.L2);
            return;
        }
        var mid = Partition(rows, start, end, split);
        b.Feature[node] = split.Feature;
        b.SplitBin[node] = split.Bin;
        b.Threshold[node] = _binner.Threshold(split.Feature, split.Bin);
        b.MissingLeft[node] = split.MissingLeft;
        var left = b.Add();
        var right = b.Add();
        b.Left[node] = left;
        b.Right[node] = right;

        var leftHist = new Histogram(_features);
        var rightHist = new Histogram(_features);
        if (mid - start <= end - mid)
        {
            Fill(leftHist, rows, start, mid, gradient, hessian);
            rightHist.Subtract(hist, leftHist);
        }
        else
        {
            Fill(rightHist, rows, mid, end, gradient, hessian);
            leftHist.Subtract(hist, rightHist);
        }
        GrowNode(b, left, rows, start, mid, depth + 1, leftHist, y, score, gradient, hessian, loss);
        GrowNode(b, right, rows, mid, end, depth + 1, rightHist, y, score, gradient, hessian, loss);
    }

    private void Fill(Histogram h, int[] rows, int start, int end, double[] gradient, double[] hessian)
    {
        var f = _features;
        for (var i = start; i < end; i++)
        {
            var r = rows[i];
            var g = gradient[r];
            var hh = hessian[r];
            var offset = r * f;
            for (var j = 0; j < f; j++)
            {
                var idx = j * B + _bins[offset + j];
                h.G[idx] += g;
                h.H[idx] += hh;
                h.N[idx]++;
            }
        }
    }

    private Split BestSplit(Histogram h, int rowCount)
    {
        var best = default(Split);
        var l2 = _options.L2;
        var minLeaf = _options.MinRowsPerLeaf;
        if (rowCount < 2 * minLeaf) return best;
        for (var f = 0; f < _features; f++)
        {
            var baseIdx = f * B;
            double totalG = 0, totalH = 0;
            var totalN = 0;
            var valueBins = _binner.ValueBins(f);
            for (var k = 0; k <= valueBins; k++)
            {
                totalG += h.G[baseIdx + k];
                totalH += h.H[baseIdx + k];
                totalN += h.N[baseIdx + k];
            }
            var parentScore = totalG * totalG / (totalH + l2);
            double missG = h.G[baseIdx], missH = h.H[baseIdx];
            var missN = h.N[baseIdx];
            double cumG = 0, cumH = 0;
            var cumN = 0;
            for (var k = 1; k <= valueBins; k++)
            {
                cumG += h.G[baseIdx + k];
                cumH += h.H[baseIdx + k];
                cumN += h.N[baseIdx + k];
                // Missing values to the right.
                Consider(ref best, f, k, false, cumG, cumH, cumN, totalG, totalH, totalN, parentScore, l2, minLeaf);
                if (missN > 0)
                    Consider(ref best, f, k, true, cumG + missG, cumH + missH, cumN + missN, totalG, totalH, totalN, parentScore, l2, minLeaf);
            }
        }
        return best;
    }

    private static void Consider(ref Split best, int feature, int bin, bool missingLeft, double lg, double lh, int ln,
        double tg, double th, int tn, double parentScore, double l2, int minLeaf)
    {
        var rn = tn - ln;
        if (ln < minLeaf || rn < minLeaf) return;
        var rg = tg - lg;
        var rh = th - lh;
        var gain = lg * lg / (lh + l2) + rg * rg / (rh + l2) - parentScore;
        if (gain > best.Gain) best = new Split(feature, bin, missingLeft, gain);
    }

    private int Partition(int[] rows, int start, int end, Split split)
    {
        // Stable partition keeps row order, so leaf sums (and the model) do not depend on scheduling.
        var left = new List<int>(end - start);
        var right = new List<int>(end - start);
        for (var i = start; i < end; i++)
        {
            var r = rows[i];
            var bin = _bins[r * _features + split.Feature];
            var goLeft = bin == FeatureBinner.MissingBin ? split.MissingLeft : bin <= split.Bin;
            (goLeft ? left : right).Add(r);
        }
        left.CopyTo(rows, start);
        right.CopyTo(rows, start + left.Count);
        return start + left.Count;
    }
}
