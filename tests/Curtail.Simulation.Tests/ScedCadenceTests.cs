using Curtail.Core;
using Curtail.Core.Decisions;
using Curtail.Core.Economics;
using Curtail.Core.Fleet;
using Curtail.Core.Policies;
using Curtail.Core.Prices;
using Curtail.Core.Sites;
using Curtail.Simulation.Backtest;
using Curtail.Simulation.Setup;

namespace Curtail.Simulation.Tests;

public class ScedCadenceTests
{
    private static readonly long Minute = TimeSpan.TicksPerMinute;

    /// <summary>One group of 1000 miners × 100 TH/s × 3000 W = 3 MW; hashprice $0.072 → $300 an hour, $25 a 5-minute sub-interval.</summary>
    private static SiteDefinition HandSite(OperatingConstraints constraints, int confirm) =>
        new("hand", "HB_WEST", new EnergySettings(0, EnergyContract.Index, null), new EconomicsSettings(new HashpriceSource(0.072, null), 0),
            [new FleetGroup("g", "Antminer S19j Pro", 1000, 100, 3000, 1)],
            new PolicySettings(PolicyKind.Threshold, 50, 40, confirm, null, 1), constraints);

    /// <summary>Two 15-minute intervals settling at $30 and $100, three SCED runs each (27 s into each 5 minutes).</summary>
    private static BacktestInputs HandInputs(SiteDefinition site, double[]? lmps = null)
    {
        var t0 = TestSites.Start.UtcTicks;
        var spp = new PriceSeries("HB_WEST", [t0, t0 + 15 * Minute], [t0 + 15 * Minute, t0 + 30 * Minute], [30, 100]);
        lmps ??= [20, 60, 70, 80, 30, 35];
        var runStarts = Enumerable.Range(0, lmps.Length).Select(k => t0 + k * 5 * Minute + 27 * TimeSpan.TicksPerSecond).ToArray();
        var runEnds = runStarts.Skip(1).Append(runStarts[^1] + 5 * Minute).ToArray();
        return TestSites.Inputs(site, spp).OnSced(new PriceSeries("HB_WEST", runStarts, runEnds, lmps));
    }

    [Fact]
    public void HandComputedCaseDecidesEveryRunAndSettlesAtTheSpp()
    {
        // Confirm 1, strikes 50/40. Sub-interval k is decided on the LMPs of runs 0..k−1:
        // k0: none → keep running; k1: 20 → run; k2: 60 > 50 → curtail; k3: 70 ≥ 40 → hold; k4: 80 → hold; k5: 30 < 40 → run.
        // Running k0, k1 (interval 1 at $30) and k5 (interval 2 at $100); 3 MW × 5 min = 0.25 MWh a sub-interval.
        // Cost 0.5 × 30 + 0.25 × 100 = $40.00; revenue 3 × $25 = $75.00.
        var inputs = HandInputs(HandSite(OperatingConstraints.None, confirm: 1));
        var records = new List<IntervalRecord>();
        var totals = Backtester.Run(inputs, ThresholdPolicy.From(inputs.Site.Policy), records);
        Assert.Equal([true, true, false, false, false, true], records.Select(r => r.Groups[0].IsRunning).ToArray());
        Assert.Equal([DecisionReason.NoSettledPrice, DecisionReason.BelowStrike, DecisionReason.AboveStrike,
            DecisionReason.HysteresisHold, DecisionReason.HysteresisHold, DecisionReason.BelowResumeStrike], records.Select(r => r.Reasons[0]).ToArray());
        Assert.Equal([30, 30, 30, 100, 100, 100], records.Select(r => r.Price).ToArray());
        Assert.All(records, r => Assert.Equal(5 * Minute, r.EndTicks - r.StartTicks));
        Assert.Equal(0.75, totals.EnergyMwh, 9);
        Assert.Equal(40.00, Math.Round(totals.EnergyCostUsd, 2));
        Assert.Equal(75.00, Math.Round(totals.HashRevenueUsd, 2));
        Assert.Equal(35.00, Math.Round(totals.ProfitUsd, 2));
        Assert.Equal(2, totals.Transitions);
        Assert.Equal(2, totals.Intervals);
        Assert.Equal(0, inputs.Sced!.MissingRuns);

        // The steady-stretch shortcut books the same totals as the sub-interval by sub-interval replay.
        var fast = Backtester.Run(inputs, ThresholdPolicy.From(inputs.Site.Policy));
        Assert.Equal(totals.ProfitUsd, fast.ProfitUsd, 9);
        Assert.Equal(totals.Transitions, fast.Transitions);
    }

