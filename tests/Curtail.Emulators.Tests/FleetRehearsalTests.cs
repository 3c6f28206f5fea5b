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
    public async Task Every_family_of_the_mix_serves_sleeps_and_wakes_often_enough_to_be_compiled_before_the_fleet_starts()
    {
        var options = Options("antminer:1,luxos:1,whatsminer2:1,whatsminer3:1,braiins:1,vnish:1,epic:1,avalon:1", 80);

        var report = await FleetRehearsal.RunAsync(options, CancellationToken.None);

        Assert.Empty(report.Problems);
        Assert.Equal(options.AssignFamilies().Distinct().Order(), report.WritesServed.Keys.Order());
        // A sleep and a wake per miner and round at least (a power target more for the families that take one): each
        // reply path runs more than the 30 times after which the runtime compiles it optimised.
        var least = 2 * FleetRehearsal.MinersPerFamily * FleetRehearsal.Rounds;
        Assert.True(least > 30);
        Assert.All(report.WritesServed, w => Assert.True(w.Value >= least, $"{w.Key}: {w.Value} writes, fewer than {least}"));
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
