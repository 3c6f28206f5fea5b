using Curtail.Core.Time;

namespace Curtail.Core.Tests.Time;

public class ManualTimeProviderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Clock_moves_only_when_advanced()
    {
        var time = new ManualTimeProvider(T0);
        Assert.Equal(T0, time.GetUtcNow());
        var ts = time.GetTimestamp();
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(T0.AddSeconds(3), time.GetUtcNow());
        Assert.Equal(TimeSpan.FromSeconds(3), time.GetElapsedTime(ts));
        Assert.Throws<ArgumentOutOfRangeException>(() => time.Advance(TimeSpan.FromSeconds(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => time.SetUtcNow(T0));
    }

    [Fact]
    public void One_shot_timer_fires_once_at_its_due_time()
    {
        var time = new ManualTimeProvider(T0);
        var fired = new List<DateTimeOffset>();
        using var timer = time.CreateTimer(_ => fired.Add(time.GetUtcNow()), null, TimeSpan.FromSeconds(2), Timeout.InfiniteTimeSpan);
        time.Advance(TimeSpan.FromSeconds(1.9));
        Assert.Empty(fired);
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal([T0.AddSeconds(2)], fired);
        Assert.Equal(T0.AddSeconds(6.9), time.GetUtcNow());
    }

    [Fact]
    public void Periodic_timer_fires_every_period_in_order_with_others()
    {
        var time = new ManualTimeProvider(T0);
        var log = new List<string>();
        using var a = time.CreateTimer(_ => log.Add($"a{(time.GetUtcNow() - T0).TotalSeconds}"), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        using var b = time.CreateTimer(_ => log.Add($"b{(time.GetUtcNow() - T0).TotalSeconds}"), null, TimeSpan.FromSeconds(2.5), Timeout.InfiniteTimeSpan);
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(["a1", "a2", "b2.5", "a3"], log);
    }

    [Fact]
    public void Disposed_or_changed_timers_do_not_fire()
    {
        var time = new ManualTimeProvider(T0);
        var count = 0;
        var timer = time.CreateTimer(_ => count++, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(2, count);
        timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(2, count);
        timer.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        timer.Dispose();
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(2, count);
        Assert.Equal(0, time.ActiveTimerCount);
    }

    [Fact]
    public async Task Task_delay_and_cancellation_timeouts_follow_the_fake_clock()
    {
        var time = new ManualTimeProvider(T0);
        var delay = Task.Delay(TimeSpan.FromSeconds(10), time);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5), time);
        var never = new TaskCompletionSource();
        var wait = never.Task.WaitAsync(TimeSpan.FromSeconds(7), time);
        time.Advance(TimeSpan.FromSeconds(4.99));
        Assert.False(delay.IsCompleted);
        Assert.False(cts.IsCancellationRequested);
        time.Advance(TimeSpan.FromSeconds(0.02));
        Assert.True(cts.IsCancellationRequested);
        time.Advance(TimeSpan.FromSeconds(2));
        await Assert.ThrowsAsync<TimeoutException>(() => wait);
        Assert.False(delay.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(3));
        await delay.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
