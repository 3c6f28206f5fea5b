using Curtail.Ercot.Api;

namespace Curtail.Cli.Tests;

/// <summary>`curtail prices status`: each feed of the store on one line at 80 columns, stale feeds flagged with exit 1.</summary>
public sealed class PricesStatusCommandTests
{
    [Fact]
    public async Task EachFeedIsOneLineAtEightyColumnsAndAStaleFeedFailsTheCommand()
    {
        var path = Path.Combine(CliRunner.TempDir(), "prices.db");
        var t = new DateTimeOffset(2024, 5, 8, 22, 0, 0, TimeSpan.Zero);
        using (var store = new SqlitePriceStore(path))
        {
            store.Upsert("NP6-905-CD", Enumerable.Range(0, 8).Select(i => new ApiPrice("HB_WEST", t.AddMinutes(15 * (i - 8)), t.AddMinutes(15 * (i - 7)), 40 + i)), t);
            store.Upsert("NP6-788-CD", Enumerable.Range(0, 12).Select(i => new ApiPrice("HB_WEST", t.AddMinutes(5 * (i - 12)), t.AddMinutes(5 * (i - 11)), 45 + i)), t);
        }

        CliResult current, late;
        using (Commands.Terminal.AsTerminal(80))
        {
            current = await CliRunner.Run("prices", "status", "--store", path, "--at", "2024-05-08T22:10:00Z");
            late = await CliRunner.Run("prices", "status", "--store", path, "--at", "2024-05-09T02:00:00Z");
        }
        Assert.True(current.ExitCode == 0, current.Out + current.Err);
        var lines = current.Out.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.All(lines, l => Assert.True(l.Length <= 80, $"{l.Length} columns: {l}"));
        var rt = Assert.Single(lines, l => l.Contains("NP6-905-CD", StringComparison.Ordinal));
        Assert.Contains("HB_WEST", rt);
        Assert.Contains("2024-05-08 22:00", rt);
        Assert.Contains("current", rt);
        Assert.Single(lines, l => l.Contains("NP6-788-CD", StringComparison.Ordinal) && l.Contains("current", StringComparison.Ordinal));
        Assert.Equal(1, late.ExitCode);
        Assert.Equal(2, late.Out.Split('\n').Count(l => l.Contains("STALE", StringComparison.Ordinal)));
    }
}