    [Fact]
    public void ConfirmationCountsScedRuns()
    {
        // Confirm 2: k2 sees 20, 60 → wait; k3 sees 60, 70 → curtail; k4 80 → hold; k5 30 → run.
        // Running k0..k2 (0.75 MWh at $30) and k5 (0.25 MWh at $100): cost 22.50 + 25.00 = $47.50, revenue 4 × $25 = $100.00.
        var inputs = HandInputs(HandSite(OperatingConstraints.None, confirm: 2));
        var records = new List<IntervalRecord>();
        var totals = Backtester.Run(inputs, ThresholdPolicy.From(inputs.Site.Policy), records);
        Assert.Equal([true, true, true, false, false, true], records.Select(r => r.Groups[0].IsRunning).ToArray());
        Assert.Equal(DecisionReason.AwaitingConfirmation, records[2].Reasons[0]);
        Assert.Equal(47.50, Math.Round(totals.EnergyCostUsd, 2));
        Assert.Equal(100.00, Math.Round(totals.HashRevenueUsd, 2));
    }

    [Fact]
    public void WakeAndMinimumTimesStillApplyOnTheScedClock()
    {
        // Confirm 1 with a 5-minute wake: the wake at k5 draws 0.25 MWh at $100 without hashing. Revenue 2 × $25 = $50.00.
        var woken = HandInputs(HandSite(new OperatingConstraints(0, 5, 0, 0), confirm: 1));
        var wake = Backtester.Run(woken, ThresholdPolicy.From(woken.Site.Policy));
        Assert.Equal(40.00, Math.Round(wake.EnergyCostUsd, 2));
        Assert.Equal(50.00, Math.Round(wake.HashRevenueUsd, 2));

        // A 20-minute minimum off time holds the group off at k5 (curtailed at 10 min, 15 min before): $15.00 of energy, $50.00 of hash.
        var held = HandInputs(HandSite(new OperatingConstraints(0, 0, 20, 0), confirm: 1));
        var records = new List<IntervalRecord>();
        var totals = Backtester.Run(held, ThresholdPolicy.From(held.Site.Policy), records);
        Assert.Equal(DecisionReason.HeldByMinOffTime, records[5].Reasons[0]);
        Assert.Equal(15.00, Math.Round(totals.EnergyCostUsd, 2));
        Assert.Equal(50.00, Math.Round(totals.HashRevenueUsd, 2));
    }

    [Fact]
    public void MissingRunsCarryTheLastLmpForwardAndAreCounted()
    {
        var site = HandSite(OperatingConstraints.None, confirm: 1);
        var t0 = TestSites.Start.UtcTicks;
        var spp = new PriceSeries("HB_WEST", [t0, t0 + 15 * Minute], [t0 + 15 * Minute, t0 + 30 * Minute], [30, 100]);
        // Runs only in sub-intervals 0, 1 and 4 (two runs in sub-interval 1: the later one counts).
        long[] runs = [t0 + 30 * TimeSpan.TicksPerSecond, t0 + 5 * Minute + 10 * TimeSpan.TicksPerSecond, t0 + 8 * Minute, t0 + 21 * Minute];
        var sced = ScedCadence.Build(spp, 0, 2, new PriceSeries("HB_WEST", runs, [runs[1], runs[2], runs[3], runs[3] + 5 * Minute], [10, 20, 65, 45]), "test");
        Assert.Equal([10, 65, 65, 65, 45, 45], sced.Lmps);
        Assert.Equal(3, sced.MissingRuns);
        Assert.Equal([30, 30, 30, 100, 100, 100], sced.SettlementPrices);
        Assert.Equal([0, 0, 0, 1, 1, 1], sced.IntervalIndex);

        var none = new PriceSeries("HB_WEST", [t0 + 60 * Minute], [t0 + 65 * Minute], [10]);
        var e = Assert.Throws<InvalidInputException>(() => TestSites.Inputs(site, spp).OnSced(none, "late.csv"));
        Assert.Contains("no HB_WEST SCED runs between", e.Message);
        Assert.Equal("late.csv", e.Location);
    }

    public static IEnumerable<object[]> Seeds() => Enumerable.Range(1, 25).Select(s => new object[] { s });

