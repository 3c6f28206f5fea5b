using Curtail.Controller.Config;
using Curtail.Controller.DemandResponse;
using Curtail.Controller.Hosting;
using Curtail.Controller.Storage;
using Curtail.Core.Economics;
using Curtail.Core.LoadFollowing;
using Curtail.Core.Sites;
using Curtail.Core.Time;
using Curtail.Emulators.Genset;
using Curtail.Modbus.Client;
using Curtail.Modbus.Gensets;
using Curtail.Modbus.Maps;
using Microsoft.Extensions.Logging.Abstractions;
using Quartz;

namespace Curtail.Controller.Tests;

/// <summary>
/// The 1-minute site load trace, in the injected fake time: genset polls over Modbus (loopback emulator) once a
/// second, or the miners' latest power on a site without a genset, averaged per minute of the event.
/// </summary>
public sealed class LoadTraceTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 7, 1, 18, 0, 0, TimeSpan.Zero);
    private readonly string _db = Path.Combine(Path.GetTempPath(), $"curtail-trace-{Guid.NewGuid():N}.db");
    private readonly ControllerStore _store;

    public LoadTraceTests() => _store = ControllerStore.Sqlite(_db);

    public void Dispose() => _store.Dispose();

    private static ControllerRuntime Runtime(bool genset) => new(new ControllerConfig
    {
        Site = SiteFileParser.Parse("""
            name: trace
            settlement_point: HB_WEST
            economics: {hashprice: {usd_per_th_day: 0.05}}
            fleet: [{group: a, count: 1, hashrate_th: 100, power_w: 3000}]
            policy: {kind: threshold, curtail_above_usd_per_mwh: 100}
            """, "trace.yaml"),
        Genset = genset ? new GensetConfig("127.0.0.1", 1, "default", 1, TimeSpan.FromSeconds(1), new LoadFollowingSettings()) : null,
    }, HashpriceSeries.Constant(0.05));

    private static DispatchEvent Event(string id, DateTimeOffset at, bool test = false, DateTimeOffset? releaseAt = null) => new()
    {
        Id = id, Program = DemandResponseProgram.Ers10, ReceivedAt = at, AcknowledgedAt = at, Deadline = at.AddMinutes(10), TargetMw = 0.3, BaselineMw = 0.6,
        ReleaseAt = releaseAt, Test = test,
    };

    private static double LoadAt(int second) => 400 + (second * 7 % 90);

    [Fact]
    public async Task GensetPollsAreAveragedPerMinuteOfTheInjectedClockAndStopAtTheRelease()
    {
        var time = new ManualTimeProvider(T0);
        var runtime = Runtime(genset: true);
        await using var emulator = new GensetEmulator(new GensetEmulatorOptions
        {
            Profile = GensetSupplyProfile.ParseCsv(new StringReader("time,available_kw\n0,950\n600,950\n"), "flat.csv"), InitialSiteLoadKw = LoadAt(0),
        }, time);
        emulator.Start();
        await using var client = new ModbusTcpClient(new ModbusClientOptions { Host = "127.0.0.1", Port = emulator.Port, ResponseTimeout = TimeSpan.FromSeconds(5) });
        var trace = new LoadTraceRecorder(runtime, _store, time, NullLogger<LoadTraceRecorder>.Instance);
        // The loads stay well inside the genset's 950 kW, so no poll asks for a cycle (checked below).
        var schedulers = new NoSchedulers();
        var trigger = new CycleTrigger(schedulers, new SchedulerName("none"));
        using var genset = new GensetService(new GensetReader(client, RegisterMapLoader.LoadTemplate("default"), time: time), runtime, time, trigger,
            NullLogger<GensetService>.Instance, trace);

        // Received 20 s into a minute and released 30 s into one, so the first and last minutes are partial.
        var e = Event("ers-trace", T0.AddSeconds(20), test: true);
        for (var s = 0; s < 240; s++)
        {
            if (s == 20)
            {
                runtime.AddEvent(e);
                _store.SaveEvent(e);
            }
            if (s == 150)
            {
                // As the release endpoint does: mark it released, then flush so the partial minute is on record at once.
                _store.SaveEvent(runtime.UpdateEvent(e.Id, x => x with { ReleasedAt = time.GetUtcNow() })!);
                trace.Flush();
                Assert.Equal(3, _store.LoadTrace(e.Id).Count);
            }
            emulator.SetSiteLoadKw(LoadAt(s));
            await genset.PollAsync(CancellationToken.None);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Null(runtime.Snapshot().GensetLinkProblem);
        Assert.Equal(0, schedulers.Lookups);
        var rows = _store.LoadTrace(e.Id);
        // Seconds 20..59, 60..119 and 120..149 (released at 150); the polls after the release (90 of them) add nothing.
        Assert.Equal([T0, T0.AddMinutes(1), T0.AddMinutes(2)], rows.Select(r => r.MinuteStart));
        Assert.Equal([40, 60, 30], rows.Select(r => r.Samples));
        Assert.All(rows, r => Assert.Equal(LoadTraceSource.Genset, r.Source));
        var expected = new[] { (20, 60), (60, 120), (120, 150) }.Select(w => Enumerable.Range(w.Item1, w.Item2 - w.Item1).Average(LoadAt) / 1000).ToArray();
        for (var i = 0; i < 3; i++) Assert.Equal(expected[i], rows[i].LoadMw, 1e-4);
        // The per-second figures really differ, so a mean that took one reading per minute would not pass.
        Assert.NotEqual(LoadAt(20) / 1000, rows[0].LoadMw, 1e-3);
    }

    [Fact]
    public void WithoutAGensetTheMinersLatestPowerIsSampledEverySecondUntilTheEventExpires()
    {
        var time = new ManualTimeProvider(T0);
        var runtime = Runtime(genset: false);
        var trace = new LoadTraceRecorder(runtime, _store, time, NullLogger<LoadTraceRecorder>.Instance);
        var real = Event("ecrs-real", T0, releaseAt: T0.AddSeconds(90));
        runtime.AddEvent(real);
        var later = Event("ers-later", T0.AddSeconds(30), test: true);
        runtime.AddEvent(later);
        for (var s = 0; s < 150; s++)
        {
            // The decision cycle re-reads the miners every 20 s; between reads the trace sees the last figure.
            if (s % 20 == 0) runtime.SetMiners([Miner("m1", 3000 - s * 10), Miner("m2", 2000)]);
            trace.RecordMiners();
            time.Advance(TimeSpan.FromSeconds(1));
        }
        // With no reading after 150 s, the last minute is still written once it has ended.
        time.Advance(TimeSpan.FromSeconds(30));
        trace.Flush();

        double Kw(int s) => (3000 - s / 20 * 20 * 10 + 2000) / 1000.0;
        var first = _store.LoadTrace(real.Id);
        Assert.Equal([T0, T0.AddMinutes(1)], first.Select(r => r.MinuteStart));
        Assert.Equal([60, 30], first.Select(r => r.Samples)); // expired at 90 s
        Assert.Equal(Enumerable.Range(0, 60).Average(Kw) / 1000, first[0].LoadMw, 1e-9);
        Assert.Equal(Enumerable.Range(60, 30).Average(Kw) / 1000, first[1].LoadMw, 1e-9);
        Assert.All(first, r => Assert.Equal(LoadTraceSource.Miners, r.Source));
        // An event received mid-minute starts its trace then, on the same minute boundaries.
        var second = _store.LoadTrace(later.Id);
        Assert.Equal([30, 60, 30], second.Select(r => r.Samples));
        Assert.Equal(T0, second[0].MinuteStart);
    }

    [Fact]
    public void AMinuteBegunBeforeARestartCarriesOnAfterIt()
    {
        var time = new ManualTimeProvider(T0);
        var runtime = Runtime(genset: false);
        var e = Event("rrs-restart", T0);
        runtime.AddEvent(e);
        var before = new LoadTraceRecorder(runtime, _store, time, NullLogger<LoadTraceRecorder>.Instance);
        for (var s = 0; s < 20; s++)
        {
            before.Record(1000, LoadTraceSource.Genset);
            time.Advance(TimeSpan.FromSeconds(1));
        }
        before.Dispose();
        Assert.Equal(20, Assert.Single(_store.LoadTrace(e.Id)).Samples);

        var after = new LoadTraceRecorder(runtime, _store, time, NullLogger<LoadTraceRecorder>.Instance);
        for (var s = 20; s < 60; s++)
        {
            after.Record(2500, LoadTraceSource.Genset);
            time.Advance(TimeSpan.FromSeconds(1));
        }
        after.Flush();
        var minute = Assert.Single(_store.LoadTrace(e.Id));
        Assert.Equal(60, minute.Samples);
        Assert.Equal((20 * 1.0 + 40 * 2.5) / 60, minute.LoadMw, 1e-9);
    }

    private sealed class NoSchedulers : ISchedulerFactory
    {
        public int Lookups;

        public ValueTask<List<IScheduler>> GetAllSchedulers(CancellationToken cancellationToken = default) => new(new List<IScheduler>());

        public ValueTask<IScheduler> GetScheduler(CancellationToken cancellationToken = default) => throw new InvalidOperationException("no scheduler in this test");

        public ValueTask<IScheduler?> LookupScheduler(string schedName, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref Lookups);
            return new((IScheduler?)null);
        }
    }

    private static MinerSnapshot Miner(string id, double powerW) => new(id, "a", "lux_os", "running", powerW, 100, null);
}
