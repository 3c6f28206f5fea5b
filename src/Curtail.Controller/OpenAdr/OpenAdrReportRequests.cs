using Curtail.Controller.DemandResponse;

namespace Curtail.Controller.OpenAdr;

/// <summary>One payload type of a report Curtail posts: its descriptor and its value for one minute of a dispatch's trace.</summary>
public sealed record ReportColumn(string PayloadType, string ReadingType, string Units, Func<LoadTraceMinute, DispatchEvent, double> Value)
{
    public OadrPayloadDescriptor Descriptor => new() { ObjectType = "REPORT_PAYLOAD_DESCRIPTOR", PayloadType = PayloadType, ReadingType = ReadingType, Units = Units };
}

/// <summary>A requested report payload type Curtail will not produce, with the event that asked for it.</summary>
public sealed record OpenAdrReportRefusal(string EventId, string PayloadType, string Reason)
{
    public string Message => $"OpenADR event '{EventId}': report of payload type {PayloadType} refused: {Reason}";
}

/// <summary>
/// Reads an event's <c>reportDescriptors</c> (docs/openadr.md, "Reports"): each requested payload type Curtail can
/// measure becomes a column of the report it posts — DEMAND (mean site load over the minute), USAGE (energy of the
/// minute), BASELINE (the site's load at the dispatch's receipt) — in the units asked for; any other payload type or
/// units are refused with the event named, never filled with something else. No descriptors: DEMAND in KW and USAGE in KWH.
/// </summary>
public static class OpenAdrReportRequests
{
    public const string Demand = "DEMAND";
    public const string Usage = "USAGE";
    public const string Baseline = "BASELINE";

    public static IReadOnlyList<ReportColumn> Default { get; } =
    [
        new(Demand, "MEAN", "KW", (m, _) => Math.Round(m.LoadMw * 1000, 3)),
        new(Usage, "DIRECT_READ", "KWH", (m, _) => Math.Round(m.LoadMw * 1000 / 60, 4)),
    ];

    public static (IReadOnlyList<ReportColumn> Columns, IReadOnlyList<OpenAdrReportRefusal> Refused) Resolve(OadrEvent e)
    {
        if (e.ReportDescriptors is not { Count: > 0 } descriptors) return (Default, []);
        var id = e.Id ?? "(no id)";
        var columns = new List<ReportColumn>();
        var refused = new List<OpenAdrReportRefusal>();
        foreach (var d in descriptors)
        {
            if (columns.FirstOrDefault(c => c.PayloadType == d.PayloadType) is { } already)
            {
                // One column per payload type: a second request for it is answered by the first, and says so.
                if (!string.Equals(already.Units, d.Units ?? already.Units, StringComparison.OrdinalIgnoreCase))
                    refused.Add(new OpenAdrReportRefusal(id, d.PayloadType, $"already reported in {already.Units} (one set of units per payload type)"));
                continue;
            }
            var column = d.PayloadType switch
            {
                Demand => Power(d, "MEAN", (m, _) => m.LoadMw),
                Baseline => Power(d, "ESTIMATED", (_, x) => x.BaselineMw),
                Usage => Energy(d),
                _ => null,
            };
            if (column is not null) columns.Add(column);
            else refused.Add(new OpenAdrReportRefusal(id, d.PayloadType, d.PayloadType is Demand or Baseline or Usage
                ? $"units '{d.Units}' are not {(d.PayloadType == Usage ? "an energy (KWH, MWH or WH)" : "a power (KW, MW or W)")}"
                : $"not a report payload Curtail produces ({Demand}, {Usage}, {Baseline})"));
        }
        return (columns, refused);
    }

    private static ReportColumn? Power(OadrReportDescriptor d, string readingType, Func<LoadTraceMinute, DispatchEvent, double> mw)
    {
        var units = (d.Units ?? "KW").ToUpperInvariant();
        double? scale = units switch { "KW" => 1000, "MW" => 1, "W" => 1e6, _ => null };
        return scale is { } s ? new ReportColumn(d.PayloadType, readingType, units, (m, e) => Math.Round(mw(m, e) * s, 3)) : null;
    }

    private static ReportColumn? Energy(OadrReportDescriptor d)
    {
        var units = (d.Units ?? "KWH").ToUpperInvariant();
        double? scale = units switch { "KWH" => 1000, "MWH" => 1, "WH" => 1e6, _ => null };
        return scale is { } s ? new ReportColumn(d.PayloadType, "DIRECT_READ", units, (m, _) => Math.Round(m.LoadMw * s / 60, 4)) : null;
    }
}
