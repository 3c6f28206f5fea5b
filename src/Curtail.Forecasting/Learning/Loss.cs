namespace Curtail.Forecasting.Learning;

/// <summary>A boosting objective: its starting score, gradients, and the value a leaf should take.</summary>
public abstract class Loss
{
    public abstract string Name { get; }

    /// <summary>The constant score before the first tree.</summary>
    public abstract double InitialScore(ReadOnlySpan<double> y);

    /// <summary>First and second derivatives of the loss with respect to the score, per row.</summary>
    public abstract void Gradients(ReadOnlySpan<double> y, ReadOnlySpan<double> score, Span<double> gradient, Span<double> hessian);

    /// <summary>Raw leaf value (before the learning rate) for the rows in a leaf.</summary>
    public abstract double LeafValue(ReadOnlySpan<int> rows, ReadOnlySpan<double> y, ReadOnlySpan<double> score,
        ReadOnlySpan<double> gradient, ReadOnlySpan<double> hessian, double l2);

    /// <summary>Mean loss of scores against targets, used for reporting.</summary>
    public abstract double Evaluate(ReadOnlySpan<double> y, ReadOnlySpan<double> score);

    /// <summary>Turns a raw score into the model's output (identity, or a probability).</summary>
    public virtual double Transform(double score) => score;

    public static Loss FromName(string name, double parameter) => name switch
    {
        QuantileLoss.LossName => new QuantileLoss(parameter),
        LogisticLoss.LossName => new LogisticLoss(),
        SquaredLoss.LossName => new SquaredLoss(),
        _ => throw new ArgumentException($"unknown loss '{name}'"),
    };

    public virtual double Parameter => 0;
}

/// <summary>Pinball loss for the <see cref="Alpha"/> quantile; leaves take the alpha-quantile of their residuals.</summary>
public sealed class QuantileLoss : Loss
{
    public const string LossName = "quantile";

    public double Alpha { get; }

    public QuantileLoss(double alpha)
    {
        if (alpha is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "quantile must be in (0, 1)");
        Alpha = alpha;
    }

    public override string Name => LossName;
    public override double Parameter => Alpha;

    public override double InitialScore(ReadOnlySpan<double> y) => Quantile(y.ToArray(), Alpha);

    public override void Gradients(ReadOnlySpan<double> y, ReadOnlySpan<double> score, Span<double> gradient, Span<double> hessian)
    {
        for (var i = 0; i < y.Length; i++)
        {
            gradient[i] = y[i] > score[i] ? -Alpha : 1 - Alpha;
            hessian[i] = 1;
        }
    }

    public override double LeafValue(ReadOnlySpan<int> rows, ReadOnlySpan<double> y, ReadOnlySpan<double> score,
        ReadOnlySpan<double> gradient, ReadOnlySpan<double> hessian, double l2)
    {
        if (rows.Length == 0) return 0;
        var residuals = new double[rows.Length];
        for (var i = 0; i < rows.Length; i++) residuals[i] = y[rows[i]] - score[rows[i]];
        return Quantile(residuals, Alpha);
    }

    public override double Evaluate(ReadOnlySpan<double> y, ReadOnlySpan<double> score)
    {
        double sum = 0;
        for (var i = 0; i < y.Length; i++) sum += Pinball(y[i], score[i], Alpha);
        return y.Length == 0 ? 0 : sum / y.Length;
    }

    public static double Pinball(double actual, double predicted, double alpha)
    {
        var r = actual - predicted;
        return r >= 0 ? alpha * r : (alpha - 1) * r;
    }

    /// <summary>The alpha-quantile (lower interpolation); reorders <paramref name="values"/>.</summary>
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

/// <summary>Binary cross-entropy on a logit score; targets are 0 or 1.</summary>
public sealed class LogisticLoss : Loss
{
    public const string LossName = "logistic";
    public override string Name => LossName;

    public override double InitialScore(ReadOnlySpan<double> y)
    {
        double positives = 0;
        foreach (var v in y) positives += v;
        var p = Math.Clamp(positives / Math.Max(1, y.Length), 1e-6, 1 - 1e-6);
        return Math.Log(p / (1 - p));
    }

    public override void Gradients(ReadOnlySpan<double> y, ReadOnlySpan<double> score, Span<double> gradient, Span<double> hessian)
    {
        for (var i = 0; i < y.Length; i++)
        {
            var p = Sigmoid(score[i]);
            gradient[i] = p - y[i];
            hessian[i] = Math.Max(p * (1 - p), 1e-12);
        }
    }

    public override double LeafValue(ReadOnlySpan<int> rows, ReadOnlySpan<double> y, ReadOnlySpan<double> score,
        ReadOnlySpan<double> gradient, ReadOnlySpan<double> hessian, double l2)
    {
        double g = 0, h = 0;
        foreach (var r in rows)
        {
            g += gradient[r];
            h += hessian[r];
        }
        // Newton step, clipped so that one leaf of pure positives cannot push the logit to infinity.
        return Math.Clamp(-g / (h + l2), -8, 8);
    }

    public override double Evaluate(ReadOnlySpan<double> y, ReadOnlySpan<double> score)
    {
        double sum = 0;
        for (var i = 0; i < y.Length; i++)
        {
            var p = Math.Clamp(Sigmoid(score[i]), 1e-12, 1 - 1e-12);
            sum -= y[i] * Math.Log(p) + (1 - y[i]) * Math.Log(1 - p);
        }
        return y.Length == 0 ? 0 : sum / y.Length;
    }

    public override double Transform(double score) => Sigmoid(score);

    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
}

/// <summary>Least squares; mostly a sanity check for the learner.</summary>
public sealed class SquaredLoss : Loss
{
    public const string LossName = "squared";
    public override string Name => LossName;

    public override double InitialScore(ReadOnlySpan<double> y)
    {
        double sum = 0;
        foreach (var v in y) sum += v;
        return y.Length == 0 ? 0 : sum / y.Length;
    }

    public override void Gradients(ReadOnlySpan<double> y, ReadOnlySpan<double> score, Span<double> gradient, Span<double> hessian)
    {
        for (var i = 0; i < y.Length; i++)
        {
            gradient[i] = score[i] - y[i];
            hessian[i] = 1;
        }
    }

    public override double LeafValue(ReadOnlySpan<int> rows, ReadOnlySpan<double> y, ReadOnlySpan<double> score,
        ReadOnlySpan<double> gradient, ReadOnlySpan<double> hessian, double l2)
    {
        double g = 0;
        foreach (var r in rows) g += gradient[r];
        return -g / (rows.Length + l2);
    }

    public override double Evaluate(ReadOnlySpan<double> y, ReadOnlySpan<double> score)
    {
        double sum = 0;
        for (var i = 0; i < y.Length; i++) sum += (y[i] - score[i]) * (y[i] - score[i]);
        return y.Length == 0 ? 0 : sum / y.Length;
    }
}
