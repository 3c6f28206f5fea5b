using Curtail.Emulators.Miners;
using Curtail.Miners;

namespace Curtail.Emulators.Tests;

public class FleetRehearsalTests
{
    private static FleetEmulatorOptions Options(string mix, int count) => new()
    {
        Count = count, Mix = FleetEmulatorOptions.ParseMix(mix), BasePort = 20000, Seed = 3,
        Timing = new EmulatorTiming { SpeedFactor = 20, AntminerConfReplyOverride = TimeSpan.FromMilliseconds(50) },
    };

    [Fact]
    public async Task Every_family_of_the_mix_serves_a_sleep_and_a_wake_before_the_fleet_starts()
    {
        var options = Options("antminer:1,luxos:1,whatsminer2:1,whatsminer3:1,braiins:1,vnish:1,epic:1,avalon:1", 80);

        var report = await FleetRehearsal.RunAsync(options, CancellationToken.None);

        Assert.Empty(report.Problems);
        Assert.Equal(options.AssignFamilies().Distinct().Order(), report.WritesServed.Keys.Order());
        // Sleep and wake at least (a power target more for the families that take one).
        Assert.All(report.WritesServed, w => Assert.True(w.Value >= 2, $"{w.Key}: {w.Value} writes"));
    }

    [Fact]
    public async Task The_rehearsal_leaves_the_fleets_own_ports_free()
    {
        var options = Options("luxos:1", 3) with { BasePort = 31900 + Environment.ProcessId % 50 };

        var report = await FleetRehearsal.RunAsync(options, CancellationToken.None);
        await using var fleet = new MinerFleetEmulator(options, TimeProvider.System);
        fleet.Start(); // binds the fleet's own ports: the rehearsal used others and let its own go

        Assert.Empty(report.Problems);
        Assert.Equal([MinerFamily.LuxOs], report.WritesServed.Keys);
    }
}
