using Curtail.Emulators.Miners;
using Curtail.Miners.Fleet;

namespace Curtail.Miners.Tests;

/// <summary>
/// When the dispatcher reads a commanded miner back: probes find the firmware's delay, the others look then. Emulated
/// LuxOS at speed 10 sleeps in 400 ms from receiving `curtail`; the documented bound scales to 500 ms.
/// </summary>
public class ReadBackScheduleTests
{
    private const double Speed = 10;

    private static (MinerFleetEmulator Fleet, List<(IMiner Miner, MinerAction Action)> Work) SleepAll(int count)
    {
        var fleet = TestFleetReal.Start(MinerFamily.LuxOs, count, Speed);
        var work = fleet.Miners.Select(m => (MinerFactory.Create(new MinerSpec($"m{m.Index}", m.Family, m.Endpoint, m.Model, m.Credentials),
                TimeProvider.System, new Drivers.DriverOptions { CommandTimeout = TimeSpan.FromSeconds(5) }),
            new MinerAction($"m{m.Index}", MinerActionKind.Sleep, null, m.Model.SleepW, "test"))).ToList();
        return (fleet, work);
    }

    private static DispatchOptions Options(TimeSpan deadline) => new DispatchOptions
    {
        MaxConcurrentCommands = 8, MaxConcurrentReads = 8, RetryBaseDelay = TimeSpan.FromMilliseconds(20),
        PollInterval = TimeSpan.FromSeconds(1), ProbeCount = 4, ProbeInterval = TimeSpan.FromMilliseconds(20),
    }.ScaledDeadlines(Speed) with { ConfirmDeadline = (_, _) => deadline };

    [Fact]
    public async Task Miners_that_are_not_probes_are_read_back_when_the_probes_saw_the_effect()
    {
        // The shed path's code compiled first, on another fleet: cold first commands (several times slower than the
        // rest) would make the probes' offsets, counted from their acknowledgements, short for everyone else.
        var (warm, warmWork) = SleepAll(4);
        await using (warm) await new FleetDispatcher(Options(TimeSpan.FromSeconds(10)), TimeProvider.System).DispatchAsync(warmWork);
        var (fleet, work) = SleepAll(40);
        await using var _ = fleet;
        var dispatcher = new FleetDispatcher(Options(TimeSpan.FromSeconds(10)), TimeProvider.System);

        var report = await dispatcher.DispatchAsync(work);

        Assert.All(report.Results, r => Assert.Equal(DispatchOutcome.Confirmed, r.Outcome));
        // Confirmed means a read showed it: asleep at sleep power, and so says the emulator.
        Assert.All(report.Results, r => Assert.True(r.LastStatus is { Mode: MinerMode.Sleeping, PowerW: <= 50 }, r.ToString()));
        Assert.All(fleet.Miners, m => Assert.True(m.Asleep && m.PowerW <= 2 * m.Model.SleepW, $"m{m.Index}: {m.PowerW:0} W"));
        // A probe's first look (250 ms after its command: half the documented 500 ms) cannot see a 400 ms sleep, nor
        // could the first look of a schedule that is fixed rather than found: most miners here are confirmed by their
        // first read-back. Not all: the probes' offsets count from their acknowledgement, and under load one command's
        // latency differs from another's by more than the probes' 20 ms, so some need a second look (a fixed schedule: none
        // at the first).
        var firstTime = report.Results.Count(r => r.ReadBacks == 1);
        Assert.True(firstTime >= report.Results.Count / 4,
            $"{firstTime} of {report.Results.Count} confirmed by their first read-back\n" + string.Join("\n", report.Results.Select(r => $"{r} after {r.ReadBacks} reads")));
        // The confirm clock starts at the command's start: its own latency, then the wait after its acknowledgement.
        // (Equal to the timestamp: each is converted from the same ticks, rounded apart by at most a microsecond.)
        Assert.All(report.Results, r => Assert.InRange((r.CommandLatency + r.ConfirmAfterAcknowledged!.Value - r.ConfirmLatency!.Value).Duration(),
            TimeSpan.Zero, TimeSpan.FromMicroseconds(1)));
    }

    [Fact]
    public async Task Where_the_effect_never_shows_nothing_is_confirmed_whichever_miners_were_probes()
    {
        var (fleet, work) = SleepAll(16);
        await using var _ = fleet;
        // Firmware that answers success and does nothing (S21+ FW Feb 2025), on every other miner: some probes, some not.
        foreach (var m in fleet.Miners.Where(m => m.Index % 2 == 0)) m.IgnoreWrites = true;
        var dispatcher = new FleetDispatcher(Options(TimeSpan.FromSeconds(2)), TimeProvider.System);

        var report = await dispatcher.DispatchAsync(work);

        foreach (var (r, m) in report.Results.Zip(fleet.Miners))
        {
            Assert.Equal($"m{m.Index}", r.MinerId);
            if (m.IgnoreWrites)
            {
                Assert.Equal(DispatchOutcome.Unconfirmed, r.Outcome);
                Assert.Contains("no effect within", r.Error);
                Assert.Null(r.ConfirmLatency);
                Assert.True(r.ReadBacks >= 1);
                Assert.NotEqual(MinerMode.Sleeping, r.LastStatus!.Mode);
            }
            else
            {
                Assert.Equal(DispatchOutcome.Confirmed, r.Outcome);
            }
        }
    }

    [Fact]
    public async Task When_no_probe_sees_the_effect_the_others_wait_for_the_documented_time_and_still_look()
    {
        var (fleet, work) = SleepAll(12);
        await using var _ = fleet;
        foreach (var m in fleet.Miners) m.IgnoreWrites = true;
        var dispatcher = new FleetDispatcher(Options(TimeSpan.FromSeconds(1)) with { PollInterval = TimeSpan.FromMilliseconds(100) }, TimeProvider.System);

        var report = await dispatcher.DispatchAsync(work);

        Assert.All(report.Results, r => Assert.Equal(DispatchOutcome.Unconfirmed, r.Outcome));
        Assert.All(report.Results, r => Assert.True(r.ReadBacks >= 1, r.ToString()));
        Assert.All(fleet.Miners, m => Assert.False(m.Asleep));
    }
}
