using System.Text.Json;

namespace Curtail.Controller.Storage;

/// <summary>
/// What the dashboard's day views need of one decision cycle: the load, the target and what limited it, the genset's
/// headroom and the last settled price and hashprice it decided on. Read from the stored inputs, so a restart keeps them.
/// </summary>
public sealed record CyclePoint(DateTimeOffset Time, string Trigger, double TargetKw, double PriceTargetKw, string LimitedBy, double MeasuredKw,
    double? GensetAvailableKw, double? LastSettledPrice, double? HashpriceUsdPerThDay);

public sealed partial class ControllerStore
{
    /// <summary>The cycles in [from, to), oldest first.</summary>
    public IReadOnlyList<CyclePoint> CyclePoints(DateTimeOffset from, DateTimeOffset to) => Query(
        "SELECT time, trigger_name, target_kw, price_target_kw, limited_by, measured_kw, inputs FROM cycles WHERE time >= @f AND time < @t ORDER BY time",
        r =>
        {
            var (genset, price, hashprice) = ReadInputs(r.GetString(6));
            return new CyclePoint(ParseIso(r.GetString(0)), r.GetString(1), r.GetDouble(2), r.GetDouble(3), r.GetString(4), r.GetDouble(5), genset, price, hashprice);
        },
        ("f", Iso(from)), ("t", Iso(to)));

    /// <summary>The site's measured load of each cycle in [from, to), MW, oldest first: the history the DR baselines read.</summary>
    public IReadOnlyList<DemandResponse.LoadReading> SiteLoadReadings(DateTimeOffset from, DateTimeOffset to) => Query(
        "SELECT time, measured_kw FROM cycles WHERE site = @site AND time >= @f AND time < @t ORDER BY time",
        r => new DemandResponse.LoadReading(ParseIso(r.GetString(0)), r.GetDouble(1) / 1000),
        ("f", Iso(from)), ("t", Iso(to)));

    private static (double? Genset, double? Price, double? Hashprice) ReadInputs(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        // Records are in snake_case since the API's casing was made consistent; older ones are in camelCase.
        double? genset = root.TryGetProperty("genset", out var g) && g.ValueKind == JsonValueKind.Object
            ? Number(g, "available_power_kw", "availablePowerKw") : null;
        double? price = root.TryGetProperty("settled_prices_tail", out var tail) && tail.ValueKind == JsonValueKind.Array && tail.GetArrayLength() > 0
            && tail[tail.GetArrayLength() - 1].ValueKind == JsonValueKind.Number ? tail[tail.GetArrayLength() - 1].GetDouble() : null;
        return (genset, price, Number(root, "hashprice_usd_per_th_day", "hashpriceUsdPerThDay"));
    }

    private static double? Number(JsonElement e, string name, string olderName) =>
        (e.TryGetProperty(name, out var v) || e.TryGetProperty(olderName, out v)) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
}
