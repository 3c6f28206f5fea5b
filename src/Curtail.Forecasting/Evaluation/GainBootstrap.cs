namespace Curtail.Forecasting.Evaluation;

/// <summary>Profit of one block (a calendar month) of a backtest: a policy, a baseline policy, and the two references.</summary>
public readonly record struct BlockProfits(string Block, double Policy, double Baseline, double AlwaysOn, double Oracle);

/// <summary>A gain in capture points with its bootstrap interval.</summary>
public sealed record GainInterval(double Gain, double Low, double High, double Confidence, int Resamples, int Blocks)
{
    public bool AboveZero => Low > 0;
}

/// <summary>
/// Month-block bootstrap of the capture gain of a policy over a baseline: (policy − baseline) / (oracle − always-on),
/// in capture-ratio units, resampling whole blocks (months) with replacement so the dependence within a month (a
/// spike episode, a hot August) stays together. Seeded, so a report repeats.
/// </summary>
public static class GainBootstrap
{
    public static double Gain(IReadOnlyList<BlockProfits> blocks)
    {
        double diff = 0, room = 0;
        foreach (var b in blocks)
        {
            diff += b.Policy - b.Baseline;
            room += b.Oracle - b.AlwaysOn;
        }
        return Math.Abs(room) < 1e-9 ? 0 : diff / room;
    }

    public static GainInterval Interval(IReadOnlyList<BlockProfits> blocks, double confidence = 0.9, int resamples = 10_000, int seed = 1)
    {
        if (blocks.Count == 0) throw new ArgumentException("no blocks to resample");
        if (confidence is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(confidence));
        if (resamples < 100) throw new ArgumentOutOfRangeException(nameof(resamples), resamples, "at least 100 resamples");
        var random = new Random(seed);
        var gains = new double[resamples];
        var n = blocks.Count;
        for (var r = 0; r < resamples; r++)
        {
            double diff = 0, room = 0;
            for (var k = 0; k < n; k++)
            {
                var b = blocks[random.Next(n)];
                diff += b.Policy - b.Baseline;
                room += b.Oracle - b.AlwaysOn;
            }
            gains[r] = Math.Abs(room) < 1e-9 ? 0 : diff / room;
        }
        Array.Sort(gains);
        var tail = (1 - confidence) / 2;
        return new GainInterval(Gain(blocks), Percentile(gains, tail), Percentile(gains, 1 - tail), confidence, resamples, n);
    }

    private static double Percentile(double[] sorted, double q)
    {
        var pos = q * (sorted.Length - 1);
        var lo = (int)Math.Floor(pos);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }
}
