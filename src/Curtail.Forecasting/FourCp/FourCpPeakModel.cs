using Curtail.Core.Prices;
using Curtail.Core.Sites;
using Curtail.Core.Time;
using MathNet.Numerics.LinearAlgebra;

namespace Curtail.Forecasting.FourCp;

/// <summary>
/// Probability that an hour is its month's ERCOT system peak (the 4CP interval) in the peak months. A day's chance
/// comes from a logistic regression, fitted on past summers, on how the day's forecast peak compares with the
/// month-to-date actual peak, how much of the month is left, and whether it is a weekday; the day's chance is then
/// spread over its hours by how close each hour's forecast load is to the day's forecast peak.
/// Backtests use actual hourly native load as the stand-in for ERCOT's load forecast (optimistic; see the card).
/// </summary>
public sealed class FourCpPeakModel
{
    public static readonly int[] DefaultMonths = [6, 7, 8, 9];
    private const int Features = 4;
    private readonly double[] _weights;

    public IReadOnlyList<int> Months { get; }

    /// <summary>The peak rule the model predicts for: 4CP, or a multi-peak rule (a day's chance of being one of its period's N highest daily peaks).</summary>
    public PeakRule Rule { get; }

    private FourCpPeakModel(double[] weights, PeakRule rule)
    {
        _weights = weights;
        Rule = rule;
        Months = rule.Months;
    }

    public IReadOnlyList<double> Weights => _weights;

    /// <summary>One local (CPT) day of hourly load, as the model sees it.</summary>
    private sealed record Day(DateOnly Date, double[] Starts, double[] Load);

    /// <summary>Fits the 4CP day model on the peak months of the CPT years in [fromYear, toYear].</summary>
    public static FourCpPeakModel Fit(PriceSeries hourlyLoad, int fromYear, int toYear, IReadOnlyList<int>? months = null) =>
        Fit(hourlyLoad, fromYear, toYear, months is null ? PeakRule.FourCp : PeakRule.FourCp with { Months = months });

    /// <summary>
    /// Fits the day model of a peak rule on the CPT years in [fromYear, toYear]: a day is a positive when its peak is
    /// one of its period's N highest daily peaks (for 4CP: the month's peak day).
    /// </summary>
    public static FourCpPeakModel Fit(PriceSeries hourlyLoad, int fromYear, int toYear, PeakRule rule)
    {
        var xs = new List<double[]>();
        var ys = new List<double>();
        for (var year = fromYear; year <= toYear; year++)
            foreach (var period in PeriodsOf(rule, year))
            {
                var days = period.SelectMany(m => DaysOf(hourlyLoad, year, m)).ToList();
                if (days.Count < 20) continue;
                var length = period.Sum(m => DateTime.DaysInMonth(year, m));
                var top = days.OrderByDescending(d => d.Load.Max()).Take(rule.PeaksPerPeriod).Select(d => d.Date).ToHashSet();
                var earlier = new List<double>();
                foreach (var d in days)
                {
                    xs.Add(DayFeatures(d, ThresholdOf(earlier, rule.PeaksPerPeriod), Remaining(d.Date, period, year, length)));
                    ys.Add(top.Contains(d.Date) ? 1 : 0);
                    earlier.Add(d.Load.Max());
                }
            }
        if (ys.Sum() < 2) throw new ArgumentException($"need load history for at least two peak periods in {fromYear}..{toYear}");
        return new FourCpPeakModel(Logistic(xs, ys), rule);
    }

    /// <summary>The months of a year grouped into the rule's periods: each month alone, or all of them as one season.</summary>
    private static IEnumerable<IReadOnlyList<int>> PeriodsOf(PeakRule rule, int year) =>
        rule.Period == PeakPeriod.Month ? rule.Months.Select(m => (IReadOnlyList<int>)[m]) : [rule.Months];

    /// <summary>The load a day must beat to be among the N highest so far: the N-th highest earlier peak (the lowest when fewer); NaN with none.</summary>
    private static double ThresholdOf(List<double> earlier, int n)
    {
        if (earlier.Count == 0) return double.NaN;
        if (n == 1) return earlier.Max();
        var sorted = earlier.OrderByDescending(x => x).ToList();
        return sorted[Math.Min(n, sorted.Count) - 1];
    }

