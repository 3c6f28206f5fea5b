using Spectre.Console;

namespace Curtail.Cli.Commands;

/// <summary>Spectre console on the command's own output, so tests can capture tables; progress only on a real terminal.</summary>
internal static class Terminal
{
    public static IAnsiConsole On(TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Interactive = InteractionSupport.No,
            Ansi = IsInteractive(output) ? AnsiSupport.Detect : AnsiSupport.No,
        });
        // Redirected output has no width; tables must not wrap numbers mid-figure in logs and pipes.
        if (!IsInteractive(output)) console.Profile.Width = 160;
        return console;
    }

    public static bool IsInteractive(TextWriter output) => ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;

    public static string Usd(double v) => (v < 0 ? "-$" : "$") + Math.Abs(v).ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
}
