using Curtail.Core.LoadFollowing;
using Curtail.Core.Time;
using Curtail.Modbus.Gensets;
using Curtail.Modbus.Protocol;

namespace Curtail.Modbus.Tests;

/// <summary>The live loop in fake time with a scripted reader: where exactly the fail-safe lands.</summary>
public class GensetControlLoopTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    private sealed class Harness
    {
        public readonly ManualTimeProvider Time = new(new DateTimeOffset(2026, 7, 1, 18, 0, 0, TimeSpan.Zero));
        public readonly List<LoadDecision> Decisions = [];
        public readonly List<string> Log = [];
        public Func<CancellationToken, Task<GensetReading>> Behaviour = null!;

        public GensetReading Good() => new()
        {
            TimeRead = Time.GetUtcNow(), ActivePowerKw = 600, AvailablePowerKw = 950, RatedPowerKw = 1000, FrequencyHz = 60.5,
            EngineState = EngineState.RunningLoaded, BreakerClosed = true, Heartbeat = 1,
        };

        public async Task AdvanceAsync(TimeSpan total)
        {
            for (var t = TimeSpan.Zero; t < total; t += Tick)
            {
                Time.Advance(Tick);
                // Let the loop's continuations run before the clock moves again.
                for (var i = 0; i < 20; i++) await Task.Delay(1);
            }
        }
    }

    private static (Harness, LoadFollower, Task, CancellationTokenSource) Start(FailSafeMode mode = FailSafeMode.ShedToSafeLoad)
    {
        var h = new Harness();
        h.Behaviour = _ => Task.FromResult(h.Good());
        var follower = new LoadFollower(new LoadFollowingSettings { FailSafe = mode, SafeLoadKw = 250 });
        var loop = new GensetControlLoop(ct => h.Behaviour(ct), follower, () => 600, d => { lock (h.Decisions) h.Decisions.Add(d); }, h.Time,
            line => { lock (h.Log) h.Log.Add(line); });
        var cts = new CancellationTokenSource();
        return (h, follower, Task.Run(() => loop.RunAsync(cts.Token)), cts);
    }

    [Fact]
    public async Task A_hanging_poll_still_fails_safe_at_the_link_loss_deadline()
    {
        var (h, follower, run, cts) = Start();
        await h.AdvanceAsync(TimeSpan.FromSeconds(3));
        var hang = new TaskCompletionSource<GensetReading>();
        h.Behaviour = _ => hang.Task;   // half-open peer: the request never completes
        await h.AdvanceAsync(TimeSpan.FromSeconds(4));
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        LoadDecision failSafe;
        lock (h.Decisions) failSafe = h.Decisions.First(d => d.IsFailSafe);
        var silence = failSafe.Time - follower.LastUsableReadingTime!.Value;
        Assert.InRange(silence, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2) + Tick);
        Assert.Equal(LoadDecisionReason.FailSafeShed, failSafe.Reason);
        Assert.Contains("no reply yet to the poll in progress", failSafe.Detail);
        lock (h.Log) Assert.Contains(h.Log, l => l.Contains("FailSafeShed"));
    }

    [Fact]
    public async Task Failing_polls_hold_then_fail_safe_with_the_link_error_and_recover()
    {
        var (h, follower, run, cts) = Start(FailSafeMode.Hold);
        await h.AdvanceAsync(TimeSpan.FromSeconds(2));
        h.Behaviour = _ => Task.FromException<GensetReading>(new ModbusConnectionException("127.0.0.1:5020: connect failed: Connection refused"));
        await h.AdvanceAsync(TimeSpan.FromSeconds(3));
        List<LoadDecision> during;
        lock (h.Decisions) during = [.. h.Decisions];
        Assert.Contains(during, d => d.Reason == LoadDecisionReason.ReadingMissed);
        var failSafe = during.First(d => d.IsFailSafe);
        Assert.Equal(LoadDecisionReason.FailSafeHold, failSafe.Reason);
        Assert.Contains("Connection refused", failSafe.Detail);
        Assert.InRange(failSafe.Time - follower.LastUsableReadingTime!.Value, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2) + Tick);

        h.Behaviour = _ => Task.FromResult(h.Good());
        await h.AdvanceAsync(TimeSpan.FromSeconds(2));
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        lock (h.Decisions) Assert.False(h.Decisions[^1].IsFailSafe);
    }
}
