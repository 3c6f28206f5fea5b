using Curtail.Core.Prices;

namespace Curtail.Ercot.Reading;

internal static class PlausibleValues
{
    public static bool IsPlausiblePrice(double price) =>
        price >= SettlementPoints.MinPlausiblePrice && price <= SettlementPoints.MaxPlausiblePrice;

    public static string PriceOutOfRange(string point, double price) =>
        $"price {price} $/MWh of {point} is outside the plausible range [{SettlementPoints.MinPlausiblePrice}, {SettlementPoints.MaxPlausiblePrice}]";

    /// <summary>ERCOT's settlement point types for hubs and load zones; other types (resource nodes, DC ties) are out of Curtail's scope.</summary>
    public static bool IsHubOrZoneType(ReadOnlySpan<byte> type) =>
        type.SequenceEqual("HU"u8) || type.SequenceEqual("AH"u8) || type.SequenceEqual("SH"u8) || type.SequenceEqual("LZ"u8) || type.SequenceEqual("LZEW"u8);
}
