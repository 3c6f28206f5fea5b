using Curtail.Miners.Fleet;

namespace Curtail.Miners.Tests;

/// <summary>
/// The dispatcher's retries: the first attempt goes out directly, and only a transient failure enters the retry
/// pipeline, which must still make MaxAttempts attempts in all with its backoff before each retry.
/// </summary>
public class DispatchRetryTests
{
    /// <summary>A sleepable miner whose first sleep commands fail with the failures given, in order.</summary>
    private sealed class FailingMiner(string id, params MinerFailureKind[] failures) : ISleepable
    {
        private readonly Queue<MinerFailureKind> _failures = new(failures);
        private readonly List<DateTimeOffset> _attempts = [];

        public string Id => id;
        public MinerEndpoint Endpoint { get; } = new("127.0.0.1", 1);
        public MinerFamily Family => MinerFamily.LuxOs;
        public ModelSpec Model => ModelCatalog.AntminerS19;
        public bool Asleep { get; private set; }
        public IReadOnlyList<DateTimeOffset> Attempts => _attempts;

        public Task<MinerStatus> ReadStatusAsync(CancellationToken cancellationToken = default) =>
            Task.FromResult(new MinerStatus(id, Family, Model.Name, "test", Asleep ? 0 : 95, Asleep ? Model.SleepW : Model.NominalW,
                PowerSource.Measured, [], Asleep ? MinerMode.Sleeping : MinerMode.Running, null, TimeProvider.System.GetUtcNow()));

        public Task SleepAsync(CancellationToken cancellationToken = default)
        {
            _attempts.Add(TimeProvider.System.GetUtcNow());
            if (_failures.TryDequeue(out var kind)) throw new MinerException(id, kind, $"scripted {kind} failure {_attempts.Count}");
            Asleep = true;
            return Task.CompletedTask;
        }

        public Task WakeAsync(CancellationToken cancellationToken = default)
        {
            Asleep = false;
            return Task.CompletedTask;
        }
    }

    private static readonly TimeSpan BaseDelay = TimeSpan.FromMilliseconds(40);

    private static async Task<MinerCommandResult> SleepAsync(FailingMiner miner) =>
        (await new FleetDispatcher(new DispatchOptions
        {
            MaxAttempts = 3, RetryBaseDelay = BaseDelay, PollInterval = TimeSpan.FromMilliseconds(10), ProbeCount = 0,
            FirstReadDelay = (_, _) => TimeSpan.Zero, SettleBound = (_, _) => TimeSpan.Zero, ConfirmDeadline = (_, _) => TimeSpan.FromSeconds(5),
        }, TimeProvider.System).DispatchAsync([(miner, new MinerAction(miner.Id, MinerActionKind.Sleep, null, miner.Model.SleepW, "test"))])).Results.Single();

    [Fact]
    public async Task A_command_delivered_at_once_takes_one_attempt()
    {
        var miner = new FailingMiner("m0");
        var result = await SleepAsync(miner);
        Assert.Equal(DispatchOutcome.Confirmed, result.Outcome);
        Assert.Equal(1, result.Attempts);
        Assert.Single(miner.Attempts);
    }

    [Fact]
    public async Task A_transient_failure_is_retried_after_a_backoff_and_the_attempts_are_counted()
    {
        var miner = new FailingMiner("m0", MinerFailureKind.Busy, MinerFailureKind.Timeout);
        var result = await SleepAsync(miner);
        Assert.Equal(DispatchOutcome.Confirmed, result.Outcome);
        Assert.Equal(3, result.Attempts);
        Assert.Equal(3, miner.Attempts.Count);
        // Polly's exponential backoff with jitter waits at least part of the base delay before each retry.
        Assert.True(miner.Attempts[1] - miner.Attempts[0] >= BaseDelay / 4, $"second attempt {(miner.Attempts[1] - miner.Attempts[0]).TotalMilliseconds} ms after the first");
    }

    [Fact]
    public async Task A_miner_that_keeps_failing_transiently_fails_after_max_attempts_with_the_last_reason()
    {
        var miner = new FailingMiner("m0", MinerFailureKind.Busy, MinerFailureKind.Busy, MinerFailureKind.Connection, MinerFailureKind.Busy);
        var result = await SleepAsync(miner);
        Assert.Equal(DispatchOutcome.Failed, result.Outcome);
        Assert.Equal(3, result.Attempts);
        Assert.Equal(3, miner.Attempts.Count);
        Assert.Contains("scripted Connection failure 3", result.Error);
        Assert.False(miner.Asleep);
    }

    [Fact]
    public async Task A_refusal_is_not_retried()
    {
        var miner = new FailingMiner("m0", MinerFailureKind.Rejected);
        var result = await SleepAsync(miner);
        Assert.Equal(DispatchOutcome.Failed, result.Outcome);
        Assert.Equal(1, result.Attempts);
        Assert.Single(miner.Attempts);
        Assert.Contains("scripted Rejected failure 1", result.Error);
    }
}
