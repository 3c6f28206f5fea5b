using Curtail.Core.Sites;

namespace Curtail.Simulation.Backtest;

/// <summary>A policy's backtest next to the two references every result is read against: always-on and the oracle.</summary>
public sealed record SimulationResult(
    BacktestTotals Policy,
    BacktestTotals AlwaysOn,
    BacktestTotals Oracle,
    IReadOnlyList<IntervalRecord>? PolicyIntervals,
    IReadOnlyList<IntervalRecord>? AlwaysOnIntervals,
    IReadOnlyList<IntervalRecord>? OracleIntervals)
{
    /// <summary>(profit − always-on) / (oracle − always-on); null when the oracle gains nothing over always-on.</summary>
    public double? CaptureRatio => CaptureRatioOf(Policy.ProfitUsd, AlwaysOn.ProfitUsd, Oracle.ProfitUsd);

    public static double? CaptureRatioOf(double profit, double alwaysOn, double oracle)
    {
        var room = oracle - alwaysOn;
        return Math.Abs(room) < 1e-9 ? null : (profit - alwaysOn) / room;
    }
}

public static class SimulationRunner
{
    /// <summary>Runs the site's policy (or <paramref name="kind"/>), always-on and the oracle over the same inputs.</summary>
    public static SimulationResult Run(BacktestInputs inputs, PolicyKind? kind = null, bool keepIntervals = false)
    {
        var policyKind = kind ?? inputs.Site.Policy.Kind;
        List<IntervalRecord>? P() => keepIntervals ? new List<IntervalRecord>(inputs.IntervalCount) : null;
        var (policyRecords, alwaysRecords, oracleRecords) = (P(), P(), P());
        BacktestTotals? policy = null, alwaysOn = null, oracle = null;
        Parallel.Invoke(
            () => policy = Backtester.Run(inputs, PolicyFactory.Create(inputs, policyKind), policyRecords),
            () => alwaysOn = Backtester.Run(inputs, PolicyFactory.Create(inputs, PolicyKind.AlwaysOn), alwaysRecords),
            () => oracle = Backtester.Run(inputs, PolicyFactory.Create(inputs, PolicyKind.Oracle), oracleRecords));
        return new SimulationResult(policy!, alwaysOn!, oracle!, policyRecords, alwaysRecords, oracleRecords);
    }
}
