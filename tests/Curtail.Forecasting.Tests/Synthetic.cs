using Curtail.Core.Prices;
using Curtail.Forecasting;

namespace Curtail.Forecasting.Tests;

internal static class Synthetic
{
    public static readonly DateTimeOffset Start = new(2022, 1, 1, 6, 0, 0, TimeSpan.Zero);

    /// <summary>A daily price shape with noise and occasional multi-interval spikes, on a 15-minute grid.</summary>
    public static PriceSeries Prices(int days, int seed, double spikeChance = 0.01)
    {
        var n = days * 96;
        var rng = new Random(seed);
        var starts = new long[n];
        var ends = new long[n];
        var prices = new double[n];
        var step = MarketHistory.Interval.Ticks;
        var spikeLeft = 0;
        for (var i = 0; i < n; i++)
        {
            starts[i] = Start.UtcTicks + i * step;
            ends[i] = starts[i] + step;
            var hour = (i % 96) / 4.0;
            var shape = 30 + 25 * Math.Max(0, Math.Sin((hour - 8) / 14 * Math.PI));
            if (spikeLeft == 0 && rng.NextDouble() < spikeChance) spikeLeft = 2 + rng.Next(6);
            var spike = spikeLeft > 0 ? 400 + rng.NextDouble() * 600 : 0;
            if (spikeLeft > 0) spikeLeft--;
            prices[i] = Math.Round(shape + rng.NextDouble() * 10 - 5 + spike, 2);
        }
        return new PriceSeries("HB_WEST", starts, ends, prices);
    }

    public static PriceSeries Constant(string name, DateTimeOffset start, int count, TimeSpan step, Func<int, double> value)
    {
        var s = new long[count];
        var e = new long[count];
        var p = new double[count];
        for (var i = 0; i < count; i++)
        {
            s[i] = (start + step * i).UtcTicks;
            e[i] = s[i] + step.Ticks;
            p[i] = value(i);
        }
        return new PriceSeries(name, s, e, p);
    }
}
