using Curtail.Forecasting;
using Curtail.Forecasting.Models;
using Curtail.Forecasting.Policies;
using Curtail.Simulation.Backtest;

namespace Curtail.Cli.Commands;

/// <summary>
/// Chooses the gated forecast rule's settings on training years only. The trigger (margins above and below each
/// group's breakeven, confirmation) is chosen like the tuned reactive rule, by total profit on the model's training
/// years with the gates off; the gate thresholds are chosen on a validation window after the model's training data,
/// with a market history cut at the window's end, so nothing later is read.
/// </summary>
public static class ForecastGateTuning
{
    /// <summary>The trigger grid: curtail −$12…+$48 from breakeven, resume 0–$24 below breakeven, confirm 1 or 2.</summary>
    public static IEnumerable<ForecastGateOptions> TriggerGrid()
    {
        foreach (var up in new[] { -12.0, -8, -4, -2, 0, 2, 4, 6, 8, 12, 16, 24, 32, 48 })
            foreach (var down in new[] { 0.0, 2, 4, 6, 8, 12, 16, 24 })
                foreach (var confirm in new[] { 1, 2 })
                    if (down >= -up) yield return new ForecastGateOptions { CurtailMarginUsdPerMwh = up, ResumeMarginUsdPerMwh = down, Confirm = confirm };
    }

    /// <summary>
    /// The gate grid tried on the validation windows for a chosen trigger (every combination; the row with every gate
    /// off and no shift is the trigger alone). The shift moves the trigger's curtail strike, since a veto may make an
    /// earlier trigger pay.
    /// </summary>
    public static IEnumerable<ForecastGateOptions> GateGrid(ForecastGateOptions trigger)
    {
        foreach (var shift in new[] { 0.0, -4, 4 })
            foreach (var veto in new[] { 0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5 })
                foreach (var pre in new[] { ForecastGateOptions.Off, 0.9, 0.8, 0.7, 0.6, 0.5 })
                    foreach (var hold in new[] { ForecastGateOptions.Off, 0.5, 0.35, 0.2 })
                        foreach (var early in new[] { 0.0, 0.05 })
                        {
                            var o = trigger with
                            {
                                CurtailMarginUsdPerMwh = trigger.CurtailMarginUsdPerMwh + shift,
                                VetoBelow = veto, PreCurtailAbove = pre, HoldAbove = hold, EarlyResumeBelow = early,
                            };
                            if (o.CurtailMarginUsdPerMwh + o.ResumeMarginUsdPerMwh >= 0 && (pre > 1 || pre > veto)) yield return o;
                        }
    }

    /// <summary>The gate settings as a key independent of the trigger, so folds with different triggers line up.</summary>
    public static (double Shift, double Veto, double Pre, double Hold, double Early) GateKey(ForecastGateOptions o, ForecastGateOptions trigger) =>
        (o.CurtailMarginUsdPerMwh - trigger.CurtailMarginUsdPerMwh, o.VetoBelow, o.PreCurtailAbove, o.HoldAbove, o.EarlyResumeBelow);

    /// <summary>The trigger of highest total profit on <paramref name="tuning"/>, gates off (no forecaster is read).</summary>
    public static (ForecastGateOptions Trigger, double ProfitUsd, int Tried) TuneTrigger(BacktestInputs tuning)
    {
        var table = Backtester.TableFor(tuning);
        var grid = TriggerGrid().ToArray();
        var profits = new double[grid.Length];
        Parallel.For(0, grid.Length, new ParallelOptions { MaxDegreeOfParallelism = 2 },
            i => profits[i] = Backtester.Run(tuning, new ForecastGatedPolicy(null, null, tuning.Site, grid[i]), null, table).ProfitUsd);
        var best = ArgMax(profits);
        return (grid[best], profits[best], grid.Length);
    }

    /// <summary>One validation result.</summary>
    public sealed record GateResult(ForecastGateOptions Options, double ProfitUsd);

    /// <summary>
    /// Every gate setting of <see cref="GateGrid"/> on <paramref name="validation"/>, in the grid's order. The forecaster reads
    /// <paramref name="history"/> cut at the window's end; the model must have been trained before the window.
    /// </summary>
    public static (IReadOnlyList<GateResult> Results, DateTimeOffset LatestForecast) TuneGates(
        BacktestInputs validation, MarketHistory history, GbrtPriceForecaster model, ForecastGateOptions trigger)
    {
        var windowStart = new DateTimeOffset(validation.Prices.StartTicks[validation.FromIndex], TimeSpan.Zero);
        var windowEnd = new DateTimeOffset(validation.Prices.EndTicks[validation.ToIndex - 1], TimeSpan.Zero);
        if (model.Provenance.TrainTo > windowStart)
            throw new ArgumentException($"the model was trained up to {model.Provenance.TrainTo:u}, after the validation window starts ({windowStart:u})");
        var cut = history.Until(windowEnd);
        var memo = new MemoForecaster(model);
        var table = Backtester.TableFor(validation);
        var grid = GateGrid(trigger).ToArray();
        // One pass fills the memo (every interval is forecast once, on one thread); the sweep then reads it.
        var warm = Array.FindIndex(grid, o => o.UsesForecast);
        var profits = new double[grid.Length];
        profits[warm] = Backtester.Run(validation, new ForecastGatedPolicy(memo, () => cut, validation.Site, grid[warm]), null, table).ProfitUsd;
        Parallel.For(0, grid.Length, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
        {
            if (i != warm) profits[i] = Backtester.Run(validation, new ForecastGatedPolicy(memo, () => cut, validation.Site, grid[i]), null, table).ProfitUsd;
        });
        return (grid.Select((o, i) => new GateResult(o, profits[i])).ToList(), memo.LatestDecisionTime ?? windowStart);
    }

    private static int ArgMax(double[] values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }
}
