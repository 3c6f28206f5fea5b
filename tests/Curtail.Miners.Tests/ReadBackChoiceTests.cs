using Curtail.Miners.Fleet;

namespace Curtail.Miners.Tests;

/// <summary>
/// Which read confirms a command: a sleep takes the miner's sleep-state read where it has one, other actions the
/// power-state read; a read that fails is counted apart from one that shows no effect yet.
/// </summary>
public class ReadBackChoiceTests
{
    /// <summary>A miner with all three reads, counting each; its first <c>failReads</c> read-backs fail.</summary>
    private sealed class CountingMiner(string id, int failReads = 0) : ISleepable, IPowerStateReadable, ISleepStateReadable
    {
        private int _failReads = failReads;

        public string Id => id;
        public MinerEndpoint Endpoint { get; } = new("127.0.0.1", 1);
        public MinerFamily Family => MinerFamily.BraiinsOs;
        public ModelSpec Model => ModelCatalog.AntminerS19;
        public bool Asleep { get; private set; }
        public int FullReads { get; private set; }
        public int PowerStateReads { get; private set; }
        public int SleepStateReads { get; private set; }

        private Task<MinerStatus> Reading()
        {
            if (_failReads-- > 0) throw new MinerException(id, MinerFailureKind.Timeout, "scripted read-back timeout");
            return Task.FromResult(new MinerStatus(id, Family, Model.Name, "test", Asleep ? 0 : 95, Asleep ? Model.SleepW : Model.NominalW,
                PowerSource.Measured, [], Asleep ? MinerMode.Sleeping : MinerMode.Running, null, TimeProvider.System.GetUtcNow()));
        }

        public Task<MinerStatus> ReadStatusAsync(CancellationToken cancellationToken = default)
        {
            FullReads++;
            return Reading();
        }

        public Task<MinerStatus> ReadPowerStateAsync(CancellationToken cancellationToken = default)
        {
            PowerStateReads++;
            return Reading();
        }

        public Task<MinerStatus> ReadSleepStateAsync(CancellationToken cancellationToken = default)
        {
            SleepStateReads++;
            return Reading();
        }

        public Task SleepAsync(CancellationToken cancellationToken = default)
        {
            Asleep = true;
            return Task.CompletedTask;
        }

        public Task WakeAsync(CancellationToken cancellationToken = default)
        {
            Asleep = false;
            return Task.CompletedTask;
        }
    }

    private static FleetDispatcher Dispatcher() => new(new DispatchOptions
    {
        MaxAttempts = 1, PollInterval = TimeSpan.FromMilliseconds(10), ProbeCount = 1, ProbeInterval = TimeSpan.FromMilliseconds(10),
        FirstReadDelay = (_, _) => TimeSpan.Zero, SettleBound = (_, _) => TimeSpan.Zero, ConfirmDeadline = (_, _) => TimeSpan.FromSeconds(5),
    }, TimeProvider.System);

    private static MinerAction Action(IMiner miner, MinerActionKind kind) => new(miner.Id, kind, null, miner.Model.SleepW, "test");

    [Fact]
    public async Task A_sleep_is_confirmed_by_the_sleep_state_read_and_a_wake_by_the_power_state_read()
    {
        var miner = new CountingMiner("m0");
        var dispatcher = Dispatcher();

        var sleep = await dispatcher.DispatchAsync([(miner, Action(miner, MinerActionKind.Sleep))]);
        Assert.Equal(DispatchOutcome.Confirmed, sleep.Results.Single().Outcome);
        Assert.Equal((1, 0, 0), (miner.SleepStateReads, miner.PowerStateReads, miner.FullReads));
        Assert.NotNull(sleep.ProbeFindings[(MinerFamily.BraiinsOs, MinerActionKind.Sleep)]);

        var wake = await dispatcher.DispatchAsync([(miner, Action(miner, MinerActionKind.Wake))]);
        Assert.Equal(DispatchOutcome.Confirmed, wake.Results.Single().Outcome);
        Assert.Equal((1, 1, 0), (miner.SleepStateReads, miner.PowerStateReads, miner.FullReads));
    }

    [Fact]
    public async Task Failed_read_backs_are_counted_apart_and_the_confirming_read_is_timed()
    {
        var miner = new CountingMiner("m0", failReads: 2);
        var result = (await Dispatcher().DispatchAsync([(miner, Action(miner, MinerActionKind.Sleep))])).Results.Single();
        Assert.Equal(DispatchOutcome.Confirmed, result.Outcome);
        Assert.Equal(3, result.ReadBacks);
        Assert.Equal(2, result.FailedReadBacks);
        Assert.NotNull(result.ConfirmingRead);
        Assert.True(result.ConfirmingRead <= result.ConfirmAfterAcknowledged, $"{result.ConfirmingRead} > {result.ConfirmAfterAcknowledged}");
    }

    [Fact]
    public async Task Without_probes_that_saw_the_effect_the_finding_is_null()
    {
        var miner = new CountingMiner("m0");
        var report = await new FleetDispatcher(new DispatchOptions
        {
            MaxAttempts = 1, PollInterval = TimeSpan.FromMilliseconds(10), ProbeCount = 0,
            FirstReadDelay = (_, _) => TimeSpan.Zero, SettleBound = (_, _) => TimeSpan.Zero, ConfirmDeadline = (_, _) => TimeSpan.FromSeconds(5),
        }, TimeProvider.System).DispatchAsync([(miner, Action(miner, MinerActionKind.Sleep))]);
        Assert.Null(report.ProbeFindings[(MinerFamily.BraiinsOs, MinerActionKind.Sleep)]);
    }
}
