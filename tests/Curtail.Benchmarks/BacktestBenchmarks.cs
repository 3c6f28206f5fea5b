using BenchmarkDotNet.Attributes;
using Curtail.Core.Policies;
using Curtail.Core.Sites;
using Curtail.Simulation.Backtest;
using Curtail.Simulation.Setup;
using Curtail.Simulation.Sweep;

namespace Curtail.Benchmarks;

/// <summary>
/// The backtest issue's speed targets on the shipped default site and HB_WEST prices: one policy over one year
/// (&lt; 5 ms), the oracle over one year with constraints (&lt; 100 ms), and the 281-strike sweep over 2020-2023.
/// </summary>
[MemoryDiagnoser]
public class BacktestBenchmarks
{
    private BacktestInputs _year = null!;
    private BacktestInputs _fourYears = null!;
    private Core.Economics.EconomicsTable _yearTable = null!;

    [GlobalSetup]
    public void Setup()
    {
        _year = BacktestSetup.Prepare(new BacktestRequest(FromCpt: new DateOnly(2023, 1, 1), ToCptExclusive: new DateOnly(2024, 1, 1))).Inputs;
        _fourYears = BacktestSetup.Prepare(new BacktestRequest(FromCpt: new DateOnly(2020, 1, 1), ToCptExclusive: new DateOnly(2024, 1, 1))).Inputs;
        _yearTable = Backtester.TableFor(_year);
    }

    [Benchmark(Description = "threshold policy, 1 year, economics shared")]
    public double ThresholdYear() => Backtester.Run(_year, ThresholdPolicy.From(_year.Site.Policy), table: _yearTable).ProfitUsd;

    [Benchmark(Description = "threshold policy, 1 year, economics computed")]
    public double ThresholdYearCold() => Backtester.Run(_year, ThresholdPolicy.From(_year.Site.Policy)).ProfitUsd;

    [Benchmark(Description = "breakeven policy, 1 year")]
    public double BreakevenYear() => Backtester.Run(_year, BreakevenPolicy.From(_year.Site), table: _yearTable).ProfitUsd;

    [Benchmark(Description = "oracle plan, 1 year, with constraints")]
    public double OracleYear() => PolicyFactory.PlanOracle(_year).MarginalProfitUsd;

    [Benchmark(Description = "sweep 281 strikes, 2020-2023")]
    public double Sweep281() =>
        SweepRunner.Run(_fourYears, [SweepParameter.Parse("policy.curtail_above_usd_per_mwh=20:300:1")], coupling: new SweepCoupling(20)).Best.Totals.ProfitUsd;
}
