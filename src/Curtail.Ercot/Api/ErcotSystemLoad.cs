using System.Globalization;
using System.Text.Json;
using Curtail.Core;
using Curtail.Core.Prices;
using Curtail.Core.Time;

namespace Curtail.Ercot.Api;

/// <summary>
/// ERCOT's hourly system load through the Public API, as the 4CP watch reads it: the seven-day forecast (NP3-565-CD:
/// the system total of the model ERCOT has in use, as last posted) and the actual load (NP6-345-CD: the total).
/// Hours are placed in UTC once, with the DST flag picking the repeated hour.
/// </summary>
public static class ErcotSystemLoad
{
    /// <summary>Forecast (MW) for the CPT delivery dates [from, toInclusive]; hours without an in-use row are absent.</summary>
    /// <exception cref="InvalidInputException">A row the reply cannot be trusted on: names the row and the field.</exception>
    public static Task<PriceSeries> ForecastAsync(ErcotApiClient client, DateOnly from, DateOnly toInclusive, CancellationToken ct) =>
        ReadAsync(client, ErcotReport.LoadForecast, from, toInclusive, new Dictionary<string, string> { ["inUseFlag"] = "true" }, ParseForecastRow, ct);

    /// <summary>Actual load (MW) for the CPT operating days [from, toInclusive], as far as ERCOT has published it.</summary>
    /// <exception cref="InvalidInputException">A row the reply cannot be trusted on: names the row and the field.</exception>
    public static Task<PriceSeries> ActualAsync(ErcotApiClient client, DateOnly from, DateOnly toInclusive, CancellationToken ct) =>
        ReadAsync(client, ErcotReport.ActualLoad, from, toInclusive, new Dictionary<string, string>(), ParseActualRow, ct);

    private delegate (long StartTicks, DateTime Posted, double Mw)? RowParser(IReadOnlyList<string> fields, JsonElement row, int rowNumber);

    private static async Task<PriceSeries> ReadAsync(ErcotApiClient client, ErcotReport report, DateOnly from, DateOnly toInclusive,
        Dictionary<string, string> query, RowParser parse, CancellationToken ct)
    {
        query[report.FromParameter] = from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        query[report.ToParameter] = toInclusive.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var latest = new Dictionary<long, (DateTime Posted, double Mw)>();
        var rowNumber = 0;
        await foreach (var (fields, row) in client.QueryAsync(report, query, ct))
        {
            if (parse(fields, row, ++rowNumber) is not { } h) continue;
            if (!latest.TryGetValue(h.StartTicks, out var seen) || h.Posted >= seen.Posted) latest[h.StartTicks] = (h.Posted, h.Mw);
        }
        var starts = latest.Keys.Order().ToArray();
        return new PriceSeries(Load.SystemLoadSeries.SeriesName, starts, starts.Select(s => s + TimeSpan.TicksPerHour).ToArray(), starts.Select(s => latest[s].Mw).ToArray());
    }

    internal static (long StartTicks, DateTime Posted, double Mw)? ParseForecastRow(IReadOnlyList<string> fields, JsonElement row, int rowNumber)
    {
        var r = new Row(ErcotReport.LoadForecast, fields, row, rowNumber);
        if (Flag(r.Field("inUseFlag")) is false) return null;
        var postedText = r.Field("postedDatetime").GetString() ?? "";
        if (!DateTime.TryParse(postedText, CultureInfo.InvariantCulture, DateTimeStyles.None, out var posted))
            throw r.Bad($"postedDatetime '{postedText}' is not a time");
        return (r.HourStart("deliveryDate"), posted, r.Megawatts("systemTotal"));
    }

    internal static (long StartTicks, DateTime Posted, double Mw)? ParseActualRow(IReadOnlyList<string> fields, JsonElement row, int rowNumber)
    {
        var r = new Row(ErcotReport.ActualLoad, fields, row, rowNumber);
        return (r.HourStart("operatingDay"), DateTime.MinValue, r.Megawatts("total"));
    }

    /// <summary>One row of a load report, its values looked up by the report's field names.</summary>
    private readonly record struct Row(ErcotReport Report, IReadOnlyList<string> Fields, JsonElement Values, int Number)
    {
        public InvalidInputException Bad(string what) => new(Report.Path, null, $"row {Number} {what}");

        public JsonElement Field(string name)
        {
            for (var i = 0; i < Fields.Count; i++)
                if (string.Equals(Fields[i], name, StringComparison.OrdinalIgnoreCase))
                    return Values.ValueKind == JsonValueKind.Array && i < Values.GetArrayLength() ? Values[i] : throw Bad($"has no value for {name}");
            throw Bad($"the report has no field {name}");
        }

        public long HourStart(string dateField)
        {
            var dateText = Field(dateField).GetString() ?? "";
            if (!DateOnly.TryParseExact(dateText, ["yyyy-MM-dd", "MM/dd/yyyy"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                throw Bad($"{dateField} '{dateText}' is not a date like 2024-07-15");
            var hour = Field("hourEnding");
            var hourText = hour.ValueKind == JsonValueKind.Number ? hour.GetRawText() : hour.GetString() ?? "";
            var hourEnding = hourText.EndsWith(":00", StringComparison.Ordinal) ? hourText[..^3] : hourText;
            if (!int.TryParse(hourEnding, NumberStyles.None, CultureInfo.InvariantCulture, out var he) || he is < 1 or > 24)
                throw Bad($"hourEnding '{hourText}' is not 1..24 or 01:00..24:00");
            var repeated = Flag(Field("DSTFlag")) ?? throw Bad("DSTFlag is not true or false");
            try
            {
                return CentralPrevailingTime.IntervalStartUtc(date, he, 1, 1, repeated).UtcTicks;
            }
            catch (ArgumentException ex)
            {
                throw Bad($"hour ending {he} of {date:yyyy-MM-dd} (DSTFlag {repeated}): {ex.Message}");
            }
        }

        public double Megawatts(string name)
        {
            var value = Field(name);
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var mw) || !double.IsFinite(mw) || mw <= 0)
                throw Bad($"{name} {value} is not a load in MW");
            return mw;
        }
    }

    private static bool? Flag(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String when e.GetString() is "Y" or "y" or "true" or "True" => true,
        JsonValueKind.String when e.GetString() is "N" or "n" or "false" or "False" => false,
        _ => null,
    };
}
