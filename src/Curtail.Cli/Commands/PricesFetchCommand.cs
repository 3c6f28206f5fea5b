using System.CommandLine;
using System.Globalization;
using Curtail.Core;
using Curtail.Core.Prices;
using Curtail.Core.Time;
using Curtail.Ercot.Api;

namespace Curtail.Cli.Commands;

/// <summary>`curtail prices fetch`: fetch a report's prices from the ERCOT Public API (or the emulator) into the store.</summary>
public sealed class PricesFetchCommand : ICliCommand
{
    public string? Parent => "prices";
    public string? ParentDescription => "Fetch and inspect ERCOT prices";

    public Command Build()
    {
        var report = new Option<string>("--report") { Description = "np6-905-cd (15-min SPP), np6-788-cd (SCED LMP) or np4-190-cd (DAM SPP).", DefaultValueFactory = _ => "np6-905-cd" };
        var point = ForecastOptions.Point();
        var from = new Option<string>("--from") { Description = "Start: CPT date (YYYY-MM-DD), CPT wall time, or ISO-8601 with offset.", Required = true };
        var to = new Option<string>("--to") { Description = "End, exclusive, in the same forms.", Required = true };
        var outFile = new Option<string?>("--out") { Description = "Also write the range as CSV (interval_start_utc,interval_end_utc,settlement_point,price)." };
        var store = new Option<string>("--store") { Description = "SQLite price store.", DefaultValueFactory = _ => Path.Combine(".curtail", "prices.db") };
        var baseUrl = new Option<string?>("--base-url") { Description = $"API base URL (default {ErcotApiOptions.DefaultBaseUrl}; the emulator prints its own)." };
        var tokenUrl = new Option<string?>("--token-url") { Description = "Token endpoint (default: ERCOT's B2C endpoint, or /b2c/token on --base-url's host)." };
        var secrets = new Option<string?>("--secrets") { Description = $"Secrets file of KEY=value lines ({ErcotApiCredentials.UsernameVariable}, ...); default: environment variables." };
        var command = new Command("fetch", "Fetch prices from the ERCOT Public API into the local store (only gaps are fetched), optionally writing CSV.");
        foreach (var o in new Option[] { report, point, from, to, outFile, store, baseUrl, tokenUrl, secrets }) command.Options.Add(o);
        command.SetAction(async (p, ct) =>
        {
            var output = p.InvocationConfiguration.Output;
            var r = ErcotReport.Parse(p.GetValue(report)!);
            var pointName = p.GetValue(point)!;
            if (!SettlementPoints.IsKnown(pointName)) throw new InvalidInputException("--point", null, $"unknown settlement point '{pointName}'");
            var fromUtc = Parse(p.GetValue(from)!, "--from");
            var toUtc = Parse(p.GetValue(to)!, "--to");
            if (toUtc <= fromUtc) throw new InvalidInputException("--from/--to", null, "--to must be after --from");
            var credentials = p.GetValue(secrets) is { } file ? ErcotApiCredentials.FromFile(file)
                : ErcotApiCredentials.FromEnvironment() ?? throw new InvalidInputException("credentials", null,
                    $"set {ErcotApiCredentials.UsernameVariable}, {ErcotApiCredentials.PasswordVariable} and {ErcotApiCredentials.SubscriptionKeyVariable}, or pass --secrets FILE");
            var options = p.GetValue(baseUrl) is { } b ? ErcotApiOptions.ForBaseUrl(b, p.GetValue(tokenUrl))
                : p.GetValue(tokenUrl) is { } t ? new ErcotApiOptions { TokenUrl = new Uri(t) } : new ErcotApiOptions();
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(100) };
            var client = new ErcotApiClient(http, credentials, options, TimeProvider.System);
            using var db = new SqlitePriceStore(p.GetValue(store)!);
            var summary = await new PriceFeed(client, db, TimeProvider.System).FetchAsync(r, pointName, fromUtc, toUtc, ct);
            output.WriteLine($"{r.EmilId} {pointName}: {summary.GapsFound} gap(s) fetched, {summary.RowsReceived} rows received, {summary.RowsStored} new or revised, {client.RequestsSent} requests");
            if (summary.StillMissing.Count > 0)
                output.WriteLine($"still missing (the API returned no rows): {string.Join(", ", summary.StillMissing.Take(5).Select(g => $"{g.FromUtc:u}..{g.ToUtc:u}"))}{(summary.StillMissing.Count > 5 ? ", ..." : "")}");
            var status = db.Status(r.EmilId, pointName, TimeProvider.System.GetUtcNow(), TimeSpan.FromMinutes(r == ErcotReport.DayAheadSpp ? 36 * 60 : 30));
            if (status.IsStale) output.WriteLine($"feed is stale: newest price ends {(status.NewestEndUtc is { } n ? n.ToString("u", CultureInfo.InvariantCulture) : "never")}");
            if (p.GetValue(outFile) is { } csv)
            {
                var series = db.Read(r.EmilId, pointName, fromUtc, toUtc);
                using var w = new StreamWriter(csv);
                w.WriteLine("interval_start_utc,interval_end_utc,settlement_point,price");
                for (var i = 0; i < series.Count; i++)
                    w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{series[i].StartUtc:yyyy-MM-ddTHH:mm:ssZ},{series[i].EndUtc:yyyy-MM-ddTHH:mm:ssZ},{pointName},{series[i].Price}"));
                output.WriteLine($"wrote {series.Count} rows to {csv}");
            }
            return CurtailApp.ExitOk;
        });
        return command;
    }

    private static DateTimeOffset Parse(string text, string option) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? CentralPrevailingTime.StartOfDayUtc(d)
            : ForecastOptions.Instant(text, option);
}
