using System.Text.Json;

namespace Curtail.Cli.Tests;

public class SweepCommandTests
{
    [Fact]
    public async Task OneParameterSweepFindsTheMostProfitableStrike()
    {
        var dir = CliRunner.TempDir();
        var r = await CliRunner.Run("sweep", "--param", "policy.curtail_above_usd_per_mwh=40:200:20", "--couple", "resume=curtail-20",
            "--from", "2023-07-01", "--to", "2023-10-01", "--json", "--out", dir);
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        var results = doc.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(9, results.Count);
        Assert.Equal([40.0, 60, 80, 100, 120, 140, 160, 180, 200], results.Select(x => x.GetProperty("policy.curtail_above_usd_per_mwh").GetDouble()));
        var best = doc.RootElement.GetProperty("best");
        Assert.Equal(results.Max(x => x.GetProperty("profit_usd").GetDouble()), best.GetProperty("profit_usd").GetDouble());
        Assert.True(best.TryGetProperty("capture_ratio", out _));
        // The coupled resume strike is printed with every setting.
        Assert.Equal("resume=curtail-20", doc.RootElement.GetProperty("coupling").GetString());
        Assert.All(results, x => Assert.Equal(x.GetProperty("policy.curtail_above_usd_per_mwh").GetDouble() - 20, x.GetProperty("policy.resume_below_usd_per_mwh").GetDouble()));
        // Each grid point is the simulate result at that strike.
        var strike = best.GetProperty("policy.curtail_above_usd_per_mwh").GetDouble();
        var single = await CliRunner.Run("simulate", "--from", "2023-07-01", "--to", "2023-10-01", "--json", "--site", WithStrike(dir, strike));
        using var one = JsonDocument.Parse(single.Out);
        Assert.Equal(one.RootElement.GetProperty("profit_usd").GetDouble(), best.GetProperty("profit_usd").GetDouble(), 2);
        var html = File.ReadAllText(Path.Combine(dir, "sweep.html"));
        Assert.Contains("Profit by policy.curtail_above_usd_per_mwh", html);
    }

    [Fact]
    public async Task TwoParameterSweepDrawsAHeatMap()
    {
        var dir = CliRunner.TempDir();
        var r = await CliRunner.Run("sweep", "--param", "policy.curtail_above_usd_per_mwh=80:140:30", "--param", "constraints.min_off_minutes=0:30:15",
            "--from", "2023-08-01", "--to", "2023-08-15", "--out", dir);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("best:", r.Out);
        var html = File.ReadAllText(Path.Combine(dir, "sweep.html"));
        Assert.Contains("profit heat map", html);
        Assert.Equal(9, html.Split("<rect x=").Length - 1 - 11 - 1); // 9 cells, 11 legend swatches, 1 best marker
    }

    [Theory]
    [InlineData("policy.strike=1:2:1", "cannot be swept")]
    [InlineData("policy.curtail_above_usd_per_mwh=1:2", "KEY=FROM:TO:STEP")]
    [InlineData("policy.curtail_above_usd_per_mwh=5:2:1", "TO (2) is below FROM (5)")]
    [InlineData("policy.curtail_above_usd_per_mwh=1:2:0", "STEP must be positive")]
    [InlineData("policy.confirm_intervals=-1:3:1", "policy.confirm_intervals must be between 1 and 96 intervals, got -1:3")]
    [InlineData("policy.confirm_intervals=1:3:0.5", "whole numbers")]
    [InlineData("economics.pool_fee=0:1.5:0.5", "is a fraction in [0, 1)")]
    public async Task BadParametersExitWithTwo(string param, string message)
    {
        var r = await CliRunner.Run("sweep", "--param", param);
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("error: --param: ", r.Err);
        Assert.Contains(message, r.Err);
    }

