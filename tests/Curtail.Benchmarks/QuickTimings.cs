using System.Diagnostics;
using Curtail.Core.Policies;
using Curtail.Core.Time;
using Curtail.Forecasting;
using Curtail.Forecasting.Features;
using Curtail.Forecasting.Training;
using Curtail.Ercot;
using Curtail.Forecasting.Data;
using Curtail.Forecasting.Models;
using Curtail.Forecasting.Policies;
using Curtail.Simulation.Backtest;
using Curtail.Simulation.Setup;
using Curtail.Simulation.Sweep;

namespace Curtail.Benchmarks;

/// <summary>
/// `dotnet run -c Release --project tests/Curtail.Benchmarks -- quick`: the minimum of repeated single-threaded runs of
/// each backtest target, printed side by side. The minimum is the figure least disturbed by other load on the machine.
/// </summary>
public static class QuickTimings
{
    public static void Run()
    {
        var sw = Stopwatch.StartNew();
        var year = BacktestSetup.Prepare(new BacktestRequest(FromCpt: new DateOnly(2023, 1, 1), ToCptExclusive: new DateOnly(2024, 1, 1))).Inputs;
        var loadYear = sw.Elapsed.TotalMilliseconds;
        sw.Restart();
        var four = BacktestSetup.Prepare(new BacktestRequest(FromCpt: new DateOnly(2020, 1, 1), ToCptExclusive: new DateOnly(2024, 1, 1))).Inputs;
        var loadFour = sw.Elapsed.TotalMilliseconds;
        var yearTable = Backtester.TableFor(year);
        var fourTable = Backtester.TableFor(four);
        Console.WriteLine($"first load (includes JIT): 1 year {loadYear:F1} ms, 4 years {loadFour:F1} ms");
        Report("load 1 year HB_WEST (gzip CSV, site, hashprice)", 10, () => BacktestSetup.Prepare(new BacktestRequest(FromCpt: new DateOnly(2023, 1, 1), ToCptExclusive: new DateOnly(2024, 1, 1))));
        Report("threshold, 1 year (35,040 intervals)", 30, () => Backtester.Run(year, ThresholdPolicy.From(year.Site.Policy), table: yearTable));
        Report("breakeven, 1 year", 30, () => Backtester.Run(year, BreakevenPolicy.From(year.Site), table: yearTable));
        Report("oracle plan, 1 year, with constraints", 10, () => PolicyFactory.PlanOracle(year));
        Report("threshold, 4 years (140,256 intervals)", 20, () => Backtester.Run(four, ThresholdPolicy.From(four.Site.Policy), table: fourTable));
        Report("sweep 281 strikes, 4 years, all cores", 3, () => SweepRunner.Run(four, [SweepParameter.Parse("policy.curtail_above_usd_per_mwh=20:300:1")], coupling: new SweepCoupling(20)));

        // Issue 10: a year on ERCOT's SCED clock (2024, 105,408 five-minute decisions), after loading.
        sw.Restart();
        var sced = BacktestSetup.Prepare(new BacktestRequest(FromCpt: new DateOnly(2024, 1, 1), ToCptExclusive: new DateOnly(2025, 1, 1))
        {
            ScedFiles = [BacktestRequest.ShippedSced],
        }).Inputs;
        Console.WriteLine($"load 2024 HB_WEST with a year of SCED runs (includes JIT): {sw.Elapsed.TotalMilliseconds:F1} ms, {sced.DecisionCount:N0} decisions");
        var scedTable = Backtester.TableFor(sced);
        Report("SCED clock: economics table, 1 year", 10, () => Backtester.TableFor(sced));
        Report("SCED clock: threshold, 1 year, economics shared", 30, () => Backtester.Run(sced, ThresholdPolicy.From(sced.Site.Policy), table: scedTable));
        Report("SCED clock: threshold, 1 year, every decision", 10, () => Backtester.Run(sced, ThresholdPolicy.From(sced.Site.Policy), records: [], table: scedTable));
        Report("SCED clock: breakeven, 1 year", 20, () => Backtester.Run(sced, BreakevenPolicy.From(sced.Site), table: scedTable));
        Report("SCED clock: oracle plan, 1 year", 10, () => PolicyFactory.PlanOracle(sced));
        Report("SCED clock: simulate (policy, always-on, oracle)", 10, () => SimulationRunner.Run(sced));

        // The gated forecast rule on the SCED clock with the held-out model: once with every forecast computed (one per
        // 15-minute interval), then with them remembered (what a tuning sweep or a repeated backtest pays).
        var model = ModelFile.Load(Path.Combine(ForecastLatencyBenchmarks.ModelsDirectory(), "hb_west_2021_2023" + ModelFile.Extension));
        var history = MarketData.Load(ShippedData.Locate(), "HB_WEST");
        var gates = ForecastGateOptions.Validated with { CurtailMarginUsdPerMwh = 4, ResumeMarginUsdPerMwh = 4, ScedMode = Core.Sites.ScedDecisionMode.Runs };
        Report("SCED clock: gated forecast, 1 year, forecasts computed", 2, () => Backtester.Run(sced, new ForecastGatedPolicy(model, () => history, sced.Site, gates), table: scedTable));
        var memo = new MemoForecaster(model);
        Report("SCED clock: gated forecast, 1 year, forecasts remembered", 20, () => Backtester.Run(sced, new ForecastGatedPolicy(memo, () => history, sced.Site, gates), table: scedTable));
    }

