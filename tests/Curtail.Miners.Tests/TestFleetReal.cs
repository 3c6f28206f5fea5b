using Curtail.Emulators.Miners;

namespace Curtail.Miners.Tests;

/// <summary>An emulated fleet on the system clock, sped up: for dispatch tests whose deadlines are real time.</summary>
public static class TestFleetReal
{
    private static int _nextPort = 26000 + Environment.ProcessId % 20 * 250; // below the ephemeral range (32768+)

    public static MinerFleetEmulator Start(MinerFamily family, int count, double speed, FaultInjection? faults = null) =>
        Start([(family, 1)], count, speed, faults);

    public static MinerFleetEmulator Start(IReadOnlyList<(MinerFamily Family, double Weight)> mix, int count, double speed, FaultInjection? faults = null)
    {
        // Other processes on this shared machine (tests, fleets) may hold a port of the range: the emulator lets go of
        // what it bound and the next range is tried.
        for (var attempt = 1; ; attempt++)
        {
            var basePort = Interlocked.Add(ref _nextPort, 2 * count) - 2 * count;
            var fleet = new MinerFleetEmulator(new FleetEmulatorOptions
            {
                Count = count, Mix = mix, BasePort = basePort, Seed = 7,
                Timing = new EmulatorTiming { SpeedFactor = speed }, Faults = faults ?? FaultInjection.None,
            }, TimeProvider.System);
            try
            {
                fleet.Start();
                return fleet;
            }
            catch (InvalidOperationException) when (attempt < 5)
            {
            }
        }
    }
}