    /// <summary>Random SCED runs around random 15-minute SPPs: LMP = SPP ± noise, with occasional single-run spikes and missing runs.</summary>
    private static BacktestInputs RandomScedInputs(SiteDefinition site, int seed, int intervals)
    {
        var rng = new Random(seed * 31 + 7);
        var spp = TestSites.RandomPrices(seed, intervals);
        var starts = new List<long>();
        var lmps = new List<double>();
        for (var k = 0; k < intervals * 3; k++)
        {
            if (rng.NextDouble() < 0.03) continue;
            starts.Add(spp.StartTicks[k / 3] + k % 3 * 5 * Minute + rng.Next(0, 60) * TimeSpan.TicksPerSecond);
            lmps.Add(Math.Round(spp.Prices[k / 3] + rng.NextDouble() * 30 - 15 + (rng.NextDouble() < 0.02 ? 500 : 0), 2));
        }
        var ends = starts.Skip(1).Append(starts[^1] + 5 * Minute).ToArray();
        return TestSites.Inputs(site, spp).OnSced(new PriceSeries("HB_WEST", starts.ToArray(), ends, lmps.ToArray()));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void NoPolicyBeatsTheOracleOnTheScedClock(int seed)
    {
        var rng = new Random(seed * 7919);
        var constraints = new OperatingConstraints(
            rng.Next(0, 2) * 30, rng.Next(0, 4) * 5.0 + rng.Next(0, 2) * 2.5, rng.Next(0, 5) * 10.0, rng.Next(0, 5) * 5.0);
        var site = TestSites.Site(constraints, minFraction: rng.Next(0, 2) == 0 ? 1 : 0.6);
        var inputs = RandomScedInputs(site, seed, 400);
        var plan = PolicyFactory.PlanOracle(inputs);
        var oracle = Backtester.Run(inputs, new OraclePolicy(plan)).ProfitUsd;
        Assert.Equal(plan.MarginalProfitUsd, oracle, 6);

        var contenders = new List<ICurtailmentPolicy> { new AlwaysOnPolicy(), BreakevenPolicy.From(site) };
        for (var k = 0; k < 20; k++)
        {
            var strike = rng.NextDouble() * 400 - 20;
            contenders.Add(new ThresholdPolicy(strike, strike - rng.NextDouble() * 40, rng.Next(1, 4), rng.Next(0, 2) == 0 ? null : strike + 200));
        }
        foreach (var policy in contenders)
        {
            var profit = Backtester.Run(inputs, policy).ProfitUsd;
            Assert.True(profit <= oracle + 1e-6 * Math.Abs(oracle), $"{policy.Name} earned {profit:F2} > oracle {oracle:F2} on SCED (seed {seed}, {constraints})");
        }

        // Every 15-minute schedule is also a 5-minute one, and both settle at the SPP: the SCED oracle is never worse.
        var quarterHour = inputs with { Sced = null };
        var oracle15 = Backtester.Run(quarterHour, PolicyFactory.Create(quarterHour, PolicyKind.Oracle)).ProfitUsd;
        Assert.True(oracle >= oracle15 - 1e-6 * Math.Abs(oracle15), $"SCED oracle {oracle:F2} < 15-minute oracle {oracle15:F2} (seed {seed})");
        var alwaysOn15 = Backtester.Run(quarterHour, new AlwaysOnPolicy()).ProfitUsd;
        Assert.Equal(alwaysOn15, Backtester.Run(inputs, new AlwaysOnPolicy()).ProfitUsd, 6);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void SteadyStretchesBookWhatTheReplayBooksOnTheScedClock(int seed)
    {
        var site = TestSites.Site(new OperatingConstraints(5, 5, 15, 15));
        var inputs = RandomScedInputs(site, seed, 800);
        foreach (var policy in new[] { new ThresholdPolicy(90, 70, 2, 300), new ThresholdPolicy(60, 60, 1, null) })
        {
            var replay = Backtester.Run(inputs, policy, records: []);
            var fast = Backtester.Run(inputs, policy);
            Assert.Equal(replay.ProfitUsd, fast.ProfitUsd, 6);
            Assert.Equal(replay.EnergyMwh, fast.EnergyMwh, 9);
            Assert.Equal(replay.Transitions, fast.Transitions);
        }
    }

    [Fact]
    public void SimulationRunnerReportsTheCadence()
    {
        var site = TestSites.Site(new OperatingConstraints(5, 5, 15, 15));
        var inputs = RandomScedInputs(site, 5, 300);
        var result = SimulationRunner.Run(inputs);
        Assert.Equal(5, result.DecisionCadenceMinutes);
        Assert.Equal(900, result.Decisions);
        Assert.Equal(inputs.Sced!.MissingRuns, result.ScedMissingRuns);
        var quarter = SimulationRunner.Run(inputs with { Sced = null });
        Assert.Equal(15, quarter.DecisionCadenceMinutes);
        Assert.Null(quarter.ScedMissingRuns);
    }

    [Fact]
    public void CoverageNamesEveryMissingStretch()
    {
        var t0 = TestSites.Start.UtcTicks;
        var hour = TimeSpan.TicksPerHour;
        var series = new PriceSeries("HB_WEST", [t0, t0 + hour, t0 + 3 * hour], [t0 + hour, t0 + 2 * hour, t0 + 4 * hour], [1, 2, 3]);
        Assert.Empty(InputCoverage.Missing(series, t0, t0 + 2 * hour));
        var gaps = InputCoverage.Missing(series, t0 - hour, t0 + 6 * hour);
        Assert.Equal([(t0 - hour, t0), (t0 + 2 * hour, t0 + 3 * hour), (t0 + 4 * hour, t0 + 6 * hour)],
            gaps.Select(g => (g.From.UtcTicks, g.To.UtcTicks)).ToArray());
        var e = Assert.Throws<InvalidInputException>(() => InputCoverage.Require(series, t0, t0 + 5 * hour, "--dam", "HB_WEST day-ahead prices", ["dam.csv"]));
        Assert.Contains("missing for 2 h", e.Message);
        Assert.Contains("2023-07-01T07:00Z..2023-07-01T08:00Z", e.Message);
        Assert.Contains("2023-07-01T09:00Z..2023-07-01T10:00Z", e.Message);
        Assert.Contains("dam.csv", e.Message);
    }
}