    /// <summary>The SCED year 2024 on the shipped data, its decision table, the market history and the held-out model.</summary>
    private static (BacktestInputs Sced, Core.Economics.EconomicsTable Table, MarketHistory History, GbrtPriceForecaster HeldOut) ScedYear()
    {
        Console.WriteLine($"load average (1, 5, 15 min) at start: {File.ReadAllText("/proc/loadavg").Trim()}; {Environment.ProcessorCount} cores");
        var sced = BacktestSetup.Prepare(new BacktestRequest(FromCpt: new DateOnly(2024, 1, 1), ToCptExclusive: new DateOnly(2025, 1, 1))
        {
            ScedFiles = [BacktestRequest.ShippedSced],
        }).Inputs;
        var history = MarketData.Load(ShippedData.Locate(), "HB_WEST");
        var heldOut = ModelFile.Load(Path.Combine(ForecastLatencyBenchmarks.ModelsDirectory(), "hb_west_2021_2023" + ModelFile.Extension));
        return (sced, Backtester.TableFor(sced), history, heldOut);
    }

    /// <summary>
    /// `-- issue10`: the three targets of issue 10 in one run, each beside a baseline measured in the same run: a year
    /// on the SCED clock after loading (the breakeven rule as the baseline), one live forecast (one feature row as the
    /// baseline), and training the five models on 2021-2024 on 2 threads (wall and process CPU time). The load average
    /// is printed before and after, since the machine is shared.
    /// </summary>
    public static void Issue10()
    {
        var (sced, table, history, heldOut) = ScedYear();
        var gates = ForecastGateOptions.Validated with { CurtailMarginUsdPerMwh = 4, ResumeMarginUsdPerMwh = 4, ScedMode = Core.Sites.ScedDecisionMode.Runs };
        var memo = new MemoForecaster(heldOut);
        var sw = Stopwatch.StartNew();
        var first = Backtester.Run(sced, new ForecastGatedPolicy(memo, () => history, sced.Site, gates), table: table);
        Console.WriteLine($"SCED year 2024: {sced.DecisionCount:N0} decisions; first gated run computing its forecasts: {sw.Elapsed.TotalSeconds:F1} s (profit {first.ProfitUsd:N0})");
        Report("SCED year: breakeven rule (baseline)", 20, () => Backtester.Run(sced, BreakevenPolicy.From(sced.Site), table: table));
        Report("SCED year: gated rule, trigger alone (no forecast)", 20, () => Backtester.Run(sced, new ForecastGatedPolicy(null, null, sced.Site, gates with { VetoBelow = 0, EarlyResumeBelow = 0 }), table: table));
        Report("SCED year: gated rule, forecasts remembered", 20, () => Backtester.Run(sced, new ForecastGatedPolicy(memo, () => history, sced.Site, gates), table: table));

        var live = ModelFile.Load(Path.Combine(ForecastLatencyBenchmarks.ModelsDirectory(), "hb_west_2021_2024" + ModelFile.Extension));
        var at = history.RealTime.End.AddDays(-2);
        var row = new double[PriceFeatures.Count];
        PriceFeatures.Fill(history, at, history.SettledCount(at), 1, row);
        Report("live: one feature row x 5 models (baseline)", 500, () => live.Predict(row, at));
        Report("live: forecast of the next interval (forecast_gated)", 500, () => live.Forecast(history, at, 1));
        Report("live: forecast of 24 intervals x 5 models", 200, () => live.Forecast(history, at, 24));

        var plan = new TrainingPlan
        {
            Name = "bench", TrainFrom = CentralPrevailingTime.StartOfDayUtc(new DateOnly(2021, 1, 1)),
            TrainTo = CentralPrevailingTime.StartOfDayUtc(new DateOnly(2025, 1, 1)),
        };
        sw.Restart();
        var data = ForecastDataset.Build(history, plan.TrainFrom, plan.TrainTo, plan.Horizon, plan.TrainStrideIntervals, plan.HorizonsPerDecision, plan.Gbrt.Seed);
        Console.WriteLine($"training rows 2021-2024: {data.Rows:N0} x {data.X.Columns}, built in {sw.Elapsed.TotalSeconds:F1} s");
        for (var i = 0; i < 2; i++)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            sw.Restart();
            var models = ForecastTrainer.TrainModels(data.X, data.Y, 100, new GbrtOptions());
            var wall = sw.Elapsed.TotalSeconds;
            var used = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            foreach (var m in models) m.Dispose();
            Console.WriteLine($"train 5 LightGBM models, 2021-2024, 2 threads: {wall:F1} s wall, {used:F1} s CPU");
        }
        Console.WriteLine($"load average at end: {File.ReadAllText("/proc/loadavg").Trim()}");
    }

    /// <summary>
    /// `-- sced-windows`: issue 10's SCED-year and live-forecast targets for the gated rule on SCED windows
    /// (<c>sced_mode: windows</c>, a forecast per 5-minute part), each beside the same rule counting runs (a forecast
    /// per interval) in the same run.
    /// </summary>
    public static void ScedWindows()
    {
        var (sced, table, history, heldOut) = ScedYear();
        var runs = ForecastGateOptions.Validated with { CurtailMarginUsdPerMwh = 4, ResumeMarginUsdPerMwh = 4, ScedMode = Core.Sites.ScedDecisionMode.Runs };
        var windows = runs with { ScedMode = Core.Sites.ScedDecisionMode.Windows };
        var memo = new MemoForecaster(heldOut);
        var sw = Stopwatch.StartNew();
        Backtester.Run(sced, new ForecastGatedPolicy(memo, () => history, sced.Site, runs), table: table);
        Console.WriteLine($"SCED year 2024: {sced.DecisionCount:N0} decisions; first run counting runs, computing its forecasts: {sw.Elapsed.TotalSeconds:F1} s");
        sw.Restart();
        Backtester.Run(sced, new ForecastGatedPolicy(memo, () => history, sced.Site, windows), table: table);
        Console.WriteLine($"first run on SCED windows, computing its window forecasts: {sw.Elapsed.TotalSeconds:F1} s");
        Report("SCED year: breakeven rule (baseline)", 20, () => Backtester.Run(sced, BreakevenPolicy.From(sced.Site), table: table));
        Report("SCED year: gated, runs, forecasts remembered", 20, () => Backtester.Run(sced, new ForecastGatedPolicy(memo, () => history, sced.Site, runs), table: table));
        Report("SCED year: gated, windows, forecasts remembered", 20, () => Backtester.Run(sced, new ForecastGatedPolicy(memo, () => history, sced.Site, windows), table: table));
        Report("SCED year: tuned-style threshold on windows", 20, () => Backtester.Run(sced, new SlidingWindowPolicy(new ThresholdPolicy(66, 58, 1, null)), table: table));

        var live = ModelFile.Load(Path.Combine(ForecastLatencyBenchmarks.ModelsDirectory(), "hb_west_2021_2024" + ModelFile.Extension));
        // Ten minutes into an interval two days before the data ends: the window reads two SCED parts.
        var at = history.RealTime.End.AddDays(-2).AddMinutes(10).AddSeconds(40);
        Report("live: forecast of the next interval (runs)", 500, () => live.Forecast(history, at, 1));
        Report("live: forecast of the window (windows)", 500, () => live.ForecastWindow(history, at));
        Console.WriteLine($"load average at end: {File.ReadAllText("/proc/loadavg").Trim()}");
    }

    /// <summary>
    /// `-- rtd`: one live forecast with the shipped default model, without and with an RTD run covering the next hour
    /// (RtdAdjustedForecaster), side by side in one run.
    /// </summary>
    public static void Rtd()
    {
        Console.WriteLine($"load average (1, 5, 15 min) at start: {File.ReadAllText("/proc/loadavg").Trim()}; {Environment.ProcessorCount} cores");
        var history = MarketData.Load(ShippedData.Locate(), "HB_WEST");
        var live = ModelFile.Load(Path.Combine(ForecastLatencyBenchmarks.ModelsDirectory(), "hb_west_2021_2024" + ModelFile.Extension));
        var at = history.RealTime.End.AddDays(-2).AddMinutes(7);
        var step = TimeSpan.FromMinutes(5).Ticks;
        var first = at.UtcTicks - at.UtcTicks % step + step;
        var starts = Enumerable.Range(0, 12).Select(k => first + k * step).ToArray();
        var withRtd = new MarketHistory(history.RealTime, history.DayAhead, history.Sced, history.SystemLoad, history.Hashprice)
        {
            Rtd = new Core.Prices.RtdLookAhead(at.AddMinutes(-2), new Core.Prices.PriceSeries("HB_WEST", starts, starts.Select(x => x + step).ToArray(), Enumerable.Repeat(500.0, 12).ToArray())),
        };
        var wrapped = new RtdAdjustedForecaster(live);
        Report("live: next interval, model alone", 500, () => live.Forecast(history, at, 1));
        Report("live: next interval, with RTD", 500, () => wrapped.Forecast(withRtd, at, 1));
        Report("live: 24 intervals, model alone", 200, () => live.Forecast(history, at, 24));
        Report("live: 24 intervals, with RTD", 200, () => wrapped.Forecast(withRtd, at, 24));
        Console.WriteLine($"load average at end: {File.ReadAllText("/proc/loadavg").Trim()}");
    }

    private static void Report(string name, int repeats, Action action)
    {
        action();
        var best = double.MaxValue;
        for (var i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            best = Math.Min(best, sw.Elapsed.TotalMilliseconds);
        }
        Console.WriteLine($"{name,-52} min {best,9:F2} ms of {repeats}");
    }
}
