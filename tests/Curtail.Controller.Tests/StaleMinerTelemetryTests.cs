using System.Text.Json;
using Curtail.Controller.Hosting;
using Curtail.Miners;
using Curtail.Miners.Fleet;

namespace Curtail.Controller.Tests;

/// <summary>A miner that stops answering is never shown with stale numbers as live (hass-miner #519).</summary>
public class StaleMinerTelemetryTests
{
    private static readonly DateTimeOffset Seen = new(2026, 7, 1, 12, 0, 0, TimeSpan.Zero);

    private static FleetMember Member() => new(MinerFactory.Create(new MinerSpec("10.0.0.7:4028", MinerFamily.Avalon,
        new MinerEndpoint("10.0.0.7", 4028), ModelCatalog.AvalonA1366, MinerCredentials.Default(MinerFamily.Avalon)), TimeProvider.System));

    [Fact]
    public void A_silent_miner_shows_its_last_seen_time_and_no_power_or_hashrate()
    {
        var member = Member();
        var lastGood = new MinerStatus(member.Miner.Id, MinerFamily.Avalon, "Avalon A1366", "Avalon", 130, 3250, PowerSource.Measured, [70],
            MinerMode.Running, 3250, Seen);
        var silent = new MinerReading(member, null, "10.0.0.7:4028: status read: no reply within 10 s") { LastSeen = Seen, LastGood = lastGood };

        var snapshot = ControllerRuntime.Describe(silent);
        Assert.Null(snapshot.PowerW);
        Assert.Null(snapshot.HashrateTh);
        Assert.Equal(Seen, snapshot.LastSeen);
        Assert.Equal("unreachable", snapshot.Mode);
        Assert.Contains("no reply", snapshot.Error);

        // As the API serializes it: null, not 0 and not the last reading's 130 TH/s.
        var json = JsonSerializer.Serialize(snapshot, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("hashrate_th").ValueKind);
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("power_w").ValueKind);
        Assert.Equal(Seen, doc.RootElement.GetProperty("last_seen").GetDateTimeOffset());

        var live = ControllerRuntime.Describe(new MinerReading(member, lastGood, null) { LastSeen = Seen, LastGood = lastGood });
        Assert.Equal((3250.0, 130.0), (live.PowerW!.Value, live.HashrateTh!.Value));
    }
}
