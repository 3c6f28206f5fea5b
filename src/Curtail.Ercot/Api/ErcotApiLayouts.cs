using Curtail.Core;

namespace Curtail.Ercot.Api;

/// <summary>
/// The field lists of the price reports' API replies Curtail reads, by version. RTC+B (operating days from 2025-12-05)
/// renamed the repeated-hour flag DSTFlag to RepeatedHourFlag (gridstatus/gridstatus#736); both are read with the same
/// meaning (Y: the hour is the repeated, standard-time one). A reply whose fields match no version is refused before any
/// row is read, naming the report, the fields found and the versions known.
/// </summary>
public static class ErcotApiLayouts
{
    public sealed record Version(string Name, string[] Fields, string Flag);

    private static readonly Dictionary<string, Version[]> Known = new(StringComparer.OrdinalIgnoreCase)
    {
        [ErcotReport.RealTimeSpp.EmilId] =
        [
            new("NP6-905-CD v1 (DSTFlag)", ["deliveryDate", "deliveryHour", "deliveryInterval", "settlementPoint", "settlementPointPrice", "DSTFlag"], "DSTFlag"),
            new("NP6-905-CD v2 RTC+B (RepeatedHourFlag)", ["deliveryDate", "deliveryHour", "deliveryInterval", "settlementPoint", "settlementPointPrice", "RepeatedHourFlag"], "RepeatedHourFlag"),
        ],
        [ErcotReport.DayAheadSpp.EmilId] =
        [
            new("NP4-190-CD v1 (DSTFlag)", ["deliveryDate", "hourEnding", "settlementPoint", "settlementPointPrice", "DSTFlag"], "DSTFlag"),
            new("NP4-190-CD v2 RTC+B (RepeatedHourFlag)", ["deliveryDate", "hourEnding", "settlementPoint", "settlementPointPrice", "RepeatedHourFlag"], "RepeatedHourFlag"),
        ],
        [ErcotReport.ScedLmp.EmilId] =
        [
            new("NP6-788-CD (repeatHourFlag)", ["SCEDTimestamp", "repeatHourFlag", "settlementPoint", "LMP"], "repeatHourFlag"),
            new("NP6-788-CD (RepeatedHourFlag)", ["SCEDTimestamp", "RepeatedHourFlag", "settlementPoint", "LMP"], "RepeatedHourFlag"),
        ],
    };

    /// <summary>The version a reply's fields are, or an <see cref="InvalidInputException"/> naming what was found.</summary>
    public static Version Identify(ErcotReport report, IReadOnlyList<string> fields)
    {
        if (!Known.TryGetValue(report.EmilId, out var versions)) throw new InvalidOperationException($"no known layouts for {report.EmilId}");
        foreach (var v in versions)
            if (v.Fields.All(f => fields.Contains(f, StringComparer.OrdinalIgnoreCase))) return v;
        throw new InvalidInputException(report.Path, null,
            $"reply is in a layout Curtail does not know; fields found: {string.Join(", ", fields)}; versions known: " +
            string.Join("; ", versions.Select(v => $"{v.Name}: {string.Join(", ", v.Fields)}")));
    }
}
