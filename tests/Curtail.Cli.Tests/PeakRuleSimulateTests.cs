using System.Text.Json;
using Curtail.Core.Time;

namespace Curtail.Cli.Tests;

/// <summary>`simulate --peak-rule`: the shipped site over July–August 2023 watching for 4CP and for a 3-peaks-a-month rule.</summary>
public class PeakRuleSimulateTests
{
    private const string MultiPeak = "multi-peak:3:month:6,7,8,9";

    [Fact]
    public async Task TheComparisonOnATerminalFitsEightyColumnsWithEachRunOnOneRowAndEachBillOnOneLine()
    {
        CliResult r;
        using (Commands.Terminal.AsTerminal(80))
            r = await CliRunner.Run("simulate", "--peak-rule", "4cp", "--peak-rule", "multi-peak:3:month", "--from", "2023-08-01", "--to", "2023-08-15");
        Assert.True(r.ExitCode == 0, r.Err);
        var lines = r.Out.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.All(lines, l => Assert.True(l.Length <= 80, $"{l.Length} columns: {l}"));
        Assert.Single(lines, l => l.Contains("watching for", StringComparison.Ordinal) && l.Contains("vs no watch", StringComparison.Ordinal));
        // Each watched rule is one table row with its profit: nothing wrapped.
        Assert.Single(lines, l => l.Contains("│ 4cp ", StringComparison.Ordinal) && l.Contains('$'));
        // Under it, each run billed by each rule, charge and avoided charge on one line, never "-$0".
        var bills = lines.Where(l => l.StartsWith("  4cp: ", StringComparison.Ordinal) && l.Contains(" MW at ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, bills.Count);
        Assert.All(bills, b => Assert.Matches(@"MW at \d+ peaks \(\d+ hit\), charge \$[\d,]+, avoided \$[\d,]+$", b));
        Assert.DoesNotContain("-$0 ", r.Out.Replace("\n", " ", StringComparison.Ordinal) + " ");
    }

    [Fact]
    public async Task ComparingRulesBacktestsEachAndBillsEveryRunUnderEveryRule()
    {
        var r = await CliRunner.Run("simulate", "--peak-rule", "4cp", "--peak-rule", "multi-peak:3:month", "--from", "2023-07-01", "--to", "2023-09-01", "--json");
        Assert.True(r.ExitCode == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var runs = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(["4cp", MultiPeak], runs.Select(x => x.GetProperty("rule").GetString()));

        var single = await CliRunner.Run("simulate", "--peak-rule", "multi-peak:3:month", "--from", "2023-07-01", "--to", "2023-09-01", "--json");
        Assert.True(single.ExitCode == 0, single.Err);
        using var one = JsonDocument.Parse(single.Out);
        var f = one.RootElement.GetProperty("four_cp");
        Assert.Equal(MultiPeak, f.GetProperty("rule").GetString());
        var full = f.GetProperty("full_site_mw").GetDouble();
        var rate = f.GetProperty("rate_usd_per_kw_year").GetDouble();

        foreach (var run in runs)
        {
            var charges = run.GetProperty("charges").EnumerateArray().ToList();
            Assert.Equal(["4cp", MultiPeak], charges.Select(c => c.GetProperty("billed_by").GetString()));
            // Two 4CP months in the window; three billing days in each for the multi-peak rule.
            Assert.Equal([2, 6], charges.Select(c => c.GetProperty("peaks").GetInt32()));
            foreach (var c in charges)
            {
                var demand = c.GetProperty("site_demand_mw").GetDouble();
                Assert.Equal(demand * 1000 * rate, c.GetProperty("charge_usd").GetDouble(), 6);
                Assert.Equal((full - demand) * 1000 * rate, c.GetProperty("avoided_usd").GetDouble(), 6);
            }
        }
        // The single run is the comparison's multi-peak run: same backtest, same bill.
        Assert.Equal(f.GetProperty("site_four_cp_mw").GetDouble(), runs[1].GetProperty("own").GetProperty("site_demand_mw").GetDouble(), 9);
        Assert.Equal(f.GetProperty("curtailed_hours").GetDouble(), runs[1].GetProperty("curtailed_hours").GetDouble(), 9);
        // Watching for three peaks a month flags more hours than watching for one.
        Assert.True(runs[1].GetProperty("curtailed_hours").GetDouble() > runs[0].GetProperty("curtailed_hours").GetDouble(), r.Out);

        // The billing hours are the three highest daily peaks of July and of August 2023 in ERCOT's native load.
        var load = Ercot.Load.NativeLoadReader.Read(Path.Combine(CliRunner.DataDir, "ercot", "native_load_hourly_2021_2023.csv.gz")).Series.ToPriceSeries();
        var expected = new[] { 7, 8 }.SelectMany(m => Enumerable.Range(0, load.Count)
                .Select(i => (Start: new DateTimeOffset(load.StartTicks[i], TimeSpan.Zero), Mw: load.Prices[i]))
                .Where(x => CentralPrevailingTime.ToLocal(x.Start) is var l && l.Year == 2023 && l.Month == m)
                .GroupBy(x => CentralPrevailingTime.LocalDate(x.Start))
                .Select(g => g.OrderByDescending(x => x.Mw).First())
                .OrderByDescending(x => x.Mw).Take(3).OrderBy(x => x.Start))
            .Select(x => x.Start).ToList();
        Assert.Equal(expected, f.GetProperty("peaks").EnumerateArray().Select(p => p.GetProperty("peak_hour_start_utc").GetDateTimeOffset()));
    }

    [Fact]
    public async Task ABadPeakRuleIsRefusedNamingTheOption()
    {
        var r = await CliRunner.Run("simulate", "--peak-rule", "multi-peak:3:week", "--from", "2023-07-01", "--to", "2023-07-02");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--peak-rule", r.Err);
        Assert.Contains("must be month or season, got 'week'", r.Err);
    }
}
