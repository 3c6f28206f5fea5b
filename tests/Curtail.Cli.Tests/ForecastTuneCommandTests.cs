using System.Text.Json;

namespace Curtail.Cli.Tests;

/// <summary>`forecast-tune`: the nested validation of the gated rule reads nothing after each fold's validation window.</summary>
public class ForecastTuneCommandTests
{
    private static string RepoModel(string name) => Path.Combine(Path.GetDirectoryName(CliRunner.DataDir)!, "models", name);

    [Fact]
    public async Task EachFoldIsScoredAfterItsTrainingDataAndForecastsNothingPastItsWindow()
    {
        var r = await CliRunner.Run("forecast-tune", "--model", RepoModel("hb_west_2021_2022"), "--before", "2024-01-01", "--validation-days", "14", "--top", "3", "--json");
        Assert.True(r.ExitCode == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var j = doc.RootElement;
        var fold = Assert.Single(j.GetProperty("folds").EnumerateArray());
        Assert.Equal("2023-01-01", fold.GetProperty("validation_from").GetString());
        Assert.Equal("2023-01-15", fold.GetProperty("validation_to").GetString());
        // The last forecast is for the window's last interval, before 2023-01-15 00:00 CPT (06:00Z).
        var latest = fold.GetProperty("latest_forecast_at").GetDateTimeOffset();
        Assert.True(latest < new DateTimeOffset(2023, 1, 15, 6, 0, 0, TimeSpan.Zero), latest.ToString("u"));
        Assert.True(latest >= new DateTimeOffset(2023, 1, 15, 5, 0, 0, TimeSpan.Zero), latest.ToString("u"));
        Assert.True(fold.GetProperty("trigger").GetProperty("rules_tried").GetInt32() > 100);
        var best = j.GetProperty("best").EnumerateArray().ToList();
        Assert.Equal(3, best.Count);
        Assert.True(best[0].GetProperty("profit_usd").GetDouble() >= best[1].GetProperty("profit_usd").GetDouble());
        Assert.True(j.GetProperty("settings_tried").GetInt32() > 500);
    }

    [Fact]
    public async Task AFoldThatWouldReachTheHeldOutYearIsRefused()
    {
        var r = await CliRunner.Run("forecast-tune", "--model", RepoModel("hb_west_2021_2023"), "--before", "2024-01-01");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--model", r.Err);
        Assert.Contains("past --before 2024-01-01", r.Err);
    }
}
