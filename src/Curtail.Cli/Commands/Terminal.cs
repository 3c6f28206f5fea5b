using Spectre.Console;

namespace Curtail.Cli.Commands;

/// <summary>Spectre console on the command's own output, so tests can capture tables; progress only on a real terminal.</summary>
internal static class Terminal
{
    /// <summary>The narrowest terminal every table and line is laid out for.</summary>
    public const int NarrowWidth = 80;

    private static readonly AsyncLocal<int?> WidthOverride = new();
    private static readonly AsyncLocal<bool> TerminalOverride = new();

    /// <summary>Lays out this flow's output as on a terminal of <paramref name="columns"/> columns (tests of narrow layouts).</summary>
    public static IDisposable AsTerminal(int columns)
    {
        WidthOverride.Value = columns;
        TerminalOverride.Value = true;
        return new Reset();
    }

    private sealed class Reset : IDisposable
    {
        public void Dispose()
        {
            WidthOverride.Value = null;
            TerminalOverride.Value = false;
        }
    }

    public static IAnsiConsole On(TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Interactive = InteractionSupport.No,
            Ansi = IsRealTerminal(output) ? AnsiSupport.Detect : AnsiSupport.No,
        });
        // Redirected output has no width; tables must not wrap numbers mid-figure in logs and pipes.
        if (WidthOverride.Value is { } w) console.Profile.Width = w;
        else if (!IsRealTerminal(output)) console.Profile.Width = 160;
        return console;
    }

    /// <summary>Output a person reads (a terminal): tables and progress rather than JSON.</summary>
    public static bool IsInteractive(TextWriter output) => TerminalOverride.Value || IsRealTerminal(output);

    /// <summary>
    /// A step of a long command ("tuning on 2021..2023…") as a grey line on the real console, so minutes of work are not
    /// silent; nothing for JSON or captured output, which scripts read.
    /// </summary>
    public static Action<string> Steps(TextWriter output, bool json) =>
        !json && ShowsProgress(output) ? step => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(step)}[/]") : _ => { };

    /// <summary>Live progress bars only on the real console: they redraw in place, which a captured writer cannot.</summary>
    public static bool ShowsProgress(TextWriter output) => IsRealTerminal(output);

    private static bool IsRealTerminal(TextWriter output) => ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;

    /// <summary>Dollars for a narrow column: whole dollars up to $1M, then $35.73M (a site-year's revenue fits 9 characters).</summary>
    public static string UsdCompact(double v) => Math.Abs(v) < 1e6 ? Usd(v)
        : (v < 0 ? "-$" : "$") + (Math.Abs(v) / 1e6).ToString(Math.Abs(v) < 1e9 ? "0.00" : "N0", System.Globalization.CultureInfo.InvariantCulture) + "M";

    /// <summary>Text cut to a column's width, with an ellipsis where it was cut (JSON output keeps it whole).</summary>
    public static string Clip(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "…";

    /// <summary>Whole dollars; a loss that rounds to nothing is $0, not -$0.</summary>
    public static string Usd(double v)
    {
        var dollars = Math.Round(v, MidpointRounding.AwayFromZero); // as "N0" rounds, so figures read as before
        return (dollars < 0 ? "-$" : "$") + Math.Abs(dollars).ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
    }
}