    /// <summary>Share of the period still to come after this day (for one month: (days in month − day) / days in month).</summary>
    private static double Remaining(DateOnly date, IReadOnlyList<int> period, int year, int length)
    {
        var ordinal = period.TakeWhile(m => m != date.Month).Sum(m => DateTime.DaysInMonth(year, m)) + date.Day;
        return (length - ordinal) / (double)length;
    }

    public static FourCpPeakModel FromWeights(double[] weights, IReadOnlyList<int>? months = null)
    {
        if (weights.Length != Features) throw new ArgumentException($"a 4CP model has {Features} weights");
        return new FourCpPeakModel(weights, months is null ? PeakRule.FourCp : PeakRule.FourCp with { Months = months });
    }

    /// <summary>
    /// Probability that the clock hour containing <paramref name="instant"/> is its month's system peak, given the
    /// load forecast for that day and the actual load of the month's earlier days; 0 outside the peak months.
    /// </summary>
    public double HourProbability(PriceSeries hourlyLoad, DateTimeOffset instant)
    {
        var local = CentralPrevailingTime.ToLocal(instant);
        if (!Months.Contains(local.Month)) return 0;
        var date = DateOnly.FromDateTime(local.DateTime);
        var day = DayOf(hourlyLoad, date);
        if (day is null) return 0;
        var period = Rule.Period == PeakPeriod.Month ? [date.Month] : Rule.Months;
        var earlier = new List<double>();
        foreach (var m in period.TakeWhile(m => m <= date.Month))
            for (var d = new DateOnly(date.Year, m, 1); d < date && d.Month == m; d = d.AddDays(1))
                if (DayOf(hourlyLoad, d) is { } before) earlier.Add(before.Load.Max());
        var length = period.Sum(m => DateTime.DaysInMonth(date.Year, m));
        var pDay = DayProbability(DayFeatures(day, ThresholdOf(earlier, Rule.PeaksPerPeriod), Remaining(date, period, date.Year, length)));
        var hourStart = instant.UtcTicks - instant.UtcTicks % TimeSpan.TicksPerHour;
        var peak = day.Load.Max();
        double total = 0, mine = 0;
        for (var h = 0; h < day.Load.Length; h++)
        {
            // Hours within ~1% of the day's forecast peak share the day's chance; the forecast is not exact.
            var w = Math.Exp((day.Load[h] - peak) / (0.005 * peak));
            total += w;
            if ((long)day.Starts[h] == hourStart) mine = w;
        }
        return total > 0 ? pDay * mine / total : 0;
    }

    private double DayProbability(double[] x)
    {
        double z = 0;
        for (var i = 0; i < Features; i++) z += _weights[i] * x[i];
        return 1 / (1 + Math.Exp(-z));
    }

    /// <param name="threshold">The peak to beat so far in the period (for 4CP the month-to-date maximum); NaN on its first day.</param>
    /// <param name="remaining">Share of the period still to come.</param>
    private static double[] DayFeatures(Day day, double threshold, double remaining)
    {
        var peak = day.Load.Max();
        // First day of a period: nothing to beat yet, so the day competes only with the rest of the period.
        var ratio = double.IsNaN(threshold) ? 1.0 : peak / threshold;
        var weekday = day.Date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 0.0 : 1.0;
        // Ratio in percent above the running max keeps the coefficients in a well-conditioned range.
        return [1, 100 * (ratio - 1), remaining, weekday];
    }

