using System.CommandLine;
using System.Globalization;
using Curtail.Core;
using Curtail.Core.Prices;
using Curtail.Core.Time;
using Curtail.Ercot;
using Curtail.Forecasting;
using Curtail.Forecasting.Data;
using Curtail.Forecasting.Models;

namespace Curtail.Cli.Commands;

/// <summary>Options and parsing shared by `train`, `forecast` and `forecast-eval`.</summary>
internal static class ForecastOptions
{
    public static Option<string> Point() => new("--point") { Description = "Settlement point.", DefaultValueFactory = _ => "HB_WEST" };

    public static Option<string?> Data() => new("--data") { Description = "Data folder (holding ercot/ and bitcoin/). Default: the shipped data." };

    public static ShippedData Locate(string? dataDir) =>
        dataDir is null ? ShippedData.Locate() : ShippedData.Locate(dataDir, []);

    public static MarketHistory LoadHistory(string? dataDir, string point)
    {
        if (!SettlementPoints.IsKnown(point))
            throw new InvalidInputException("--point", null, $"unknown settlement point '{point}'; known: {string.Join(", ", SettlementPoints.All)}");
        return MarketData.Load(Locate(dataDir), point);
    }

    public static DateOnly Date(string? text, string option)
    {
        if (text is null) throw new InvalidInputException(option, null, "is required (YYYY-MM-DD)");
        return DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? d
            : throw new InvalidInputException(option, null, $"'{text}' is not a date (YYYY-MM-DD)");
    }

    /// <summary>An instant: ISO-8601 with an offset or Z, or a bare local time read as Central Prevailing Time.</summary>
    public static DateTimeOffset Instant(string text, string option)
    {
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) && HasOffset(text))
            return t.ToUniversalTime();
        if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            return CentralPrevailingTime.LocalToUtc(DateOnly.FromDateTime(local), local.Hour, local.Minute, false);
        throw new InvalidInputException(option, null, $"'{text}' is not a time (e.g. 2023-08-17T18:00-05:00, 2023-08-17T23:00Z, or 2023-08-17 18:00 for CPT)");
    }

    private static bool HasOffset(string text) =>
        text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 6 && (text[^6] == '+' || text[^6] == '-') && text[^3] == ':');

    /// <summary>A model path as given, or with the model extension added.</summary>
    public static string ModelPath(string path) =>
        File.Exists(path) || path.EndsWith(ModelFile.Extension, StringComparison.Ordinal) ? path : path + ModelFile.Extension;

    public static GbrtPriceForecaster LoadModel(string path) => ModelFile.Load(ModelPath(path));

    public static string F(double v, string format = "F2") => v.ToString(format, CultureInfo.InvariantCulture);
}
