using System.Globalization;
using System.Text.Json;
using Curtail.Core;
using Curtail.Core.Prices;
using Curtail.Core.Time;

namespace Curtail.Ercot.Api;

/// <summary>
/// ERCOT's seven-day system load forecast (NP3-565-CD) through the Public API: for each delivery hour, the system
/// total of the model ERCOT has in use, as last posted. The 4CP watch reads it as its load forecast.
/// </summary>
public static class ErcotLoadForecast
{
    public const string SeriesName = "ERCOT";

    /// <summary>Hourly forecast (MW) for the CPT delivery dates [from, toInclusive]; hours without an in-use row are absent.</summary>
    /// <exception cref="InvalidInputException">A row the reply cannot be trusted on: names the field and the row.</exception>
    public static async Task<PriceSeries> GetAsync(ErcotApiClient client, DateOnly from, DateOnly toInclusive, CancellationToken ct)
    {
        var query = new Dictionary<string, string>
        {
            [ErcotReport.LoadForecast.FromParameter] = from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            [ErcotReport.LoadForecast.ToParameter] = toInclusive.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["inUseFlag"] = "true",
        };
        var latest = new Dictionary<long, (DateTime Posted, double Mw)>();
        var rowNumber = 0;
        await foreach (var (fields, row) in client.QueryAsync(ErcotReport.LoadForecast, query, ct))
        {
            rowNumber++;
            var hour = ParseRow(fields, row, rowNumber);
            if (hour is not { } h) continue;
            if (!latest.TryGetValue(h.StartTicks, out var seen) || h.Posted >= seen.Posted) latest[h.StartTicks] = (h.Posted, h.Mw);
        }
        var starts = latest.Keys.Order().ToArray();
        return new PriceSeries(SeriesName, starts, starts.Select(s => s + TimeSpan.TicksPerHour).ToArray(), starts.Select(s => latest[s].Mw).ToArray());
    }

    internal static (long StartTicks, DateTime Posted, double Mw)? ParseRow(IReadOnlyList<string> fields, JsonElement row, int rowNumber)
    {
        JsonElement Field(string name)
        {
            for (var i = 0; i < fields.Count; i++)
                if (string.Equals(fields[i], name, StringComparison.OrdinalIgnoreCase))
                    return row.ValueKind == JsonValueKind.Array && i < row.GetArrayLength() ? row[i]
                        : throw Bad($"has no value for {name}");
            throw Bad($"the report has no field {name}");
        }
        InvalidInputException Bad(string what) => new(ErcotReport.LoadForecast.Path, null, $"row {rowNumber} {what}");

        if (Flag(Field("inUseFlag")) is false) return null;
        var dateText = Field("deliveryDate").GetString() ?? "";
        if (!DateOnly.TryParseExact(dateText, ["yyyy-MM-dd", "MM/dd/yyyy"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            throw Bad($"deliveryDate '{dateText}' is not a date like 2024-07-15");
        var hourText = Field("hourEnding").ValueKind == JsonValueKind.Number ? Field("hourEnding").GetInt32().ToString(CultureInfo.InvariantCulture) : Field("hourEnding").GetString() ?? "";
        var hourEnding = hourText.EndsWith(":00", StringComparison.Ordinal) ? hourText[..^3] : hourText;
        if (!int.TryParse(hourEnding, NumberStyles.None, CultureInfo.InvariantCulture, out var he) || he is < 1 or > 24)
            throw Bad($"hourEnding '{hourText}' is not 1..24 or 01:00..24:00");
        var repeated = Flag(Field("DSTFlag")) ?? throw Bad("DSTFlag is not true or false");
        var total = Field("systemTotal");
        if (total.ValueKind != JsonValueKind.Number || !total.TryGetDouble(out var mw) || !double.IsFinite(mw) || mw <= 0)
            throw Bad($"systemTotal {total} is not a load in MW");
        var postedText = Field("postedDatetime").GetString() ?? "";
        if (!DateTime.TryParse(postedText, CultureInfo.InvariantCulture, DateTimeStyles.None, out var posted))
            throw Bad($"postedDatetime '{postedText}' is not a time");
        try
        {
            return (CentralPrevailingTime.IntervalStartUtc(date, he, 1, 1, repeated).UtcTicks, posted, mw);
        }
        catch (ArgumentException ex)
        {
            throw Bad($"hour ending {he} of {date:yyyy-MM-dd} (DSTFlag {repeated}): {ex.Message}");
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