    [Fact]
    public async Task ACurtailStrikeBelowTheSitesResumeStrikeIsRefusedNotSlid()
    {
        // The default site resumes below $70: strikes of 40 and 60 would invert the band, as simulate refuses.
        var r = await CliRunner.Run("sweep", "--param", "policy.curtail_above_usd_per_mwh=40:120:20", "--from", "2023-08-01", "--to", "2023-08-08");
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("error: --param: 2 of 5 settings have a resume strike above the curtail strike", r.Err);
        Assert.Contains("policy.curtail_above_usd_per_mwh=40 (resume 70 > curtail 40)", r.Err);
        Assert.Contains("--couple resume=curtail-20", r.Err);

        // Above the resume strike the sweep runs with the site's resume strike unchanged at every setting.
        var kept = await CliRunner.Run("sweep", "--param", "policy.curtail_above_usd_per_mwh=80:120:20", "--from", "2023-08-01", "--to", "2023-08-08", "--json");
        Assert.Equal(0, kept.ExitCode);
        using var doc = JsonDocument.Parse(kept.Out);
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("coupling").ValueKind);
        Assert.All(doc.RootElement.GetProperty("results").EnumerateArray(), x => Assert.False(x.TryGetProperty("policy.resume_below_usd_per_mwh", out _)));
    }

    [Theory]
    [InlineData("resume=curtail+20", "is not a coupling rule")]
    [InlineData("resume=curtail-", "is not a coupling rule")]
    public async Task BadCouplingRulesNameTheOption(string rule, string message)
    {
        var r = await CliRunner.Run("sweep", "--param", "policy.curtail_above_usd_per_mwh=80:120:20", "--couple", rule);
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("error: --couple: ", r.Err);
        Assert.Contains(message, r.Err);
        var notSwept = await CliRunner.Run("sweep", "--param", "policy.confirm_intervals=1:3:1", "--couple", "resume=curtail-20");
        Assert.Equal(2, notSwept.ExitCode);
        Assert.Contains("--couple: resume=curtail-20 couples the resume strike to policy.curtail_above_usd_per_mwh, which is not swept", notSwept.Err);
    }

    [Fact]
    public async Task TheBestIsReportedWithItsPlateau()
    {
        var r = await CliRunner.Run("sweep", "--param", "policy.curtail_above_usd_per_mwh=70:300:5", "--from", "2023-07-01", "--to", "2023-10-01", "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        var results = doc.RootElement.GetProperty("results").EnumerateArray().ToList();
        var best = doc.RootElement.GetProperty("best");
        var plateau = doc.RootElement.GetProperty("plateau");
        Assert.Equal(0.2, plateau.GetProperty("tolerance_capture_ratio_points").GetDouble());
        var room = best.GetProperty("oracle_profit_usd").GetDouble() - best.GetProperty("always_on_profit_usd").GetDouble();
        var tolerance = plateau.GetProperty("tolerance_usd").GetDouble();
        Assert.Equal(room * 0.002, tolerance, 0.01);
        var bestProfit = best.GetProperty("profit_usd").GetDouble();
        // The plateau is exactly the settings within the tolerance of the best, the best among them.
        var expected = results.Where(x => x.GetProperty("profit_usd").GetDouble() >= bestProfit - tolerance)
            .Select(x => x.GetProperty("policy.curtail_above_usd_per_mwh").GetDouble()).ToList();
        var settings = plateau.GetProperty("settings").EnumerateArray().Select(x => x.GetProperty("policy.curtail_above_usd_per_mwh").GetDouble()).ToList();
        Assert.Equal(expected, settings);
        Assert.Contains(best.GetProperty("policy.curtail_above_usd_per_mwh").GetDouble(), settings);
        var range = plateau.GetProperty("ranges")[0];
        Assert.Equal(settings.Min(), range.GetProperty("low").GetDouble());
        Assert.Equal(settings.Max(), range.GetProperty("high").GetDouble());

        // A wider tolerance takes in at least as many settings.
        var wide = await CliRunner.Run("sweep", "--param", "policy.curtail_above_usd_per_mwh=70:300:5", "--from", "2023-07-01", "--to", "2023-10-01", "--json", "--plateau", "2");
        using var wideDoc = JsonDocument.Parse(wide.Out);
        Assert.True(wideDoc.RootElement.GetProperty("plateau").GetProperty("settings").GetArrayLength() > settings.Count);
    }

    [Fact]
    public async Task TheTableFitsEightyColumnsWithTwoParametersAndACoupling()
    {
        CliResult r;
        using (Commands.Terminal.AsTerminal(80))
            r = await CliRunner.Run("sweep", "--param", "policy.curtail_above_usd_per_mwh=80:140:20", "--param", "constraints.min_off_minutes=0:30:15",
                "--couple", "resume=curtail-20", "--from", "2023-08-01", "--to", "2023-08-15");
        Assert.Equal(0, r.ExitCode);
        var lines = r.Out.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.All(lines, l => Assert.True(l.Length <= 80, $"{l.Length} columns: {l}"));
        // Every column title is whole, the coupled resume strike is a column, and the best line is on lines of its own.
        var header = lines.First(l => l.Contains("curtail", StringComparison.Ordinal) && l.Contains("profit", StringComparison.Ordinal));
        foreach (var title in new[] { "min off", "resume", "profit", "capture", "curt MWh", "uptime", "switches" }) Assert.Contains(title, header);
        Assert.Contains(lines, l => l.Contains("policy.resume_below_usd_per_mwh (coupled: resume=curtail-20)", StringComparison.Ordinal));
        var bestLine = lines.Single(l => l.StartsWith("best: ", StringComparison.Ordinal));
        Assert.Matches(@"^best: curtail \d+, min off \d+$", bestLine);
        Assert.Matches(@"^  profit -?\$[\d,]+, capture ratio [\d.]+%$", lines[lines.IndexOf(bestLine) + 1]);
        Assert.Contains(lines, l => l.StartsWith("plateau (~): ", StringComparison.Ordinal));
    }

    private static string WithStrike(string dir, double strike)
    {
        using var stream = typeof(Simulation.Setup.SiteFiles).Assembly.GetManifestResourceStream("Curtail.DefaultSite.yaml")!;
        var yaml = new StreamReader(stream).ReadToEnd()
            .Replace("curtail_above_usd_per_mwh: 90", $"curtail_above_usd_per_mwh: {strike}")
            .Replace("resume_below_usd_per_mwh: 70", $"resume_below_usd_per_mwh: {strike - 20}");
        var path = Path.Combine(dir, "site.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }
}
