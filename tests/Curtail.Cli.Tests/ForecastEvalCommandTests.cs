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
        // No SCED LMPs in 2023: the default cadence (auto) is 15 minutes only.
        var cadence = Assert.Single(j.GetProperty("cadences").EnumerateArray());
        Assert.Equal("15m", cadence.GetProperty("cadence").GetString());
        var policies = cadence.GetProperty("policies").EnumerateArray().Select(p => p.GetProperty("policy").GetString()!).ToList();
        Assert.Contains("forecast", policies);
        Assert.Contains("forecast planner", policies);
        Assert.Contains("reactive 62/55", policies);
        Assert.Contains(policies, p => p.EndsWith("(tuned)", StringComparison.Ordinal));
        var tuned = j.GetProperty("tuned_reactive");
        Assert.Equal("2022-09-01", tuned.GetProperty("tuned_to").GetString());
        Assert.True(tuned.GetProperty("rules_tried").GetInt32() > 100);
        var gated = j.GetProperty("forecast_policy");
        Assert.Equal("forecast-gated", gated.GetProperty("kind").GetString());
        Assert.Equal("2022-09-01", gated.GetProperty("trigger_tuned_to").GetString());
        foreach (var g in cadence.GetProperty("gains").EnumerateArray())
        {
            Assert.Equal(2, g.GetProperty("months").GetInt32());
            // Two months resample into a bracket that is no confidence interval, and the report says so.
            Assert.Equal("not a confidence interval: 2 months to resample, at least 6 needed", g.GetProperty("warning").GetString());
            Assert.True(g.GetProperty("low").GetDouble() <= g.GetProperty("gain").GetDouble() + 1e-12);
            Assert.True(g.GetProperty("gain").GetDouble() <= g.GetProperty("high").GetDouble() + 1e-12);
        }
        // The gain over 62/55 is the two captures' difference, and the summary repeats the table's captures.
        double Capture(string name) => cadence.GetProperty("policies").EnumerateArray().Single(p => p.GetProperty("policy").GetString() == name).GetProperty("capture_ratio").GetDouble();
        var vs6255 = cadence.GetProperty("gains").EnumerateArray().Single(g => g.GetProperty("comparison").GetString() == "forecast − 62/55");
        Assert.Equal(Capture("forecast") - Capture("reactive 62/55"), vs6255.GetProperty("gain").GetDouble(), 9);
        var summary = Assert.Single(j.GetProperty("summary").EnumerateArray());
        Assert.Equal(Capture("forecast"), summary.GetProperty("forecast").GetDouble(), 12);
        Assert.Equal(Capture("reactive 62/55"), summary.GetProperty("reactive_62_55").GetDouble(), 12);
        Assert.Equal(JsonValueKind.Null, j.GetProperty("sced_minus_15m").ValueKind);
        // The project's CLI and API JSON is snake_case throughout.
        Assert.DoesNotContain(Keys(j), k => k.Any(char.IsUpper));
    }

    [Fact]
    public async Task OnAnEightyColumnTerminalEachPolicyIsOneRowAndTheIntervalsAreLinesOfTheirOwn()
    {
        CliResult r;
        using (Commands.Terminal.AsTerminal(80))
            r = await CliRunner.Run("forecast-eval", "--model", RepoModel, "--from", "2023-08-01", "--to", "2023-09-01",
                "--tune-from", "2022-07-01", "--tune-to", "2022-09-01", "--resamples", "200");
        Assert.True(r.ExitCode == 0, r.Err);
        var lines = r.Out.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.All(lines, l => Assert.True(l.Length <= 80, $"{l.Length} columns: {l}"));
        Assert.Single(lines, l => l.Contains("│ forecast planner ", StringComparison.Ordinal) && l.Contains('%') && l.Contains('$'));
        Assert.Single(lines, l => l.Contains("│ reactive 62/55 ", StringComparison.Ordinal) && l.Contains('%') && l.Contains('$'));
        Assert.Contains(lines, l => l.StartsWith("15m forecast − tuned: ", StringComparison.Ordinal) && l.Contains('['));
    }

    private static IEnumerable<string> Keys(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().SelectMany(p => Keys(p.Value).Prepend(p.Name)),
        JsonValueKind.Array => e.EnumerateArray().SelectMany(Keys),
        _ => [],
    };

    [Fact]
    public async Task BothCadencesReportTheFiveNumbersAndTheGainOfScedOverFifteenMinutes()
    {
        var model = Path.Combine(Path.GetDirectoryName(CliRunner.DataDir)!, "models", "hb_west_2021_2023");
        var r = await CliRunner.Run("forecast-eval", "--model", model, "--from", "2024-08-01", "--to", "2024-09-01",
            "--tune-from", "2023-06-01", "--tune-to", "2023-09-01", "--resamples", "200", "--cadence", "both", "--json");
        Assert.True(r.ExitCode == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var j = doc.RootElement;
        var summary = j.GetProperty("summary").EnumerateArray().ToList();
        Assert.Equal(["15m", "sced"], summary.Select(s => s.GetProperty("cadence").GetString()));
        foreach (var s in summary)
        {
            foreach (var field in new[] { "forecast", "forecast_planner", "tuned_reactive", "reactive_62_55" })
                Assert.InRange(s.GetProperty(field).GetDouble(), -5, 1.0000001);
            foreach (var gain in new[] { "forecast_minus_tuned", "forecast_minus_62_55" })
                Assert.True(s.GetProperty(gain).GetProperty("low").GetDouble() <= s.GetProperty(gain).GetProperty("high").GetDouble());
        }
        var sced = j.GetProperty("cadences").EnumerateArray().Single(c => c.GetProperty("cadence").GetString() == "sced");
        Assert.Contains(sced.GetProperty("policies").EnumerateArray(), p => p.GetProperty("policy").GetString()!.Contains("SCED confirm 2", StringComparison.Ordinal));
        Assert.Equal(summary[1].GetProperty("forecast").GetDouble() - summary[0].GetProperty("forecast").GetDouble(),
            j.GetProperty("sced_minus_15m").GetProperty("gain").GetDouble(), 2);
        // SCED windows: on the SCED clock only, beside the tuned rule on the same windows and the trigger alone; the
        // primary gain is the capture difference of the two rows (one cadence, one oracle).
        Assert.Equal(JsonValueKind.Null, summary[0].GetProperty("forecast_sced_windows").ValueKind);
        var policies = sced.GetProperty("policies").EnumerateArray().ToDictionary(p => p.GetProperty("policy").GetString()!, p => p.GetProperty("capture_ratio").GetDouble());
        var windows = policies["forecast (SCED windows)"];
        Assert.Equal(windows, summary[1].GetProperty("forecast_sced_windows").GetDouble(), 9);
        Assert.Contains("forecast trigger alone (SCED windows)", policies.Keys);
        Assert.Contains("forecast (SCED runs, window forecast)", policies.Keys);
        var tunedOnWindows = policies.Single(p => p.Key.EndsWith("(tuned, SCED windows)", StringComparison.Ordinal)).Value;
        Assert.Equal(windows - tunedOnWindows, summary[1].GetProperty("forecast_sced_windows_minus_tuned_on_windows").GetProperty("gain").GetDouble(), 6);
        Assert.Equal(windows - summary[0].GetProperty("forecast").GetDouble(), j.GetProperty("sced_windows_minus_15m").GetProperty("gain").GetDouble(), 2);
    }

    [Theory]
    [InlineData("--cadence", "1h", "--cadence")]
    [InlineData("--tune-to", "2023-09-01", "--tune-to")]
    [InlineData("--cadence", "sced", "SCED LMPs over the whole window")]
    [InlineData("--veto-below", "1.5", "--veto-below")]
    public async Task BadInputIsRefusedWithExitCode2NamingTheOption(string option, string value, string named)
    {
        var r = await CliRunner.Run("forecast-eval", "--model", RepoModel, "--from", "2023-08-01", "--to", "2023-09-01", option, value);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(named, r.Err);
    }
}
