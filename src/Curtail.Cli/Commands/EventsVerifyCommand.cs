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
        var site = new Option<string?>("--site") { Description = "Check only this site's chain (default: every site's chain in the store)." };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON." };
        var c = new Command("verify", "Check the hash chain of SB 6 directive records; report the first broken entry.");
        c.Options.Add(store);
        c.Options.Add(site);
        c.Options.Add(json);
        c.SetAction(p =>
        {
            using var db = Open(p.GetValue(store)!);
            var sites = p.GetValue(site) is { } one ? [one] : db.DirectiveChainSites();
            var results = sites.Select(s => (Site: s, Result: db.VerifyDirectiveChain(s))).ToList();
            var output = p.InvocationConfiguration.Output;
            if (p.GetValue(json))
                output.WriteLine(JsonSerializer.Serialize(results.Select(r => new { site = r.Site, r.Result.Entries, r.Result.HeadHash, r.Result.BrokenAt, r.Result.BrokenDirective, r.Result.Problem, r.Result.Intact }), ControllerApi.JsonOut));
            else if (results.Count == 0) output.WriteLine("directive chain: no entries");
            foreach (var (name, result) in p.GetValue(json) ? [] : results)
            {
                if (result.Intact)
                    output.WriteLine(result.Entries == 0 ? $"site {name}: directive chain has no entries" : $"site {name}: directive chain intact: {result.Entries} entries, head {result.HeadHash}");
                else output.WriteLine($"site {name}: directive chain BROKEN at {result.Problem}");
            }
            return results.All(r => r.Result.Intact) ? CurtailApp.ExitOk : CurtailApp.ExitFailure;
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
