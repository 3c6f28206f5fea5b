using System.CommandLine;

namespace Curtail.Cli.Tests;

/// <summary>Every bad value on the command line exits 2 and names its option in plain words.</summary>
public class ParseErrorTests
{
    [Theory]
    [InlineData(new[] { "demo", "--miners", "abc" }, "error: --miners: 'abc' is not a whole number")]
    [InlineData(new[] { "demo", "--speed", "fast" }, "error: --speed: 'fast' is not a number")]
    [InlineData(new[] { "decisions", "--limit", "ten" }, "error: --limit: 'ten' is not a whole number")]
    [InlineData(new[] { "demo", "--start", "yesterday" }, "error: --start: 'yesterday' is not a time")]
    [InlineData(new[] { "sweep", "--param", "policy.confirm_intervals=-1:3:1" }, "error: --param: policy.confirm_intervals must be between 1 and 96")]
    [InlineData(new[] { "sweep", "--param", "policy.curtail_above_usd_per_mwh=80:90:10", "--plateau", "-1" }, "error: --plateau: must be between 0 and 100")]
    public async Task BadValuesExitTwoNamingTheOption(string[] args, string message)
    {
        var r = await CliRunner.Run(args);
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith(message, r.Err);
        Assert.DoesNotContain("System.", r.Err);
    }

    [Fact]
    public void HelpStatesEachDefaultOnce()
    {
        var withDefaults = 0;
        foreach (var option in Options(CurtailApp.BuildRoot()).Where(o => o.HasDefaultValue))
        {
            withDefaults++;
            Assert.DoesNotMatch(@"\(default [^():]*\)", option.Description ?? "");
        }
        Assert.True(withDefaults > 10);
        // The help itself: the default appears once, from System.CommandLine.
        var help = new StringWriter();
        CurtailApp.BuildRoot().Parse(["decisions", "--help"]).Invoke(new InvocationConfiguration { Output = help });
        var limit = help.ToString().Split('\n').Single(l => l.Contains("--limit", StringComparison.Ordinal));
        Assert.Contains("[default: 20]", limit);
        Assert.DoesNotContain("(default 20)", limit);
    }

    [Fact]
    public async Task BadRowHintsNameTheFlagAsTyped()
    {
        var dir = CliRunner.TempDir();
        var file = Path.Combine(dir, "bad.csv");
        File.WriteAllText(file, "interval_start_utc,interval_start_local,settlement_point,spp\n2023-08-01T05:00Z,local,HB_WEST,oops\n");
        var r = await CliRunner.Run("simulate", "--prices", file, "--from", "2023-08-01", "--to", "2023-08-02");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("read it with --skip-bad-rows", r.Err);
    }

    private static IEnumerable<Option> Options(Command c) => c.Options.Concat(c.Subcommands.SelectMany(Options));
}
