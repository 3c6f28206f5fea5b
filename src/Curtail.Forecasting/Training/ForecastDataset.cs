using System.Globalization;
using Curtail.Forecasting.Features;

namespace Curtail.Forecasting.Training;

/// <summary>Feature rows with their targets (the settled price of the target interval) and where they came from.</summary>
public sealed class ForecastDataset
{
    public FeatureMatrix X { get; }
    public double[] Y { get; }
    public DateTimeOffset[] DecisionTimes { get; }
    public int[] Horizons { get; }

    private ForecastDataset(FeatureMatrix x, double[] y, DateTimeOffset[] decisionTimes, int[] horizons)
    {
        X = x;
        Y = y;
        DecisionTimes = decisionTimes;
        Horizons = horizons;
    }

    public int Rows => Y.Length;

    /// <summary>
    /// Rows for decision times every <paramref name="strideIntervals"/> in [from, to), whose target intervals also
    /// start before <paramref name="to"/> (so a training set never sees a held-out price). With
    /// <paramref name="horizonsPerDecision"/> below <paramref name="horizon"/> each decision time contributes that many
    /// horizons picked by a seeded generator; otherwise all of them.
    /// </summary>
    public static ForecastDataset Build(MarketHistory history, DateTimeOffset from, DateTimeOffset to, int horizon,
        int strideIntervals, int horizonsPerDecision, int seed)
    {
        if (strideIntervals < 1) throw new ArgumentOutOfRangeException(nameof(strideIntervals));
        var random = new Random(seed);
        var values = new List<double>();
        var ys = new List<double>();
        var times = new List<DateTimeOffset>();
        var hs = new List<int>();
        var row = new double[PriceFeatures.Count];
        var prices = history.RealTime.Prices;
        var all = Enumerable.Range(1, horizon).ToArray();
        var start = MarketHistory.FloorToInterval(from);
        if (start < history.RealTime.Start) start = history.RealTime.Start;
        for (var t = start; t < to; t += MarketHistory.Interval * strideIntervals)
        {
            var settled = history.SettledCount(t);
            if (settled == 0) continue;
            IEnumerable<int> picks = all;
            if (horizonsPerDecision < horizon)
            {
                // The next interval always: it is the one a controller acts on now. The rest at random.
                var rest = all[1..];
                random.Shuffle(rest);
                picks = rest.Take(horizonsPerDecision - 1).Prepend(1).Order();
            }
            foreach (var h in picks)
            {
                var target = settled + h - 1;
                if (target >= history.RealTime.Count || history.RealTime.StartTicks[target] >= to.UtcTicks) continue;
                // The grid must be contiguous for index arithmetic to mean "h intervals ahead".
                if (history.RealTime.StartTicks[target] != (t + MarketHistory.Interval * (h - 1)).UtcTicks) continue;
                PriceFeatures.Fill(history, t, settled, h, row);
                values.AddRange(row);
                ys.Add(prices[target]);
                times.Add(t);
                hs.Add(h);
            }
        }
        if (ys.Count == 0) throw new ArgumentException($"no data between {from:u} and {to:u}");
        return new ForecastDataset(new FeatureMatrix(values.ToArray(), PriceFeatures.Count), ys.ToArray(), times.ToArray(), hs.ToArray());
    }

    /// <summary>Writes the rows as CSV (features, target, split) so other tools train on the very same data.</summary>
    public void AppendCsv(TextWriter writer, string split, bool header)
    {
        if (header) writer.WriteLine(string.Join(',', PriceFeatures.Names) + ",target,split");
        var line = new System.Text.StringBuilder();
        for (var r = 0; r < Rows; r++)
        {
            line.Clear();
            var values = X.Row(r);
            foreach (var v in values)
            {
                if (!double.IsNaN(v)) line.Append(v.ToString("R", CultureInfo.InvariantCulture));
                line.Append(',');
            }
            line.Append(Y[r].ToString("R", CultureInfo.InvariantCulture)).Append(',').Append(split);
            writer.WriteLine(line);
        }
    }
}
