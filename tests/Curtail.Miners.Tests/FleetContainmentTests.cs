using Curtail.Miners.Fleet;

namespace Curtail.Miners.Tests;

/// <summary>FleetActuator and FleetDispatcher with drivers that fail in ways no driver should: they cost that miner only.</summary>
public class FleetContainmentTests
{
    /// <summary>An in-memory sleepable miner whose reads and writes can be made to throw anything.</summary>
    private sealed class ScriptedMiner(string id, double powerW) : ISleepable
    {
        public string Id => id;
        public MinerEndpoint Endpoint { get; } = new("127.0.0.1", 1);
        public MinerFamily Family => MinerFamily.LuxOs;
        public ModelSpec Model => ModelCatalog.AntminerS19;
        public double PowerW { get; set; } = powerW;
        public bool Asleep { get; private set; }
        public Func<Exception>? ReadFailure { get; set; }
        public Func<Exception>? SleepFailure { get; set; }

        public Task<MinerStatus> ReadStatusAsync(CancellationToken cancellationToken = default)
        {
            if (ReadFailure is { } f) throw f();
            return Task.FromResult(new MinerStatus(id, Family, Model.Name, "test", Asleep ? 0 : 95, Asleep ? Model.SleepW : PowerW,
                PowerSource.Measured, [], Asleep ? MinerMode.Sleeping : MinerMode.Running, null, TimeProvider.System.GetUtcNow()));
        }

        public Task SleepAsync(CancellationToken cancellationToken = default)
        {
            if (SleepFailure is { } f) throw f();
            Asleep = true;
            return Task.CompletedTask;
        }

        public Task WakeAsync(CancellationToken cancellationToken = default)
        {
            Asleep = false;
            return Task.CompletedTask;
        }
    }

    private static FleetActuator Actuator(IEnumerable<ScriptedMiner> miners) => new(
        miners.Select(m => new FleetMember(m)).ToList(),
        new FleetDispatcher(new DispatchOptions
        {
            MaxAttempts = 1, PollInterval = TimeSpan.FromMilliseconds(10),
            ConfirmDeadline = (_, _) => TimeSpan.FromMilliseconds(200), FirstReadDelay = (_, _) => TimeSpan.Zero,
        }, TimeProvider.System),
        TimeProvider.System);

    [Fact]
    public async Task A_read_throwing_an_unexpected_exception_type_is_that_miners_error_and_the_rest_is_read()
    {
        var miners = Enumerable.Range(0, 4).Select(i => new ScriptedMiner($"s{i}", 3250)).ToList();
        miners[1].ReadFailure = () => new ArgumentException("An item with the same key has already been added. Key: Watts");
        miners[2].ReadFailure = () => new OverflowException("Value was either too large or too small for a Double.");

        var reads = await Actuator(miners).ReadAllAsync();

        Assert.Equal([true, false, false, true], reads.Select(r => r.IsLive));
        Assert.Contains("miner s1: status read: unexpected reply (ArgumentException: An item with the same key", reads[1].Error);
        Assert.Contains("miner s2: status read: unexpected reply (OverflowException", reads[2].Error);
    }

    [Fact]
    public async Task Only_cancelling_the_whole_read_stops_it_a_miners_own_cancellation_is_its_timeout()
    {
        var miners = Enumerable.Range(0, 3).Select(i => new ScriptedMiner($"s{i}", 3250)).ToList();
        miners[1].ReadFailure = () => new TaskCanceledException("the driver's own deadline passed");
        var actuator = Actuator(miners);

        var reads = await actuator.ReadAllAsync();
        Assert.Equal([true, false, true], reads.Select(r => r.IsLive));
        Assert.Contains("miner s1: status read: the driver's own deadline passed", reads[1].Error);

        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => actuator.ReadAllAsync(cancelled.Token));
    }

    [Fact]
    public async Task A_write_or_read_back_throwing_anything_fails_that_miner_and_others_cover_the_shed()
    {
        var miners = Enumerable.Range(0, 4).Select(i => new ScriptedMiner($"s{i}", 3250)).ToList();
        var actuator = Actuator(miners);
        // The first miners chosen (same efficiency: by id) fail in the write and in the confirming read.
        miners[0].SleepFailure = () => new InvalidOperationException("The node must be of type 'JsonObject'.");
        var reads = await actuator.ReadAllAsync();
        miners[1].ReadFailure = () => new ArgumentException("duplicate key in read-back");

        // s0 and s1 still count at full power (their sleep is not confirmed): s2 and s3 must sleep for the target.
        var report = await actuator.ApplyTargetAsync(2 * 3250 + 2 * ModelCatalog.AntminerS19.SleepW, reads);

        var s0 = report.Results.Single(r => r.MinerId == "s0");
        Assert.Equal(DispatchOutcome.Failed, s0.Outcome);
        Assert.Contains("sleep: unexpected reply (InvalidOperationException", s0.Error);
        var s1 = report.Results.Single(r => r.MinerId == "s1");
        Assert.Equal(DispatchOutcome.Unconfirmed, s1.Outcome);
        Assert.Contains("read-back: unexpected reply (ArgumentException", s1.Error);
        Assert.True(miners[2].Asleep && miners[3].Asleep, string.Join("\n", report.Results));
        Assert.True(report.TargetMet, $"plan {report.ExpectedLoadW:0} W");
    }

    [Fact]
    public async Task An_unreadable_miner_counts_at_its_last_reading_or_nameplate_whichever_is_higher_so_a_shed_is_never_short()
    {
        var overclocked = new ScriptedMiner("hot", 4200); // above the S19's 3250 W nameplate
        var quiet = new ScriptedMiner("quiet", 1500);     // below it
        var others = Enumerable.Range(0, 4).Select(i => new ScriptedMiner($"s{i}", 3250)).ToList();
        var actuator = Actuator([overclocked, quiet, .. others]);
        var first = await actuator.ReadAllAsync();
        overclocked.ReadFailure = quiet.ReadFailure = () => new TimeoutException("no reply");

        var reads = await actuator.ReadAllAsync();
        var hot = reads.Single(r => r.Member.Miner.Id == "hot");
        Assert.Null(hot.Status);
        Assert.Equal(4200, hot.LastGood!.PowerW);
        Assert.Equal(first[0].LastSeen, hot.LastSeen);
        Assert.Equal(4200, hot.PlanningPowerW);
        Assert.Equal(3250, reads.Single(r => r.Member.Miner.Id == "quiet").PlanningPowerW);

        // 4200 + 3250 counted for the two silent miners: the four readable ones must shed down to what is left.
        var target = 4200 + 3250 + 2 * 3250.0 + 2 * ModelCatalog.AntminerS19.SleepW;
        var report = await actuator.ApplyTargetAsync(target, reads);
        Assert.Equal(4200 + 3250 + 4 * 3250, report.LoadBeforeW);
        Assert.Equal(2, others.Count(m => m.Asleep));
        Assert.True(report.TargetMet);
    }
}
