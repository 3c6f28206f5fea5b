using Curtail.Core.Policies;
using Curtail.Core.Time;
using Curtail.Forecasting.Evaluation;
using Curtail.Simulation.Backtest;

namespace Curtail.Cli.Commands;

/// <summary>A reactive strike rule: curtail above, resume below, after a number of confirming intervals.</summary>
public sealed record ReactiveRule(double CurtailAbove, double ResumeBelow, int Confirm)
{
    public string Name => $"reactive {CurtailAbove:0}/{ResumeBelow:0}" + (Confirm > 1 ? $" c{Confirm}" : "");
    public ThresholdPolicy Policy() => new(CurtailAbove, ResumeBelow, Confirm, null);

    /// <summary>The fixed rule the issue names as the naive baseline.</summary>
    public static readonly ReactiveRule Fixed6255 = new(62, 55, 1);
}

/// <summary>
/// The honest baseline for a forecaster: the best reactive rule chosen on the training years (never on the year it
/// is scored on), and the month-by-month profits the bootstrap resamples.
/// </summary>
public static class ReactiveBaselines
{
    /// <summary>The grid searched: curtail $30–$200 in $4 steps, resume 0–$40 below it, confirm 1 or 2.</summary>
    public static IEnumerable<ReactiveRule> Grid()
    {
        for (var above = 30.0; above <= 200; above += 4)
            foreach (var gap in new[] { 0.0, 4, 8, 12, 16, 24, 40 })
                foreach (var confirm in new[] { 1, 2 })
                    if (above - gap > 0) yield return new ReactiveRule(above, above - gap, confirm);
    }

    /// <summary>The grid's rule of highest total profit on <paramref name="tuning"/>, with that profit.</summary>
    public static (ReactiveRule Rule, double ProfitUsd, int Tried) Tune(BacktestInputs tuning)
    {
        var table = Backtester.TableFor(tuning);
        var rules = Grid().ToArray();
        var profits = new double[rules.Length];
        Parallel.For(0, rules.Length, new ParallelOptions { MaxDegreeOfParallelism = 2 },
            i => profits[i] = Backtester.Run(tuning, rules[i].Policy(), null, table).ProfitUsd);
        var best = 0;
        for (var i = 1; i < rules.Length; i++)
            if (profits[i] > profits[best]) best = i;
        return (rules[best], profits[best], rules.Length);
    }

    /// <summary>Profit per CPT calendar month of interval records.</summary>
    public static Dictionary<string, double> MonthlyProfit(IEnumerable<IntervalRecord> records)
    {
        var byMonth = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var r in records)
        {
            var local = CentralPrevailingTime.ToLocal(new DateTimeOffset(r.StartTicks, TimeSpan.Zero));
            var key = $"{local.Year:0000}-{local.Month:00}";
            byMonth[key] = byMonth.GetValueOrDefault(key) + r.ProfitUsd;
        }
        return byMonth;
    }

    /// <summary>Month blocks of a policy against a baseline, with always-on and the oracle of the same months.</summary>
    public static List<BlockProfits> Blocks(Dictionary<string, double> policy, Dictionary<string, double> baseline,
        Dictionary<string, double> alwaysOn, Dictionary<string, double> oracle) =>
        alwaysOn.Keys.Order(StringComparer.Ordinal)
            .Select(m => new BlockProfits(m, policy[m], baseline[m], alwaysOn[m], oracle[m])).ToList();
}
