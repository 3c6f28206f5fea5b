using Curtail.Core.Sites;
using Curtail.Forecasting.FourCp;

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

    /// <summary>The site's load at each actual 4CP hour of the window and the charge avoided; null unless <c>four_cp.enabled</c>.</summary>
    public FourCpReport? FourCp { get; init; }

    /// <summary>Minutes between decisions of all three runs: 5 on ERCOT's SCED clock, else 15.</summary>
    public int DecisionCadenceMinutes { get; init; } = 15;

    /// <summary>Decisions each run took (5-minute sub-intervals on the SCED clock, else settlement intervals).</summary>
    public int Decisions { get; init; }

    /// <summary>On the SCED clock, the 5-minute sub-intervals without a SCED run of their own (last LMP carried forward); null otherwise.</summary>
    public int? ScedMissingRuns { get; init; }

    public static double? CaptureRatioOf(double profit, double alwaysOn, double oracle)
    {
        var room = oracle - alwaysOn;
        return Math.Abs(room) < 1e-9 ? null : (profit - alwaysOn) / room;
    }
}

public static class SimulationRunner
{
    /// <summary>
    /// Runs the site's policy (or <paramref name="kind"/>), inside the 4CP watch when the site turns it on, next to
    /// always-on and the oracle over the same inputs, all on the same decision clock (ERCOT's 5-minute SCED clock
    /// when <see cref="BacktestInputs.Sced"/> is set: see <see cref="BacktestInputs.OnSced"/>).
    /// </summary>
    public static SimulationResult Run(BacktestInputs inputs, PolicyKind? kind = null, bool keepIntervals = false)
    {
        inputs = inputs.Forecasting is null && (UsesForecast(kind ?? inputs.Site.Policy.Kind) || inputs.Site.FourCpEnabled)
            ? inputs.WithForecasting() : inputs;
        // Built (and checked: model window, 4CP history) before anything runs, so bad input fails fast.
        var sitePolicy = PolicyFactory.CreateForSite(inputs, kind);
        List<IntervalRecord>? P(bool keep) => keep ? new List<IntervalRecord>(inputs.IntervalCount) : null;
        var (policyRecords, alwaysRecords, oracleRecords) = (P(keepIntervals || sitePolicy.FourCp is not null), P(keepIntervals), P(keepIntervals));
        BacktestTotals? policy = null, alwaysOn = null, oracle = null;
        // The economics of the window do not depend on the policy: one table for the three runs.
        var table = Backtester.TableFor(inputs);
        Parallel.Invoke(
            () => policy = Backtester.Run(inputs, sitePolicy.Policy, policyRecords, table),
            () => alwaysOn = Backtester.Run(inputs, PolicyFactory.Create(inputs, PolicyKind.AlwaysOn), alwaysRecords, table),
            () => oracle = Backtester.Run(inputs, PolicyFactory.Create(inputs, PolicyKind.Oracle), oracleRecords, table));
        FourCpReport? fourCp = null;
        if (sitePolicy.FourCp is { } watch)
        {
            var f = inputs.Site.FourCp!;
            fourCp = FourCpReport.Compute(inputs.ForecastingOrShipped().BillingPeaks(inputs, ForecastContext.RuleOf(inputs)),
                policyRecords!.Select(r => r.StartTicks).ToArray(), policyRecords!.Select(r => r.BilledMw).ToArray(),
                inputs.Site.FullPowerMw, f.RateUsdPerKwYear, watch.UsedHours.Values.Sum());
        }
        return new SimulationResult(policy!, alwaysOn!, oracle!, keepIntervals ? policyRecords : null, alwaysRecords, oracleRecords)
        {
            FourCp = fourCp,
            DecisionCadenceMinutes = inputs.DecisionCadenceMinutes,
            Decisions = inputs.DecisionCount,
            ScedMissingRuns = inputs.Sced?.MissingRuns,
        };
    }

    /// <summary>Policies that read a price model and the market history (loaded once per run or sweep).</summary>
    public static bool UsesForecast(PolicyKind kind) => kind is PolicyKind.Forecast or PolicyKind.ForecastGated;
}
