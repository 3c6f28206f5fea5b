using Curtail.Emulators.Miners;
using Curtail.Miners;

namespace Curtail.Miners.Tests;

/// <summary>Starts an emulated fleet on loopback on ports no other test in this assembly uses.</summary>
public static class TestFleet
{
    private static int _nextPort = 21000 + Environment.ProcessId % 20 * 250; // below the ephemeral range (32768+)

    public static readonly DateTimeOffset Epoch = new(2026, 7, 1, 12, 0, 0, TimeSpan.Zero);

    public static MinerFleetEmulator Start(MinerFamily family, int count, out FakeTimeProvider time,
        double speed = 1, TimeSpan? antminerReply = null, FaultInjection? faults = null)
    {
        time = new FakeTimeProvider(Epoch);
        var basePort = Interlocked.Add(ref _nextPort, 2 * count) - 2 * count;
        var fleet = new MinerFleetEmulator(new FleetEmulatorOptions
        {
            Count = count,
            Mix = [(family, 1)],
            BasePort = basePort,
            Seed = 42,
            Timing = new EmulatorTiming { SpeedFactor = speed, AntminerConfReplyOverride = antminerReply ?? TimeSpan.FromMilliseconds(200) },
            Faults = faults ?? FaultInjection.None,
        }, time);
        fleet.Start();
        return fleet;
    }
}
