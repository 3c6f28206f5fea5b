using System.CommandLine;
using Curtail.Core;
using Curtail.Ercot.Api;
using Spectre.Console;

namespace Curtail.Cli.Commands;

/// <summary>`curtail prices status`: what the price store holds per feed, and which feeds have gone stale.</summary>
public sealed class PricesStatusCommand : ICliCommand
{
    public string? Parent => "prices";
    public string? ParentDescription => "Fetch and inspect ERCOT prices";

    public Command Build()
    {
        var store = new Option<string>("--store") { Description = "SQLite price store.", DefaultValueFactory = _ => Path.Combine(".curtail", "prices.db") };
        var staleAfter = new Option<double>("--stale-after-minutes") { Description = "A real-time or SCED feed whose newest price ended longer ago than this is stale (DAM: a day and a half).", DefaultValueFactory = _ => 30 };
        var at = new Option<string?>("--at") { Description = "Judge staleness at this time instead of now (e.g. the emulator's clock)." };
        var command = new Command("status", "Show the price store's feeds: rows, newest interval, last fetch, stale or not.");
        foreach (var o in new Option[] { store, staleAfter, at }) command.Options.Add(o);
        command.SetAction(p =>
        {
            var path = p.GetValue(store)!;
            if (!File.Exists(path)) throw new InvalidInputException(path, null, "price store not found; `curtail prices fetch` creates it");
            var now = p.GetValue(at) is { } text ? ForecastOptions.Instant(text, "--at") : TimeProvider.System.GetUtcNow();
            using var db = new SqlitePriceStore(path);
            // A light border and short titles: six columns of dates and ids fit 80 columns on one line a feed.
            var table = new Table().Border(TableBorder.Simple).AddColumns("report", "point", "rows", "newest end", "last fetch", "status");
            var anyStale = false;
            foreach (var (report, point, rows) in db.Feeds())
            {
                var limit = report == ErcotReport.DayAheadSpp.EmilId ? TimeSpan.FromHours(36) : TimeSpan.FromMinutes(p.GetValue(staleAfter));
                var s = db.Status(report, point, now, limit);
                anyStale |= s.IsStale;
                table.AddRow(report, point, rows.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    s.NewestEndUtc?.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) ?? "-",
                    s.LastFetchUtc?.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) ?? "-",
                    s.IsStale ? "STALE" : "current");
            }
            var console = Terminal.On(p.InvocationConfiguration.Output);
            console.Write(table);
            console.WriteLine("times in UTC");
            return anyStale ? CurtailApp.ExitFailure : CurtailApp.ExitOk;
        });
        return command;
    }
}
