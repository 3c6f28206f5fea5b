using System.Text.Json.Nodes;

namespace Curtail.Miners.Protocols;

/// <summary>Fan speeds from the fields firmwares name them by: cgminer/bmminer <c>stats</c> fan1..fanN, btminer "Fan Speed In/Out".</summary>
public static class FanSpeeds
{
    /// <summary>
    /// The numbered fans (<c>fan1</c>, <c>fan2</c>, …) of a bmminer-style stats detail object, in order; null when it has
    /// none. <c>fan_num</c> and other fan fields are not speeds.
    /// </summary>
    public static IReadOnlyList<double>? Numbered(JsonObject detail, string prefix = "fan")
    {
        var fans = new SortedDictionary<int, double>();
        foreach (var (key, value) in detail)
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal) || !int.TryParse(key.AsSpan(prefix.Length), out var index)) continue;
            if (TolerantJson.Number(value) is { } rpm && rpm >= 0) fans[index] = rpm;
        }
        return fans.Count == 0 ? null : fans.Values.ToList();
    }

    /// <summary>The named fields present in <paramref name="o"/> that hold a speed, in the order given; null when none does.</summary>
    public static IReadOnlyList<double>? Named(JsonObject o, params string[] keys)
    {
        var fans = keys.Select(k => TolerantJson.Number(o[k])).OfType<double>().Where(r => r >= 0).ToList();
        return fans.Count == 0 ? null : fans;
    }
}
