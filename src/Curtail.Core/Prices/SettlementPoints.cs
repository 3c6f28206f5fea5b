namespace Curtail.Core.Prices;

/// <summary>The ERCOT settlement points Curtail knows about, with ERCOT's type codes.</summary>
public static class SettlementPoints
{
    private static readonly Dictionary<string, string> Types = new(StringComparer.Ordinal)
    {
        ["HB_WEST"] = "HU", ["HB_NORTH"] = "HU", ["HB_HOUSTON"] = "HU", ["HB_SOUTH"] = "HU", ["HB_PAN"] = "HU",
        ["HB_HUBAVG"] = "AH", ["HB_BUSAVG"] = "SH",
        ["LZ_WEST"] = "LZ", ["LZ_NORTH"] = "LZ", ["LZ_HOUSTON"] = "LZ", ["LZ_SOUTH"] = "LZ",
        ["LZ_AEN"] = "LZ", ["LZ_CPS"] = "LZ", ["LZ_LCRA"] = "LZ", ["LZ_RAYBN"] = "LZ",
    };

    public static IReadOnlyCollection<string> All => Types.Keys;

    public static bool IsKnown(string name) => Types.ContainsKey(name);

    /// <summary>ERCOT's type code (HU, AH, SH, LZ) of a known point.</summary>
    public static string TypeOf(string name) =>
        Types.TryGetValue(name, out var t) ? t : throw new ArgumentException($"unknown settlement point '{name}'");

    /// <summary>ERCOT's real-time offer floor and (with adders) practical ceiling; anything outside is a data error.</summary>
    public const double MinPlausiblePrice = -251;
    public const double MaxPlausiblePrice = 10000;
}
