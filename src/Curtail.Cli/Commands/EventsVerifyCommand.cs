using System.CommandLine;
using System.Text.Json;
using Curtail.Controller.Api;
using Curtail.Controller.Storage;
using Curtail.Core;

namespace Curtail.Cli.Commands;

/// <summary>
/// `curtail events verify --store sqlite:PATH|postgres:CONNECTION`: walks the SB 6 directives' hash chain in the
/// controller's store (read directly, not through the API: a record is checked where it is kept) and names the first
/// broken link. Exit 0 intact, 1 broken, 2 bad input.
/// </summary>
public sealed class EventsVerifyCommand : ICliCommand
{
    public string? Parent => "events";

    public Command Build()
    {
        var store = new Option<string>("--store")
        {
            Description = "The controller's store: sqlite:PATH (or a path to the SQLite file), or postgres:CONNECTION_STRING.", Required = true,
        };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON." };
        var c = new Command("verify", "Check the hash chain of SB 6 directive records; report the first broken entry.");
        c.Options.Add(store);
        c.Options.Add(json);
        c.SetAction(p =>
        {
            using var db = Open(p.GetValue(store)!);
            var result = db.VerifyDirectiveChain();
            var output = p.InvocationConfiguration.Output;
            if (p.GetValue(json)) output.WriteLine(JsonSerializer.Serialize(result, ControllerApi.JsonOut));
            else if (result.Intact)
                output.WriteLine(result.Entries == 0 ? "directive chain: no entries" : $"directive chain intact: {result.Entries} entries, head {result.HeadHash}");
            else output.WriteLine($"directive chain BROKEN at {result.Problem}");
            return result.Intact ? CurtailApp.ExitOk : CurtailApp.ExitFailure;
        });
        return c;
    }

    private static ControllerStore Open(string spec)
    {
        if (spec.StartsWith("postgres:", StringComparison.OrdinalIgnoreCase)) return ControllerStore.Postgres(spec["postgres:".Length..]);
        var path = spec.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase) ? spec["sqlite:".Length..] : spec;
        // Opening a store migrates it; a mistyped path must not create an empty store that verifies as "no entries".
        if (!File.Exists(path)) throw new InvalidInputException("--store", null, $"no SQLite store at '{path}'");
        return ControllerStore.Sqlite(path);
    }
}
