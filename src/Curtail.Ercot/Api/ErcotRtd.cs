using System.Globalization;
using System.Text.Json;
using Curtail.Core;
using Curtail.Core.Prices;
using Curtail.Core.Time;

namespace Curtail.Ercot.Api;

/// <summary>One RTD indicative LMP: the RTD run that posted it and the five-minute interval [start, end) it is for, in UTC.</summary>
public readonly record struct RtdPrice(string SettlementPoint, DateTimeOffset RunUtc, DateTimeOffset IntervalStartUtc, DateTimeOffset IntervalEndUtc, double Lmp);

/// <summary>
/// ERCOT's RTD indicative LMPs (NP6-970-CD) through the Public API: each RTD run (about every 5 minutes) posts an LMP
/// for each of the next 12 five-minute intervals, labelled by its interval ending in Central Prevailing Time. Run and
/// interval times are placed in UTC once, here, with the repeated-hour flags picking the CST copy of the fall-back hour.
/// </summary>
public static class ErcotRtd
{
    public static readonly TimeSpan IntervalLength = TimeSpan.FromMinutes(5);

    /// <summary>How many five-minute intervals one RTD run looks ahead.</summary>
    public const int LookAheadIntervals = 12;

    /// <summary>The RTD rows of one point from the runs in [fromUtc, toUtc), by run then interval.</summary>
    /// <exception cref="InvalidInputException">A row the reply cannot be trusted on: names the row and the field.</exception>
    public static async Task<IReadOnlyList<RtdPrice>> GetAsync(ErcotApiClient client, string settlementPoint, DateTimeOffset fromUtc, DateTimeOffset toUtc, CancellationToken ct)
    {
        if (toUtc <= fromUtc) return [];
        var report = ErcotReport.RtdLmp;
        var query = new Dictionary<string, string>
        {
            ["settlementPoint"] = settlementPoint,
            [report.FromParameter] = CentralPrevailingTime.ToLocal(fromUtc).ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture),
            [report.ToParameter] = CentralPrevailingTime.ToLocal(toUtc).ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture),
        };
        var rows = new List<RtdPrice>();
        var number = 0;
        await foreach (var (fields, row) in client.QueryAsync(report, query, ct))
        {
            var p = ParseRow(fields, row, ++number);
            if (p.RunUtc >= fromUtc && p.RunUtc < toUtc) rows.Add(p);
        }
        return rows.OrderBy(r => r.RunUtc).ThenBy(r => r.IntervalStartUtc).ToList();
    }

    /// <summary>
    /// The look-ahead of the newest run in <paramref name="rows"/>: one price per coming interval, as a series (what the
    /// forecaster reads). Empty when there are no rows.
    /// </summary>
    public static PriceSeries LatestRun(IReadOnlyList<RtdPrice> rows, string settlementPoint)
    {
        if (rows.Count == 0) return new PriceSeries(settlementPoint, [], [], []);
        var run = rows.Max(r => r.RunUtc);
        var latest = rows.Where(r => r.RunUtc == run).OrderBy(r => r.IntervalStartUtc).ToList();
        return new PriceSeries(settlementPoint, latest.Select(r => r.IntervalStartUtc.UtcTicks).ToArray(),
            latest.Select(r => r.IntervalEndUtc.UtcTicks).ToArray(), latest.Select(r => r.Lmp).ToArray());
    }

    /// <summary>The newest run in <paramref name="rows"/> with its run time (what the controller keeps); null when there are no rows.</summary>
    public static RtdLookAhead? LatestLookAhead(IReadOnlyList<RtdPrice> rows, string settlementPoint) =>
        rows.Count == 0 ? null : new RtdLookAhead(rows.Max(r => r.RunUtc), LatestRun(rows, settlementPoint));

    /// <summary>
    /// One row: RTDTimestamp (CPT, with repeatHourFlag), intervalEnding (CPT, with intervalRepeatHourFlag when present,
    /// else the run's flag), settlementPoint and LMP.
    /// </summary>
    internal static RtdPrice ParseRow(IReadOnlyList<string> fields, JsonElement row, int number)
    {
        InvalidInputException Bad(string what) => new(ErcotReport.RtdLmp.Path, null, $"row {number} {what}");
        JsonElement? Find(string name)
        {
            for (var i = 0; i < fields.Count; i++)
                if (string.Equals(fields[i], name, StringComparison.OrdinalIgnoreCase))
                    return row.ValueKind == JsonValueKind.Array && i < row.GetArrayLength() ? row[i] : throw Bad($"has no value for {name}");
            return null;
        }
        JsonElement Field(string name) => Find(name) ?? throw Bad($"the report has no field {name} (fields: {string.Join(", ", fields)})");
        bool FlagOf(string name, bool fallback)
        {
            if (Find(name) is not { } e) return fallback;
            return e.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.String when e.GetString() is "Y" or "y" or "true" or "True" => true,
                JsonValueKind.String when e.GetString() is "N" or "n" or "false" or "False" => false,
                _ => throw Bad($"{name} {e} is not Y/N or true/false"),
            };
        }
        DateTimeOffset Local(string name, bool repeated)
        {
            var text = Field(name).GetString() ?? "";
            if (!DateTime.TryParseExact(text, ["yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm", "MM/dd/yyyy HH:mm:ss", "MM/dd/yyyy HH:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
                throw Bad($"{name} '{text}' is not a time like 2024-05-08T17:05:15");
            try
            {
                return CentralPrevailingTime.LocalToUtc(DateOnly.FromDateTime(local), local.Hour, local.Minute, repeated, local.Second);
            }
            catch (ArgumentException ex)
            {
                throw Bad($"{name} '{text}' (repeated hour {repeated}): {ex.Message}");
            }
        }

        var runRepeated = FlagOf("repeatHourFlag", false);
        var run = Local("RTDTimestamp", runRepeated);
        var end = Local("intervalEnding", FlagOf("intervalRepeatHourFlag", runRepeated));
        var point = Field("settlementPoint").GetString();
        if (string.IsNullOrEmpty(point)) throw Bad("has no settlementPoint");
        var lmp = Field("LMP");
        if (lmp.ValueKind != JsonValueKind.Number || !lmp.TryGetDouble(out var price) || !double.IsFinite(price))
            throw Bad($"LMP {lmp} is not a price");
        var start = end - IntervalLength;
        if (start < run - IntervalLength)
            throw Bad($"interval ending {end:u} is before its run at {run:u}");
        return new RtdPrice(point, run, start, end, price);
    }
}
