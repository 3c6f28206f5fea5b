using System.CommandLine;
using System.Globalization;
using Curtail.Core;
using Curtail.Simulation.Setup;

namespace Curtail.Cli.Commands;

/// <summary>The options `simulate` and `sweep` share: which site, which prices, which window.</summary>
internal sealed class BacktestOptions
{
    public Option<string?> Site { get; } = new("--site") { Description = "Site file (YAML). Default: the shipped default site." };
    public Option<string[]> Prices { get; } = new("--prices")
    {
        Description = "Price files or folders (ERCOT NP6-905-CD/NP6-785-ER or tidy CSV, gzip or plain). Default: the shipped ERCOT data.",
        AllowMultipleArgumentsPerToken = true,
    };
    public Option<string?> From { get; } = new("--from") { Description = "First Central Prevailing Time date (YYYY-MM-DD). Default with shipped data: 2023-01-01." };
    public Option<string?> To { get; } = new("--to") { Description = "Last CPT date, exclusive (YYYY-MM-DD). Default with shipped data: 2024-01-01." };
    public Option<bool> SkipBadRows { get; } = new("--skip-bad-rows") { Description = "Drop price rows that cannot be trusted instead of refusing the file; says how many." };
    public Option<bool> Json { get; } = new("--json") { Description = "Print one JSON object instead of a table." };
    public Option<string?> Out { get; } = new("--out") { Description = "Folder to write the HTML report (and CSV) into." };
    public Option<string[]> Sced { get; } = new("--sced")
    {
        Description = "Decide every 5 minutes on SCED LMPs (ERCOT NP6-788-CD or tidy SCED files or folders), settling each 15-minute interval at its SPP. " +
                      "Alone or as `--sced shipped`: the shipped 2024 SCED data.",
        Arity = ArgumentArity.ZeroOrMore,
        AllowMultipleArgumentsPerToken = true,
    };
    public Option<string[]> Dam { get; } = new("--dam")
    {
        Description = "Day-ahead price files (tidy, NP4-190-CD or NP4-180-ER) for the forecast policy and the 4CP watch instead of the shipped ones; must cover the window.",
        AllowMultipleArgumentsPerToken = true,
    };
    public Option<string[]> Load { get; } = new("--load")
    {
        Description = "ERCOT native load files (tidy native_load_hourly layout) for the forecast policy and the 4CP watch instead of the shipped ones; must cover the window.",
        AllowMultipleArgumentsPerToken = true,
    };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Site, Prices, From, To, SkipBadRows, Json, Out, Sced, Dam, Load }) command.Options.Add(o);
    }

    public BacktestRequest Request(ParseResult p) => new(
        p.GetValue(Site), p.GetValue(Prices), Date(p.GetValue(From), "--from"), Date(p.GetValue(To), "--to"), p.GetValue(SkipBadRows))
    {
        ScedFiles = p.GetResult(Sced) is null ? null : p.GetValue(Sced) ?? [],
        DayAheadFiles = Files(p, Dam),
        LoadFiles = Files(p, Load),
    };

    private static string[]? Files(ParseResult p, Option<string[]> option)
    {
        if (p.GetResult(option) is null) return null;
        var files = p.GetValue(option);
        return files is { Length: > 0 } ? files : throw new InvalidInputException(option.Name, null, "give at least one file");
    }

    private static DateOnly? Date(string? text, string option)
    {
        if (text is null) return null;
        return DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? d
            : throw new InvalidInputException(option, null, $"'{text}' is not a date (YYYY-MM-DD)");
    }
}
