using Curtail.Controller.DemandResponse;
using Curtail.Controller.OpenAdr;

namespace Curtail.Controller.Tests;

public sealed class OpenAdrReportRequestsTests
{
    private static readonly LoadTraceMinute Minute = new("d", DateTimeOffset.Parse("2026-08-01T19:00:00Z", System.Globalization.CultureInfo.InvariantCulture), 1.2, 60, LoadTraceSource.Genset);
    private static readonly DispatchEvent Dispatch = new()
    {
        Id = "oadr-e-0-limit", Program = DemandResponseProgram.OpenAdr, ReceivedAt = Minute.MinuteStart, Deadline = Minute.MinuteStart, BaselineMw = 3.5,
    };

    private static OadrEvent Event(params OadrReportDescriptor[] descriptors) => new() { Id = "event-7", ProgramId = "p", ReportDescriptors = descriptors };

    [Fact]
    public void NoDescriptorsGiveDemandInKwAndUsageInKwh()
    {
        var (columns, refused) = OpenAdrReportRequests.Resolve(Event());
        Assert.Empty(refused);
        // 1.2 MW over a minute: 1200 kW, 20 kWh.
        Assert.Equal(["DEMAND:KW=1200", "USAGE:KWH=20"], columns.Select(c => $"{c.PayloadType}:{c.Units}={c.Value(Minute, Dispatch)}"));
    }

    [Fact]
    public void RequestedTypesAreReportedInTheirUnitsAndOthersRefusedNamingTheEvent()
    {
        var (columns, refused) = OpenAdrReportRequests.Resolve(Event(
            new OadrReportDescriptor { PayloadType = "DEMAND", Units = "MW" },
            new OadrReportDescriptor { PayloadType = "USAGE", Units = "WH" },
            new OadrReportDescriptor { PayloadType = "BASELINE" },
            new OadrReportDescriptor { PayloadType = "DEMAND", Units = "KW" },   // a second DEMAND in other units: refused, the first one stands
            new OadrReportDescriptor { PayloadType = "BASELINE", Units = "kw" }, // the same again: nothing to refuse
            new OadrReportDescriptor { PayloadType = "USAGE", Units = "THERM" },
            new OadrReportDescriptor { PayloadType = "GHG" }));
        // 1.2 MW; 1.2 MW x 1/60 h = 20,000 Wh; the baseline at receipt 3.5 MW = 3500 kW.
        Assert.Equal(["DEMAND:MW=1.2", "USAGE:WH=20000", "BASELINE:KW=3500"], columns.Select(c => $"{c.PayloadType}:{c.Units}={c.Value(Minute, Dispatch)}"));
        Assert.Equal([
            "OpenADR event 'event-7': report of payload type DEMAND refused: already reported in MW (one set of units per payload type)",
            "OpenADR event 'event-7': report of payload type USAGE refused: already reported in WH (one set of units per payload type)",
            "OpenADR event 'event-7': report of payload type GHG refused: not a report payload Curtail produces (DEMAND, USAGE, BASELINE)",
        ], refused.Select(r => r.Message));
    }
}
