using Curtail.Controller.Config;
using Curtail.Controller.DemandResponse;
using Curtail.Controller.Hosting;
using Curtail.Controller.Jobs;
using Curtail.Controller.Storage;
using Curtail.Core;
using Curtail.Core.Economics;
using Curtail.Core.Sites;
using Curtail.Core.Time;
using Microsoft.Extensions.Logging.Abstractions;
using Quartz;

namespace Curtail.Controller.Tests;

/// <summary>
/// Two instances of one clustered site share a store: a directive received through one can be noted and released
/// through the other before that one's next cycle has read the store, and no instance writes over the other's entries.
/// </summary>
public sealed class ClusteredDirectiveDeskTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 8, 3, 21, 0, 0, TimeSpan.Zero);
    private readonly string _db = Path.Combine(Path.GetTempPath(), $"curtail-cluster-desk-{Guid.NewGuid():N}.db");
    private readonly ManualTimeProvider _time = new(T0);
    private readonly List<IDisposable> _owned = [];
    private IScheduler _scheduler = null!;

    public async Task InitializeAsync()
    {
        // A real Quartz scheduler that is never started: the desks' "run a cycle now" is stored as a trigger and
        // nothing runs, so what this test sees is the desks' own work.
        _scheduler = await QuartzSchedulerBuilder.Create().BuildScheduler();
        await _scheduler.AddJob(JobBuilder.Create<NoCycle>().WithIdentity(DecisionCycleJob.Key).StoreDurably().Build(), AddJobOptions.Replacing);
    }

    public async Task DisposeAsync()
    {
        await _scheduler.Shutdown();
        foreach (var d in _owned) d.Dispose();
    }

    private DirectiveDesk Instance(string name)
    {
        var runtime = new ControllerRuntime(new ControllerConfig
        {
            Site = SiteFileParser.Parse("""
                name: clustered
                settlement_point: HB_WEST
                economics: {hashprice: {usd_per_th_day: 0.05}}
                fleet: [{group: a, count: 1, hashrate_th: 100, power_w: 3000}]
                policy: {kind: threshold, curtail_above_usd_per_mwh: 100}
                """, "clustered.yaml"),
            Cluster = new ClusterConfig(name, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(6)),
        }, HashpriceSeries.Constant(0.05));
        var store = ControllerStore.Sqlite(_db);
        var trace = new LoadTraceRecorder(runtime, store, _time, NullLogger<LoadTraceRecorder>.Instance);
        _owned.Add(trace);
        _owned.Add(store);
        var trigger = new CycleTrigger(new OneScheduler(_scheduler), new SchedulerName("cluster-desk"));
        return new DirectiveDesk(runtime, store, new ServiceClock(_time), trigger, trace);
    }

    [Fact]
    public async Task ADirectiveReceivedThroughOneInstanceIsNotedAndReleasedThroughTheOtherWithEveryNoteKept()
    {
        var a = Instance("a");
        var b = Instance("b");
        await a.ReceiveAsync(new DirectiveOrder("sb6-cluster", DirectiveKind.CurtailToLevel, 1.5, TimeSpan.FromMinutes(30), null, "from ERCOT"),
            "otto", "operator", "api", CancellationToken.None);

        // b has not run a cycle since: without catching up it would answer 404.
        _time.Advance(TimeSpan.FromMinutes(1));
        b.AddNote("sb6-cluster", "genset started", "bea", "operator");
        // a still holds its copy from the receipt: a note through it must keep b's.
        _time.Advance(TimeSpan.FromMinutes(1));
        a.AddNote("sb6-cluster", "load at 1.4 MW", "otto", "operator");
        _time.Advance(TimeSpan.FromMinutes(1));
        var released = await b.ReleaseAsync("sb6-cluster", "bea", "operator", "ERCOT released", CancellationToken.None);

        Assert.Equal(T0.AddMinutes(3), released.ReleasedAt);
        Assert.Equal(["from ERCOT", "genset started", "load at 1.4 MW", "ERCOT released"], released.Notes.Select(n => n.Text));
        using var check = ControllerStore.Sqlite(_db);
        var stored = check.Event("sb6-cluster")!;
        Assert.Equal(released.Notes.Select(n => n.Text), stored.Notes.Select(n => n.Text));
        Assert.Equal(T0.AddMinutes(3), stored.ReleasedAt);
        Assert.Equal(["received", "acknowledged", "note", "note", "released"], check.DirectiveChain("sb6-cluster").Select(e => e.Kind));
        Assert.True(check.VerifyDirectiveChain().Intact);
        // A second release through the instance that has not seen the first is refused, not written again.
        var again = await Assert.ThrowsAsync<InvalidInputException>(() => a.ReleaseAsync("sb6-cluster", "otto", "operator", null, CancellationToken.None));
        Assert.Contains("already released", again.Message);
    }

    private sealed class OneScheduler(IScheduler scheduler) : ISchedulerFactory
    {
        public ValueTask<List<IScheduler>> GetAllSchedulers(CancellationToken cancellationToken = default) => new([scheduler]);

        public ValueTask<IScheduler> GetScheduler(CancellationToken cancellationToken = default) => new(scheduler);

        public ValueTask<IScheduler?> LookupScheduler(string schedName, CancellationToken cancellationToken = default) => new((IScheduler?)scheduler);
    }

    private sealed class NoCycle : IJob
    {
        public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
