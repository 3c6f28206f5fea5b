using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace Curtail.Cli;

/// <summary>
/// Turns System.CommandLine's parse errors into messages that name the option and say what it wants in plain words
/// (<c>--miners: 'abc' is not a whole number</c>) instead of a .NET type name.
/// </summary>
internal static partial class ParseErrors
{
    public static string Describe(ParseError error)
    {
        var option = error.SymbolResult switch
        {
            OptionResult o => o.Option,
            ArgumentResult { Parent: OptionResult o } => o.Option,
            _ => null,
        };
        var conversion = CannotParse().Match(error.Message);
        if (conversion.Success)
        {
            var name = option?.Name ?? conversion.Groups["symbol"].Value;
            return $"{name}: '{conversion.Groups["value"].Value}' is not {Expected(conversion.Groups["type"].Value)}";
        }
        if (option is null || error.Message.Contains(option.Name, StringComparison.Ordinal)) return error.Message;
        return $"{option.Name}: {error.Message}";
    }

    private static string Expected(string typeName) => typeName switch
    {
        "System.Int32" or "System.Int64" or "System.Int16" or "System.UInt16" or "System.UInt32" or "System.Byte" => "a whole number",
        "System.Double" or "System.Single" or "System.Decimal" => "a number",
        "System.Boolean" => "true or false",
        "System.TimeSpan" => "a duration (hh:mm:ss)",
        "System.DateTime" or "System.DateTimeOffset" => "a date and time (ISO 8601)",
        _ when typeName.StartsWith("System.Nullable`1[", StringComparison.Ordinal) => Expected(typeName[18..^1].Split(',')[0]),
        _ => $"a valid value ({typeName.Split('.')[^1]})",
    };

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for (?:option|command|argument) '(?<symbol>[^']*)' as expected type '(?<type>[^']*)'")]
    private static partial Regex CannotParse();

    /// <summary>
    /// System.CommandLine's help already shows "[default: X]" for options that have one; a description that also says
    /// "(default X)" would state it twice, so the plain form is dropped from descriptions here, once, for every verb.
    /// </summary>
    public static void DropRepeatedDefaults(Command command)
    {
        foreach (var option in command.Options)
            if (option.HasDefaultValue && option.Description is { } d)
                option.Description = RepeatedDefault().Replace(d, "");
        foreach (var sub in command.Subcommands) DropRepeatedDefaults(sub);
    }

    [GeneratedRegex(@"\s*\(default [^():]*\)")]
    private static partial Regex RepeatedDefault();
}
