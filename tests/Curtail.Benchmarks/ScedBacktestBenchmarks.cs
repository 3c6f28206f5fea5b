using BenchmarkDotNet.Attributes;
using Curtail.Core.Policies;
using Curtail.Simulation.Backtest;
using Curtail.Simulation.Setup;

namespace Curtail.Benchmarks;

/// <summary>
/// Issue 10's target: a year of SCED-cadence backtest (2024 HB_WEST, the shipped default site, 105,408 five-minute
/// decisions settled at the 15-minute SPP) under 100 ms once the prices are loaded. Loading (RTM, a year of SCED
/// runs, the SCED clock) happens in the setup.
/// </summary>
[MemoryDiagnoser]
public class ScedBacktestBenchmarks
{
    private BacktestInputs _year = null!;
    private Core.Economics.EconomicsTable _table = null!;

    [GlobalSetup]
    public void Setup()
    {
        _year = BacktestSetup.Prepare(new BacktestRequest(FromCpt: new DateOnly(2024, 1, 1), ToCptExclusive: new DateOnly(2025, 1, 1))
        {
            ScedFiles = [BacktestRequest.ShippedSced],
        }).Inputs;
        if (_year.DecisionCount < 105_000) throw new InvalidOperationException($"expected a year of 5-minute decisions, got {_year.DecisionCount}");
        _table = Backtester.TableFor(_year);
    }

    [Benchmark(Description = "SCED clock: threshold, 1 year, economics shared")]
    public double ThresholdYear() => Backtester.Run(_year, ThresholdPolicy.From(_year.Site.Policy), table: _table).ProfitUsd;

    [Benchmark(Description = "SCED clock: threshold, 1 year, economics computed")]
    public double ThresholdYearCold() => Backtester.Run(_year, ThresholdPolicy.From(_year.Site.Policy)).ProfitUsd;

    [Benchmark(Description = "SCED clock: breakeven, 1 year (every decision through the engine)")]
    public double BreakevenYear() => Backtester.Run(_year, BreakevenPolicy.From(_year.Site), table: _table).ProfitUsd;

    [Benchmark(Description = "SCED clock: oracle plan, 1 year, with constraints")]
    public double OracleYear() => PolicyFactory.PlanOracle(_year).MarginalProfitUsd;

    [Benchmark(Description = "SCED clock: simulate (policy, always-on, oracle), 1 year")]
    public double SimulateYear() => SimulationRunner.Run(_year).Policy.ProfitUsd;
}
