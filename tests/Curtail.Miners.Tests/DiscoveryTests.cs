using Curtail.Emulators.Miners;

namespace Curtail.Miners.Tests;

public class DiscoveryTests
{
    [Fact]
    public async Task Tells_each_family_and_firmware_of_an_emulated_fleet()
    {
        var time = new FakeTimeProvider(TestFleet.Epoch);
        var families = new[]
        {
            MinerFamily.AntminerStock, MinerFamily.LuxOs, MinerFamily.WhatsminerV2, MinerFamily.WhatsminerV3,
            MinerFamily.BraiinsOs, MinerFamily.Vnish, MinerFamily.Cgminer, MinerFamily.Epic, MinerFamily.Avalon,
        };
        await using var fleet = new MinerFleetEmulator(new FleetEmulatorOptions
        {
            Count = families.Length, Mix = families.Select(f => (f, 1.0)).ToList(),
            BasePort = 31000 + Environment.ProcessId % 20 * 40, Seed = 3,
        }, time);
        fleet.Start();

        // A generous per-probe timeout: CI runs the test projects side by side on two cores, and this test is about
        // what discovery tells, not how fast.
        var found = await Task.WhenAll(fleet.Miners.Select(m => MinerDiscovery.IdentifyEndpointAsync(m.Endpoint, TimeSpan.FromSeconds(5))));

        for (var i = 0; i < fleet.Miners.Count; i++)
        {
            var miner = fleet.Miners[i];
            var result = found[i];
            Assert.True(result is not null, $"{miner.Family} at {miner.Endpoint} not identified");
            Assert.Equal(miner.Family, result.Family);
            Assert.Equal(miner.Endpoint.Port, result.Endpoint.Port);
            Assert.False(string.IsNullOrEmpty(result.Firmware));
        }
        var lux = found.Single(f => f!.Family == MinerFamily.LuxOs)!;
        Assert.Contains("2024.10", lux.Firmware);
        foreach (var family in new[] { MinerFamily.WhatsminerV2, MinerFamily.Vnish, MinerFamily.LuxOs, MinerFamily.AntminerStock })
        {
            var emulated = fleet.Miners.Single(m => m.Family == family);
            Assert.Equal(emulated.Model.Name, found.Single(f => f!.Family == family)!.Model);
        }
        // ePIC by its HTTP /capabilities on the 4028 port, Avalon by cgminer version PROD.
        var epic = found.Single(f => f!.Family == MinerFamily.Epic)!;
        Assert.Equal("PowerPlay-BMS v1.5.13", epic.Firmware);
        Assert.StartsWith("AntMiner S19", epic.Model);
        var avalon = found.Single(f => f!.Family == MinerFamily.Avalon)!;
        Assert.StartsWith("Avalon 1", avalon.Model);
        var v3 = found.Single(f => f!.Family == MinerFamily.WhatsminerV3)!;
        Assert.Equal("20250214.22.REL", v3.Firmware);
    }

    [Fact]
    public async Task Nothing_listening_is_null_not_an_exception()
    {
        var result = await MinerDiscovery.IdentifyEndpointAsync(new MinerEndpoint("127.0.0.1", 25699), TimeSpan.FromMilliseconds(300));
        Assert.Null(result);
    }
}
