using Curtail.Core.LoadFollowing;
using Curtail.Emulators.Genset;
using Curtail.Modbus.Client;
using Curtail.Modbus.Gensets;
using Curtail.Modbus.Maps;

namespace Curtail.Emulators.Tests;

/// <summary>
/// Real-time tests run alone in this assembly: the bound is about the loop's own deadline timer, which the other
/// classes' emulated fleets would otherwise starve of the two cores (a 0.7 s late wake-up was seen with them alongside).
/// </summary>
[CollectionDefinition(nameof(RealTimeCollection), DisableParallelization = true)]
public sealed class RealTimeCollection;

/// <summary>
/// The live loop against the emulator in real time: a link that goes silent (a half-open peer: the connection stays
/// up, nothing comes back), a hung controller, or a genset controller that goes away, leads to the fail-safe within
/// the link-loss timeout.
/// </summary>
[Collection(nameof(RealTimeCollection))]
public class GensetControlLoopTests
{
    [Theory]
    [InlineData(GensetFaults.StopAnswering, FailSafeMode.ShedToSafeLoad)]
    [InlineData(GensetFaults.FreezeHeartbeat, FailSafeMode.Hold)]
    // None here: the emulator stops (its listener and connections close; reconnects are refused).
    [InlineData(GensetFaults.None, FailSafeMode.ShedToSafeLoad)]
    public async Task Lost_link_or_hung_controller_fails_safe_within_two_seconds_and_logs_why(GensetFaults fault, FailSafeMode mode)
    {
        await using var emulator = new GensetEmulator(new GensetEmulatorOptions
        {
            Profile = new GensetSupplyProfile([(TimeSpan.Zero, 950)], lastPointDuration: TimeSpan.FromDays(1)),
            InitialSiteLoadKw = 600,
        });
        emulator.Start();
        await using var client = new ModbusTcpClient(new ModbusClientOptions
        {
            // A frozen heartbeat still answers: a longer timeout keeps a slow reply on a loaded machine from being
            // taken for a lost link, so that case tests heartbeat detection.
            Host = "127.0.0.1", Port = emulator.Port,
            ResponseTimeout = TimeSpan.FromMilliseconds(fault == GensetFaults.FreezeHeartbeat ? 1500 : 500),
        });
        var reader = new GensetReader(client, RegisterMapLoader.LoadTemplate("default")) { HeartbeatFreezeTimeout = TimeSpan.FromSeconds(1.5) };
        var follower = new LoadFollower(new LoadFollowingSettings { FailSafe = mode, SafeLoadKw = 200, LinkLossTimeout = TimeSpan.FromSeconds(2) });
        var decisions = new List<LoadDecision>();
        var log = new List<string>();
        var site = 600.0;
        var loop = new GensetControlLoop(reader, follower, () => site, d =>
        {
            lock (decisions) decisions.Add(d);
            site = Math.Min(site, d.TargetKw);
            emulator.SetSiteLoadKw(site);
        }, log: line => { lock (log) log.Add(line); }) { PollInterval = TimeSpan.FromMilliseconds(500) };
        using var cts = new CancellationTokenSource();
        var run = loop.RunAsync(cts.Token);

        await WaitFor(() => follower.LastUsableReadingTime is not null, decisions);
        await Task.Delay(1000);
        if (fault == GensetFaults.None) await emulator.StopAsync();
        else emulator.Faults = fault;
        var faultAt = TimeProvider.System.GetUtcNow();
        await WaitFor(() => decisions.Any(d => d.IsFailSafe), decisions, seconds: 10);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        LoadDecision failSafe;
        lock (decisions) failSafe = decisions.First(d => d.IsFailSafe);
        var lastUsable = follower.LastUsableReadingTime!.Value;
        var silence = failSafe.Time - lastUsable;
        Assert.True(silence <= TimeSpan.FromSeconds(2.5), $"fail-safe {silence.TotalSeconds:0.00} s after the last usable reading");
        Assert.True(failSafe.Time - faultAt <= TimeSpan.FromSeconds(fault == GensetFaults.FreezeHeartbeat ? 4.5 : 2.6));
        if (mode == FailSafeMode.ShedToSafeLoad) Assert.Equal(200, failSafe.TargetKw);
        else Assert.True(failSafe.TargetKw <= 600);
        lock (log)
        {
            var line = Assert.Single(log, l => l.Contains(failSafe.Reason.ToString()));
            if (fault != GensetFaults.None) Assert.Contains(fault == GensetFaults.StopAnswering ? "no reply" : "HeartbeatFrozen", line);
        }
    }

    private static async Task WaitFor(Func<bool> condition, List<LoadDecision> decisions, int seconds = 10)
    {
        for (var i = 0; i < seconds * 20; i++)
        {
            lock (decisions) if (condition()) return;
            await Task.Delay(50);
        }
        Assert.Fail("condition not reached");
    }
}
