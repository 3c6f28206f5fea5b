using Curtail.Emulators.Miners;
using Curtail.Miners.Drivers;
using Curtail.Miners.Fleet;

namespace Curtail.Miners.Tests;

/// <summary>One misbehaving miner costs that miner only: every family against the emulator's fault switches.</summary>
public class MinerFaultTests
{
    private const double Speed = 50;

    private static readonly DriverOptions Fast = new()
    {
        CommandTimeout = TimeSpan.FromMilliseconds(1500), SilentReplyGrace = TimeSpan.FromMilliseconds(100),
    };

    private static IMiner Driver(EmulatedMiner m) =>
        MinerFactory.Create(new MinerSpec($"m{m.Index}", m.Family, m.Endpoint, m.Model, m.Credentials), TimeProvider.System, Fast);

    public static TheoryData<MinerFamily, MinerFaultSwitch> UnusableReplies()
    {
        var data = new TheoryData<MinerFamily, MinerFaultSwitch>();
        foreach (var family in new[] { MinerFamily.LuxOs, MinerFamily.WhatsminerV2, MinerFamily.WhatsminerV3, MinerFamily.AntminerStock,
                     MinerFamily.BraiinsOs, MinerFamily.Vnish, MinerFamily.Cgminer })
        foreach (var fault in new[] { MinerFaultSwitch.DuplicateKey, MinerFaultSwitch.NonFinite, MinerFaultSwitch.Malformed, MinerFaultSwitch.WrongType })
            data.Add(family, fault);
        return data;
    }

    [Theory]
    [MemberData(nameof(UnusableReplies))]
    public async Task A_reply_with_a_duplicate_key_an_overflowing_number_a_wrong_type_or_cut_short_is_that_miners_protocol_error(MinerFamily family, MinerFaultSwitch fault)
    {
        await using var fleet = TestFleetReal.Start(family, 1, Speed);
        var emulated = fleet.Miners[0];
        var miner = Driver(emulated);
        var healthy = await miner.ReadStatusAsync(); // the same miner reads while the switch is off
        Assert.True(healthy.PowerW > 0);

        emulated.Fault = fault;
        var ex = await Assert.ThrowsAsync<MinerException>(() => miner.ReadStatusAsync());

        Assert.Equal(MinerFailureKind.Protocol, ex.Kind);
        Assert.StartsWith("miner m0: ", ex.Message);
        string[] expected = fault switch
        {
            MinerFaultSwitch.DuplicateKey => ["Duplicate property"],
            MinerFaultSwitch.NonFinite => ["1e999"],
            // A number read where an array came, or an object looked into where an array came.
            MinerFaultSwitch.WrongType => ["expected a number", "must be of type"],
            _ => ["not JSON"],
        };
        Assert.True(expected.Any(e => ex.Message.Contains(e, StringComparison.Ordinal)), ex.Message);
    }

    [Theory]
    [InlineData(MinerFamily.LuxOs, MinerFaultSwitch.Silence, MinerFailureKind.Timeout)]
    [InlineData(MinerFamily.LuxOs, MinerFaultSwitch.PowerOff, MinerFailureKind.Timeout)]
    [InlineData(MinerFamily.Vnish, MinerFaultSwitch.HungHttp, MinerFailureKind.Timeout)]
    [InlineData(MinerFamily.WhatsminerV3, MinerFaultSwitch.Reset, MinerFailureKind.Connection)]
    [InlineData(MinerFamily.BraiinsOs, MinerFaultSwitch.Reset, MinerFailureKind.Connection)]
    public async Task A_miner_that_stops_answering_is_a_timeout_or_connection_error(MinerFamily family, MinerFaultSwitch fault, MinerFailureKind kind)
    {
        await using var fleet = TestFleetReal.Start(family, 1, Speed);
        fleet.Miners[0].Fault = fault;
        var ex = await Assert.ThrowsAsync<MinerException>(() => Driver(fleet.Miners[0]).ReadStatusAsync());
        Assert.Equal(kind, ex.Kind);
        Assert.StartsWith("miner m0: ", ex.Message);
    }

    [Fact]
    public async Task A_mixed_fleet_is_read_and_shed_to_target_around_miners_that_cannot_be_read()
    {
        await using var fleet = TestFleetReal.Start(
            [(MinerFamily.LuxOs, 1), (MinerFamily.WhatsminerV2, 1), (MinerFamily.BraiinsOs, 1), (MinerFamily.WhatsminerV3, 1)], 12, Speed);
        var members = fleet.Miners.Select(m => new FleetMember(Driver(m))).ToList();
        var actuator = new FleetActuator(members, new FleetDispatcher(new DispatchOptions
        {
            MaxConcurrentCommands = 8, MaxConcurrentReads = 8,
            PollInterval = TimeSpan.FromMilliseconds(50), RetryBaseDelay = TimeSpan.FromMilliseconds(20),
        }.ScaledDeadlines(Speed / 10), TimeProvider.System), TimeProvider.System);
        var first = await actuator.ReadAllAsync();
        Assert.All(first, r => Assert.True(r.IsLive, r.Error));

        // One miner of three families each turns bad: a duplicate key, 1e999, and a silent power-off.
        var bad = new Dictionary<string, MinerFaultSwitch>
        {
            [$"m{fleet.Miners.First(m => m.Family == MinerFamily.LuxOs).Index}"] = MinerFaultSwitch.DuplicateKey,
            [$"m{fleet.Miners.First(m => m.Family == MinerFamily.WhatsminerV2).Index}"] = MinerFaultSwitch.NonFinite,
            [$"m{fleet.Miners.First(m => m.Family == MinerFamily.BraiinsOs).Index}"] = MinerFaultSwitch.PowerOff,
        };
        foreach (var m in fleet.Miners) m.Fault = bad.GetValueOrDefault($"m{m.Index}");
        var target = fleet.Miners.Sum(m => m.Model.NominalW) * 0.5;

        var reads = await actuator.ReadAllAsync();
        var report = await actuator.ApplyTargetAsync(target, reads);

        foreach (var r in reads)
        {
            var id = r.Member.Miner.Id;
            Assert.Equal(!bad.ContainsKey(id), r.IsLive);
            if (r.IsLive) continue;
            Assert.Contains($"miner {id}: ", r.Error);
            Assert.Null(r.Status); // nothing stale shown as live
            Assert.NotNull(r.LastGood);
            Assert.Equal(first.Single(f => f.Member.Miner.Id == id).LastSeen, r.LastSeen);
        }
        Assert.DoesNotContain(report.Results, r => bad.ContainsKey(r.MinerId)); // unreadable miners are not commanded
        Assert.True(report.TargetMet, $"plan {report.ExpectedLoadW:0} W for {target:0} W\n" + string.Join("\n", report.Results));
        Assert.All(report.Results, r => Assert.Equal(DispatchOutcome.Confirmed, r.Outcome));
        await Task.Delay(TimeSpan.FromMilliseconds(300)); // the last watts of the sleep ramps at this speed
        Assert.True(fleet.TotalPowerW <= target, $"emulated load {fleet.TotalPowerW:0} W above target {target:0} W");
    }
}
