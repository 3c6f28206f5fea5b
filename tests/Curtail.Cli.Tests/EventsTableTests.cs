using System.Text.Json;
using Curtail.Cli.Commands;

namespace Curtail.Cli.Tests;

/// <summary>`curtail events list` on an 80-column terminal with events judged against the ERS baselines.</summary>
public sealed class EventsTableTests
{
    [Fact]
    public void EventsWithBaselinesFitEightyColumnsWithTheirFiguresUnderTheTable()
    {
        using var list = JsonDocument.Parse("""
            [
              {"event": {"id": "ers-10-2024-08-20-afternoon", "program": "ers10", "received_at": "2024-08-20T21:05:00+00:00", "ceiling_mw": 0.5, "test": false},
               "performance": {"under_delivering": true, "warning": "ers-10-2024-08-20-afternoon delivers 94% of its reduction (meter-before-meter-after)",
                 "baselines": [
                   {"method": "middle-8-of-10", "baseline_mw": 3.9, "achieved_reduction_mw": 3.5, "required_reduction_mw": 3.2, "delivery_ratio": 1.09375, "under_delivering": false},
                   {"method": "meter-before-meter-after", "baseline_mw": 3.6, "achieved_reduction_mw": 3.008, "required_reduction_mw": 3.2, "delivery_ratio": 0.94, "under_delivering": true}]}},
              {"event": {"id": "ecrs-1", "program": "ecrs", "received_at": "2024-05-08T22:05:00+00:00", "ceiling_mw": 1, "released_at": "2024-05-08T23:00:00+00:00", "test": true}}
            ]
            """);
        var output = new StringWriter();
        using (Terminal.AsTerminal(80)) ControllerTables.Events(list.RootElement, Terminal.On(output));
        var lines = output.ToString().Split('\n').Select(l => l.TrimEnd('\r')).ToList();

        Assert.All(lines, l => Assert.True(l.Length <= 80, $"{l.Length} columns: {l}"));
        var header = Assert.Single(lines, l => l.Contains("program", StringComparison.Ordinal));
        Assert.Contains("cap MW", header);
        Assert.Contains("delivered", header);
        // One line per event in the table: nothing wrapped.
        var row = Assert.Single(lines, l => l.Contains("ers-10-2024-0…", StringComparison.Ordinal));
        Assert.Contains("08-20 16:05", row);
        Assert.Contains("active", row);
        Assert.Contains("94 % SHORT", row);
        var released = Assert.Single(lines, l => l.Contains("ecrs-1", StringComparison.Ordinal));
        Assert.Contains("ecrs test", released);
        Assert.Contains("released", released);
        Assert.EndsWith("n/a", released.TrimEnd());
        Assert.Contains("  ers-10-2024-08-20-afternoon", lines);
        Assert.Contains("    8-of-10 3.500/3.200 (109 %); MBMA 3.008/3.200 (94 %) SHORT", lines);
        Assert.Contains(lines, l => l.StartsWith("warning: ers-10-2024-08-20-afternoon delivers 94%", StringComparison.Ordinal));
    }
}
