using System.Text.Json;

namespace Curtail.Cli.Tests;

/// <summary>`forecast-eval`: the held-out comparison with the tuned reactive rule, and the inputs it refuses.</summary>
public class ForecastEvalCommandTests
{
    private static string RepoModel => Path.Combine(Path.GetDirectoryName(CliRunner.DataDir)!, "models", "hb_west_2021_2022");

    [Fact]
    public async Task ReportsTheForecastTheTunedReactiveRuleAnd6255WithBootstrapIntervals()
    {
        var r = await CliRunner.Run("forecast-eval", "--model", RepoModel, "--from", "2023-08-01", "--to", "2023-10-01",
            "--tune-from", "2022-06-01", "--tune-to", "2022-09-01", "--resamples", "500", "--json");
        Assert.True(r.ExitCode == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var j = doc.RootElement;
        var policies = j.GetProperty("policies").EnumerateArray().Select(p => p.GetProperty("policy").GetString()!).ToList();
        Assert.Contains("forecast", policies);
        Assert.Contains("reactive 62/55", policies);
        Assert.Contains(policies, p => p.EndsWith("(tuned)", StringComparison.Ordinal));
        var tuned = j.GetProperty("tunedReactive");
        Assert.Equal("2022-09-01", tuned.GetProperty("tunedTo").GetString());
        Assert.True(tuned.GetProperty("rulesTried").GetInt32() > 100);
        foreach (var g in j.GetProperty("gains").EnumerateArray())
        {
            Assert.Equal(2, g.GetProperty("months").GetInt32());
            Assert.True(g.GetProperty("low").GetDouble() <= g.GetProperty("gain").GetDouble() + 1e-12);
            Assert.True(g.GetProperty("gain").GetDouble() <= g.GetProperty("high").GetDouble() + 1e-12);
        }
        // The gain over 62/55 is the two captures' difference.
        double Capture(string name) => j.GetProperty("policies").EnumerateArray().Single(p => p.GetProperty("policy").GetString() == name).GetProperty("captureRatio").GetDouble();
        var vs6255 = j.GetProperty("gains").EnumerateArray().Single(g => g.GetProperty("comparison").GetString() == "forecast − 62/55");
        Assert.Equal(Capture("forecast") - Capture("reactive 62/55"), vs6255.GetProperty("gain").GetDouble(), 9);
    }

    [Theory]
    [InlineData("--cadence", "1h", "--cadence")]
    [InlineData("--tune-to", "2023-09-01", "--tune-to")]
    [InlineData("--cadence", "sced", "SCED LMPs over the whole window")]
    public async Task BadInputIsRefusedWithExitCode2NamingTheOption(string option, string value, string named)
    {
        var r = await CliRunner.Run("forecast-eval", "--model", RepoModel, "--from", "2023-08-01", "--to", "2023-09-01", option, value);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(named, r.Err);
    }
}
