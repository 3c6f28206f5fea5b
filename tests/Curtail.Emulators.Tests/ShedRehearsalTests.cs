using Curtail.Emulators.Miners;
using Curtail.Miners;

namespace Curtail.Emulators.Tests;

public class ShedRehearsalTests
{
    [Fact]
    public async Task A_controller_rehearses_sheds_and_wakes_of_every_family_it_drives_and_all_are_confirmed()
    {
        MinerFamily[] families = [MinerFamily.LuxOs, MinerFamily.BraiinsOs, MinerFamily.WhatsminerV3, MinerFamily.LuxOs];

        var report = await ShedRehearsal.RunAsync(families, 64, CancellationToken.None);

        Assert.Empty(report.Problems);
        // Shed to 5 % then woken, twice: nearly every miner of the three families sleeps and wakes in each round.
        var miners = 3 * ShedRehearsal.MinersPerFamily;
        Assert.InRange(report.Commands, 2 * ShedRehearsal.Rounds * (miners - 5), 2 * ShedRehearsal.Rounds * miners);
        Assert.Equal(report.Commands, report.Confirmed);
        Assert.Equal(0, report.Failed);
        Assert.Contains($"{report.Commands} commands", report.ToString());
    }

    [Fact]
    public async Task A_site_without_miners_has_nothing_to_rehearse()
    {
        var report = await ShedRehearsal.RunAsync([], 64, CancellationToken.None);
        Assert.Equal((0, 0), (report.Commands, report.Problems.Count));
    }
}
