using System.CommandLine;
using System.Globalization;
using Curtail.Controller.Cluster;
using Curtail.Controller.Storage;
using Curtail.Core;
using Spectre.Console;

namespace Curtail.Cli.Commands;

/// <summary>`curtail sites status`: every site whose controllers share one PostgreSQL store, as their leaders last wrote it.</summary>
public sealed class SitesStatusCommand : ICliCommand
{
    public string? Parent => "sites";
    public string? ParentDescription => "Sites whose controllers share one PostgreSQL store";

    public Command Build()
    {
        var store = new Option<string>("--store") { Description = "PostgreSQL connection string of the shared store (Host=...;Database=...;Username=...).", Required = true };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table." };
        var command = new Command("status", "List each site: leader, last cycle, price, target and actual load, miners by state, active events, alarms.");
        command.Options.Add(store);
        command.Options.Add(json);
        command.SetAction(p =>
        {
            var cs = p.GetValue(store)!;
            try
            {
                _ = new Npgsql.NpgsqlConnectionStringBuilder(cs);
            }
            catch (ArgumentException ex)
            {
                throw new InvalidInputException("--store", null, $"not a PostgreSQL connection string: {ex.Message}");
            }
            using var db = ControllerStore.PostgresForReading(cs);
            IReadOnlyList<SiteStatus> sites;
            try
            {
                sites = SiteStatusReport.Read(db);
            }
            catch (Npgsql.PostgresException ex) when (ex.SqlState == "42P01")
            {
                throw new InvalidInputException("--store", null, "no site has written to this database yet (no site_status table)");
            }
            var output = p.InvocationConfiguration.Output;
            if (p.GetValue(json))
            {
                output.WriteLine(JsonOutput.Serialize(sites));
                return CurtailApp.ExitOk;
            }
            // A block of three short lines per site rather than a nine-column table, which wraps every cell at 80 columns.
            var console = Terminal.On(output);
            var inv = CultureInfo.InvariantCulture;
            foreach (var s in sites)
            {
                console.MarkupLine($"[bold]{Markup.Escape(s.Site)}[/]  leader {Markup.Escape(s.Leader)}  last cycle {s.LastCycle?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", inv) ?? "-"} UTC");
                var price = s.PriceUsdPerMwh is { } usd ? usd.ToString("0.00", inv) + " $/MWh" + (s.PriceSource is { } src ? $" ({src})" : "") : "no price";
                console.WriteLine($"  {price}, target {s.TargetKw.ToString("N0", inv)} kW, actual {s.ActualKw.ToString("N0", inv)} kW");
                var miners = s.MinersByState.Count == 0 ? "none" : string.Join(", ", s.MinersByState.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Value} {m.Key}"));
                console.WriteLine($"  miners {miners}; events {(s.ActiveEvents.Count == 0 ? "none" : string.Join(", ", s.ActiveEvents))}; " +
                    $"alarms {(s.Alarms.Count == 0 ? "none" : string.Join(", ", s.Alarms))}");
            }
            if (sites.Count == 0) output.WriteLine("no sites in this store yet");
            return CurtailApp.ExitOk;
        });
        return command;
    }
}
