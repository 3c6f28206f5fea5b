using Curtail.Controller.Telemetry;

namespace Curtail.Controller.Tests;

public class CurtailTelemetryTests
{
    [Fact]
    public void TheSnapshotReadsTheInstrumentsAsTheyAreNow()
    {
        using var t = new CurtailTelemetry();
        t.SetGauges(new CurtailTelemetry.Gauges(50, 100, 90, 120, new Dictionary<string, int> { ["running"] = 3 }));
        t.Cycles.Add(1);
        t.CurtailedMwh.Add(0.5);
        t.CommandLatencyMs.Record(40);
        t.CommandLatencyMs.Record(60);
        var a = t.Snapshot();
        Assert.Equal(50, a["curtail.price"]);
        Assert.Equal(3, a["curtail.miners{state=running}"]);
        Assert.Equal(2, a["curtail.miner_command_latency.count"]);
        Assert.Equal(100, a["curtail.miner_command_latency.sum"]);

        t.SetGauges(new CurtailTelemetry.Gauges(900, 0, 1, 120, new Dictionary<string, int> { ["sleeping"] = 3 }));
        t.Cycles.Add(1);
        t.CurtailedMwh.Add(0.25);
        var b = t.Snapshot();
        Assert.Equal(900, b["curtail.price"]);
        Assert.Equal(0, b["curtail.site_target"]);
        Assert.Equal(3, b["curtail.miners{state=sleeping}"]);
        Assert.False(b.ContainsKey("curtail.miners{state=running}"), "a state no miner is in any more is not reported");
        Assert.Equal(2, b["curtail.decision_cycles"]);
        Assert.Equal(0.75, b["curtail.curtailed_energy"], 9);
    }
}
