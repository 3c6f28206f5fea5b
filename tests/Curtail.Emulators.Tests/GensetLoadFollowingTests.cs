using Curtail.Core.LoadFollowing;
using Curtail.Core.Time;
using Curtail.Emulators.Genset;
using Curtail.Modbus.Client;
using Curtail.Modbus.Gensets;
using Curtail.Modbus.Maps;

namespace Curtail.Emulators.Tests;

/// <summary>The load follower closing the loop over Modbus against the emulated genset, in fake time.</summary>
public class GensetLoadFollowingTests
{
    private static readonly DateTimeOffset T0 = new(2026, 7, 1, 18, 0, 0, TimeSpan.Zero);

    private static GensetSupplyProfile PressureDrop() => GensetSupplyProfile.ParseCsv(
        new StringReader("time,available_kw\n0,950\n30,500\n90,950\n"), "drop.csv");

    private static async Task<(int Trips, List<LoadDecision> Decisions, List<double> Loads)> Run(bool follow, int seconds = 180)
    {
        var time = new ManualTimeProvider(T0);
        await using var emulator = new GensetEmulator(new GensetEmulatorOptions { Profile = PressureDrop(), InitialSiteLoadKw = 800 }, time);
        emulator.Start();
        await using var client = new ModbusTcpClient(new ModbusClientOptions { Host = "127.0.0.1", Port = emulator.Port, ResponseTimeout = TimeSpan.FromSeconds(5) });
        var reader = new GensetReader(client, RegisterMapLoader.LoadTemplate("default"), time: time);
        var follower = new LoadFollower(new LoadFollowingSettings { SafeLoadKw = 300 });
        var decisions = new List<LoadDecision>();
        var loads = new List<double>();
        double site = 800;
        for (var s = 0; s < seconds; s++)
        {
            var reading = await reader.ReadAsync();
            if (follow)
            {
                var d = follower.Decide(reading, site, time.GetUtcNow());
                decisions.Add(d);
                site = d.TargetKw;
                emulator.SetSiteLoadKw(site);
            }
            loads.Add(site);
            time.Advance(TimeSpan.FromSeconds(1));
        }
        return (emulator.State.Trips, decisions, loads);
    }

    [Fact]
    public async Task Without_load_following_a_gas_pressure_drop_trips_the_genset()
    {
        var (trips, _, _) = await Run(follow: false, seconds: 60);
        Assert.True(trips >= 1);
    }

    [Fact]
    public async Task Load_following_sheds_within_one_poll_and_ramps_back_in_steps_without_a_trip()
    {
        var (trips, decisions, loads) = await Run(follow: true);
        Assert.Equal(0, trips);
        // Before the drop the site sits at the headroom ceiling.
        Assert.Equal(855, loads[29], 1);
        // The drop happens at t=30; the poll at t=30 sheds to 500 * 0.9.
        Assert.Equal(LoadDecisionReason.Overload, decisions[30].Reason);
        Assert.Equal(450, loads[30], 1);
        Assert.All(loads.Skip(30).Take(60), l => Assert.True(l <= 450 + 1e-6));
        // After supply returns at t=90 the load climbs in steps of at most 15 % with 5 s between them.
        var ramp = loads.Skip(90).ToList();
        for (var i = 1; i < ramp.Count; i++) Assert.True(ramp[i] - ramp[i - 1] <= 150 + 1e-6);
        Assert.Equal(855, loads[^1], 1);
        var increases = Enumerable.Range(91, loads.Count - 91).Where(i => loads[i] > loads[i - 1] + 1e-6).ToList();
        for (var i = 1; i < increases.Count; i++) Assert.True(increases[i] - increases[i - 1] >= 5);
    }
}
