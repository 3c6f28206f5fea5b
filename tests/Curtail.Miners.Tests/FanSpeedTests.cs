using Curtail.Emulators.Miners;

namespace Curtail.Miners.Tests;

/// <summary>Fan speeds, read over each firmware's own API from the families that report them, and stopped by a sleep.</summary>
public class FanSpeedTests
{
    [Theory]
    [InlineData(MinerFamily.AntminerStock)]
    [InlineData(MinerFamily.LuxOs)]
    [InlineData(MinerFamily.WhatsminerV2)]
    [InlineData(MinerFamily.WhatsminerV3)]
    [InlineData(MinerFamily.Avalon)]
    [InlineData(MinerFamily.Epic)]
    [InlineData(MinerFamily.BraiinsOs)]
    [InlineData(MinerFamily.Vnish)]
    public async Task Reports_each_fans_rpm_and_zero_once_asleep(MinerFamily family)
    {
        await using var fleet = TestFleet.Start(family, 1, out var time);
        var em = fleet.Miners[0];
        var miner = MinerFactory.Create(new MinerSpec("m0", em.Family, em.Endpoint, em.Model, em.Credentials), time);
        try
        {
            var running = await miner.ReadStatusAsync();
            Assert.NotNull(running.FanRpm);
            Assert.NotEmpty(running.FanRpm);
            // The emulator turns its fans with the heat to carry: what the driver reads is what the miner says.
            Assert.All(running.FanRpm, rpm => Assert.Equal(em.FanRpm, rpm));
            Assert.InRange(em.FanRpm, 2001, 6000);

            await ((ISleepable)miner).SleepAsync();
            time.Advance(TimeSpan.FromMinutes(2));
            var asleep = await miner.ReadStatusAsync();
            Assert.Equal(MinerMode.Sleeping, asleep.Mode);
            Assert.All(asleep.FanRpm!, rpm => Assert.Equal(0, rpm));
        }
        finally
        {
            if (miner is IAsyncDisposable d) await d.DisposeAsync();
        }
    }
}
