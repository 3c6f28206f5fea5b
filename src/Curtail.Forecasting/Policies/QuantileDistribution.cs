namespace Curtail.Forecasting.Policies;

/// <summary>
/// A price distribution built from a forecast's P10, P50 and P90: linear between the quantiles (10 % of the mass
/// below P10, 40 % in each of [P10, P50] and [P50, P90], 10 % above P90) and exponential tails whose density
/// continues the neighbouring segment's (scale a quarter of that segment's width). Its mean is exactly
/// 0.3·P10 + 0.4·P50 + 0.3·P90 plus 0.025·((P90 − P50) − (P50 − P10)): the blend the policy used before, corrected
/// for the skew. It answers what a group's decision depends on: the probability that the price exceeds the group's
/// breakeven and the expected excess above it.
/// </summary>
public readonly record struct QuantileDistribution
{
    private const double MinWidth = 1e-6;

    public double P10 { get; }
    public double P50 { get; }
    public double P90 { get; }

    public QuantileDistribution(double p10, double p50, double p90)
    {
        // Quantile models are fitted separately and may cross: sort them.
        var lo = Math.Min(p10, Math.Min(p50, p90));
        var hi = Math.Max(p10, Math.Max(p50, p90));
        var mid = p10 + p50 + p90 - lo - hi;
        P10 = lo;
        P50 = Math.Max(mid, lo + MinWidth);
        P90 = Math.Max(hi, P50 + MinWidth);
    }

    public static QuantileDistribution Of(in IntervalForecast f) => new(f.P10, f.P50, f.P90);

    private double LowerScale => 0.25 * (P50 - P10);
    private double UpperScale => 0.25 * (P90 - P50);

    public double Mean => 0.1 * (P10 - LowerScale) + 0.2 * (P10 + P50) + 0.2 * (P50 + P90) + 0.1 * (P90 + UpperScale);

    /// <summary>P(price &gt; x).</summary>
    public double Exceedance(double x)
    {
        if (x <= P10) return 1 - 0.1 * Math.Exp(-(P10 - x) / LowerScale);
        if (x <= P50) return 0.9 - 0.4 * (x - P10) / (P50 - P10);
        if (x <= P90) return 0.5 - 0.4 * (x - P50) / (P90 - P50);
        return 0.1 * Math.Exp(-(x - P90) / UpperScale);
    }

    /// <summary>E[(price − x)⁺], the expected excess above <paramref name="x"/> (the integral of the exceedance above it).</summary>
    public double ExpectedExcess(double x)
    {
        var upper = 0.1 * UpperScale * Math.Exp(-(Math.Max(x, P90) - P90) / UpperScale);
        var total = upper + Segment(x, P50, P90, 0.5, 0.1) + Segment(x, P10, P50, 0.9, 0.5);
        if (x < P10)
        {
            var d = P10 - x;
            total += d - 0.1 * LowerScale * (1 - Math.Exp(-d / LowerScale));
        }
        return total;
    }

    /// <summary>E[(x − price)⁺], the expected shortfall below <paramref name="x"/>.</summary>
    public double ExpectedShortfall(double x) => ExpectedExcess(x) - (Mean - x);

    // ∫ over [max(x, a), b] of a linear exceedance going from sa at a to sb at b.
    private static double Segment(double x, double a, double b, double sa, double sb)
    {
        if (x >= b) return 0;
        var from = Math.Max(x, a);
        var sFrom = sa + (sb - sa) * (from - a) / (b - a);
        return 0.5 * (sFrom + sb) * (b - from);
    }
}
