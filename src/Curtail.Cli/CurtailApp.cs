using System.CommandLine;
using Curtail.Core;

namespace Curtail.Cli;

public static class CurtailApp
{
    public const int ExitOk = 0;
    public const int ExitFailure = 1;
    public const int ExitBadInput = 2;

    /// <summary>The command ran and listed everything, but some items (miners) failed: each is named in the output.</summary>
    public const int ExitPartial = 3;

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("Curtail: grid-aware load curtailment for Bitcoin mining sites in ERCOT");
        var verbs = typeof(CurtailApp).Assembly.GetTypes()
            .Where(t => typeof(ICliCommand).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Select(t => (ICliCommand)Activator.CreateInstance(t)!)
            .Select(v => (Verb: v, Command: v.Build()))
            .OrderBy(v => v.Command.Name, StringComparer.Ordinal);
        var groups = new Dictionary<string, Command>(StringComparer.Ordinal);
        var topLevel = new List<Command>();
        foreach (var (verb, command) in verbs)
        {
            if (verb.Parent is null)
            {
                topLevel.Add(command);
                continue;
            }
            if (!groups.TryGetValue(verb.Parent, out var group))
            {
                group = new Command(verb.Parent, verb.Parent);
                groups[verb.Parent] = group;
                topLevel.Add(group);
            }
            // Any verb of a group may describe it; the first that does wins.
            if (group.Description == group.Name && verb.ParentDescription is { } description) group.Description = description;
            group.Subcommands.Add(command);
        }
        foreach (var command in topLevel.OrderBy(c => c.Name, StringComparer.Ordinal)) root.Subcommands.Add(command);
        ParseErrors.DropRepeatedDefaults(root);
        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var root = BuildRoot();
        var parse = root.Parse(args);
        var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
        if (stdout is not null) config.Output = stdout;
        if (stderr is not null) config.Error = stderr;
        var err = stderr ?? Console.Error;
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors) err.WriteLine($"error: {ParseErrors.Describe(e)}");
            return ExitBadInput;
        }
        try
        {
            return await parse.InvokeAsync(config);
        }
        catch (InvalidInputException ex)
        {
            err.WriteLine($"error: {ex.Message}");
            return ExitBadInput;
        }
        catch (OperationCanceledException)
        {
            err.WriteLine("cancelled");
            return ExitFailure;
        }
        catch (Exception ex)
        {
            err.WriteLine($"failed: {ex.Message}");
            return ExitFailure;
        }
    }
}
