using System.Text.Json;

namespace Curtail.Cli.Tests;

public class SweepCommandTests
{
    [Fact]
    public async Task OneParameterSweepFindsTheMostProfitableStrike()
    {
        var dir = CliRunner.TempDir();
        var r = await CliRunner.Run("sweep", "--param", "policy.curtail_above_usd_per_mwh=40:200:20", "--from", "2023-07-01", "--to", "2023-10-01", "--json", "--out", dir);
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        var results = doc.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(9, results.Count);
        Assert.Equal([40.0, 60, 80, 100, 120, 140, 160, 180, 200], results.Select(x => x.GetProperty("policy.curtail_above_usd_per_mwh").GetDouble()));
        var best = doc.RootElement.GetProperty("best");
        Assert.Equal(results.Max(x => x.GetProperty("profit_usd").GetDouble()), best.GetProperty("profit_usd").GetDouble());
        Assert.True(best.TryGetProperty("capture_ratio", out _));
        // Each grid point is the simulate result at that strike.
        var strike = best.GetProperty("policy.curtail_above_usd_per_mwh").GetDouble();
        var single = await CliRunner.Run("simulate", "--from", "2023-07-01", "--to", "2023-10-01", "--json", "--site", WithStrike(dir, strike));
        using var one = JsonDocument.Parse(single.Out);
        Assert.Equal(one.RootElement.GetProperty("profit_usd").GetDouble(), best.GetProperty("profit_usd").GetDouble(), 6);
        var html = File.ReadAllText(Path.Combine(dir, "sweep.html"));
        Assert.Contains("Profit by policy.curtail_above_usd_per_mwh", html);
    }

    [Fact]
    public async Task TwoParameterSweepDrawsAHeatMap()
    {
        var dir = CliRunner.TempDir();
        var r = await CliRunner.Run("sweep", "--param", "policy.curtail_above_usd_per_mwh=60:120:30", "--param", "constraints.min_off_minutes=0:30:15",
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
    public async Task BadParametersExitWithTwo(string param, string message)
    {
        var r = await CliRunner.Run("sweep", "--param", param);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Err);
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
