namespace Curtail.Forecasting.Training;

/// <summary>Pinball loss and empirical quantiles, for scoring and for the baselines' residual bands.</summary>
public static class Quantiles
{
    public static double Pinball(double actual, double predicted, double alpha)
    {
        var r = actual - predicted;
        return r >= 0 ? alpha * r : (alpha - 1) * r;
    }

    /// <summary>The alpha-quantile (linear interpolation); reorders <paramref name="values"/>.</summary>
    public static double Quantile(double[] values, double alpha)
    {
        if (values.Length == 0) return 0;
        Array.Sort(values);
        var pos = alpha * (values.Length - 1);
        var lo = (int)Math.Floor(pos);
        var hi = Math.Min(lo + 1, values.Length - 1);
        return values[lo] + (values[hi] - values[lo]) * (pos - lo);
    }
}