    private static double[] Logistic(List<double[]> xs, List<double> ys)
    {
        // Newton–Raphson (IRLS) with a small ridge so that separable summers do not blow the weights up.
        var w = Vector<double>.Build.Dense(Features);
        var x = Matrix<double>.Build.DenseOfRowArrays(xs);
        var y = Vector<double>.Build.DenseOfEnumerable(ys);
        for (var iter = 0; iter < 50; iter++)
        {
            var p = (x * w).Map(z => 1 / (1 + Math.Exp(-z)));
            var gradient = x.TransposeThisAndMultiply(p - y) + 0.1 * w;
            var weights = p.Map(v => Math.Max(v * (1 - v), 1e-9));
            var hessian = x.TransposeThisAndMultiply(Matrix<double>.Build.DiagonalOfDiagonalVector(weights) * x)
                + 0.1 * Matrix<double>.Build.DenseIdentity(Features);
            var step = hessian.Solve(gradient);
            w -= step;
            if (step.L2Norm() < 1e-8) break;
        }
        return w.ToArray();
    }

    private static List<Day> DaysOf(PriceSeries load, int year, int month)
    {
        var days = new List<Day>();
        for (var d = new DateOnly(year, month, 1); d.Month == month; d = d.AddDays(1))
            if (DayOf(load, d) is { } day) days.Add(day);
        return days;
    }

    private static Day? DayOf(PriceSeries load, DateOnly date)
    {
        var from = CentralPrevailingTime.StartOfDayUtc(date);
        var to = CentralPrevailingTime.StartOfDayUtc(date.AddDays(1));
        var a = load.FirstStartingAtOrAfter(from.UtcTicks);
        var b = load.FirstStartingAtOrAfter(to.UtcTicks);
        if (b - a < 20) return null;
        var starts = new double[b - a];
        var values = new double[b - a];
        for (var i = a; i < b; i++)
        {
            starts[i - a] = load.StartTicks[i];
            values[i - a] = load.Prices[i];
        }
        return new Day(date, starts, values);
    }

    /// <summary>
    /// The intervals a peak rule bills on in a CPT year, from actual load: the peak hour of each of the N days with the
    /// highest daily peaks in each period, labelled with the month they fall in. For 4CP these are <see cref="ActualPeaks"/>.
    /// </summary>
    public static IReadOnlyList<(int Month, DateTimeOffset PeakHourStart, double LoadMw)> BillingPeaks(PriceSeries hourlyLoad, int year, PeakRule rule)
    {
        if (rule.Kind == PeakRuleKind.FourCp) return ActualPeaks(hourlyLoad, year, rule.Months);
        var result = new List<(int, DateTimeOffset, double)>();
        foreach (var period in PeriodsOf(rule, year))
        {
            var days = period.SelectMany(m => DaysOf(hourlyLoad, year, m)).ToList();
            foreach (var d in days.OrderByDescending(d => d.Load.Max()).Take(rule.PeaksPerPeriod).OrderBy(d => d.Date))
            {
                var h = Array.IndexOf(d.Load, d.Load.Max());
                result.Add((d.Date.Month, new DateTimeOffset((long)d.Starts[h], TimeSpan.Zero), d.Load[h]));
            }
        }
        return result;
    }

    /// <summary>The actual monthly peak hour (UTC start) of each peak month of a year present in the load history.</summary>
    public static IReadOnlyList<(int Month, DateTimeOffset PeakHourStart, double LoadMw)> ActualPeaks(PriceSeries hourlyLoad, int year, IReadOnlyList<int>? months = null)
    {
        var result = new List<(int, DateTimeOffset, double)>();
        foreach (var m in months ?? DefaultMonths)
        {
            var from = CentralPrevailingTime.StartOfDayUtc(new DateOnly(year, m, 1));
            var to = CentralPrevailingTime.StartOfDayUtc(new DateOnly(year, m, 1).AddMonths(1));
            var a = hourlyLoad.FirstStartingAtOrAfter(from.UtcTicks);
            var b = hourlyLoad.FirstStartingAtOrAfter(to.UtcTicks);
            if (b <= a) continue;
            var best = a;
            for (var i = a; i < b; i++)
                if (hourlyLoad.Prices[i] > hourlyLoad.Prices[best]) best = i;
            result.Add((m, new DateTimeOffset(hourlyLoad.StartTicks[best], TimeSpan.Zero), hourlyLoad.Prices[best]));
        }
        return result;
    }
}
