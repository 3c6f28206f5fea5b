using System.Net;
using System.Text.Json;

namespace Curtail.Cli.Tests.FaultInjection;

/// <summary>
/// Faults driven against `curtail run` in its own process (issue 16): each case switches a fault on in an emulator or
/// kills the controller, and judges the site by the emulators' own readings, never by what the controller says.
/// </summary>
[Collection(FaultInjectionCollection.Name)]
public sealed class FaultInjectionTests
{
    private static readonly TimeSpan Cpt = TimeSpan.FromHours(-5);

    private static string Describe(FaultSite site) =>
        string.Join(", ", site.Fleet.Miners.Select(m => $"{m.Index} {m.Family} {(m.Asleep ? "asleep" : "awake")} {m.PowerW:F0} W"));

    [Fact]
    public async Task AKillMidCurtailmentWakesNothingDuringTheSpikeAndKeepsTheRecords()
    {
        // 13:50 CPT on 2023-08-17: 13:30 settled at $651.53 and the spike runs until the evening; strike $150. The
        // Antminers answer their sleep command 10 s late, so the kill lands while the dispatch is still in flight.
        await using var site = FaultSite.Start(new FaultSiteOptions { Mix = "luxos:50,antminer:25,braiins:25", AntminerConfReply = TimeSpan.FromSeconds(10) });
        var count = site.Fleet.Miners.Count;
        var antminers = site.Fleet.Miners.Count(m => m.Family == Curtail.Miners.MinerFamily.AntminerStock);
        var first = await site.StartControllerAsync();
        Assert.True(await FaultSite.WaitForAsync(() => site.Fleet.Miners.Count(m => m.Asleep && m.Family != Curtail.Miners.MinerFamily.AntminerStock) == count - antminers,
            TimeSpan.FromSeconds(60)), $"no curtailment began: {Describe(site)}\n{first.Output}");
        var beforeKill = (await first.GetAsync("/api/decisions?limit=100")).GetArrayLength();
        first.Kill();
        Assert.True(beforeKill >= 1, "the first controller recorded its decision");

        // The feed hangs from the restart on: the new process has only what the old one stored.
        site.Ercot.Hung = true;
        var asleepAtKill = site.Fleet.Miners.Where(m => m.Asleep).Select(m => m.Index).ToHashSet();
        var second = await site.StartControllerAsync();
        var woken = new HashSet<int>();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(25))
        {
            foreach (var m in site.Fleet.Miners)
                if (asleepAtKill.Contains(m.Index) && !m.Asleep) woken.Add(m.Index);
            await Task.Delay(50);
        }
        Assert.True(woken.Count == 0, $"miners {string.Join(", ", woken)} woke during the spike at {site.LocalNow:HH:mm} CPT:\n{second.Output}");
        Assert.True(await FaultSite.WaitForAsync(() => site.Asleep == count, TimeSpan.FromSeconds(30)),
            $"{site.Asleep}/{count} asleep after the restart:\n{second.Output}");

        // Nothing lost or duplicated: the old process's decisions are there, each once.
        var ids = (await second.GetAsync("/api/decisions?limit=500")).EnumerateArray().Select(d => d.GetProperty("id").GetString()).ToList();
        Assert.True(ids.Count > beforeKill, $"{ids.Count} decisions after the restart, {beforeKill} before");
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public async Task AKillMidEventKeepsTheSiteShedAndTheEventOnceUntilItsRelease()
    {
        // 11:00 CPT, prices far below the strike: the site runs until an ERS-10 dispatch to 0 MW.
        await using var site = FaultSite.Start(new FaultSiteOptions { Start = new DateTimeOffset(2023, 8, 17, 11, 0, 0, Cpt) });
        var count = site.Fleet.Miners.Count;
        var first = await site.StartControllerAsync();
        Assert.True(await FaultSite.WaitForAsync(() => site.Asleep == 0 && site.Fleet.TotalPowerW > 0.9 * site.FullPowerW, TimeSpan.FromSeconds(30)), "the site runs");
        var dispatch = await first.SendAsync(HttpMethod.Post, "/api/events", new { id = "ers-fault-1", program = "ers-10", target_mw = 0 });
        Assert.Equal(HttpStatusCode.Created, dispatch.StatusCode);
        Assert.True(await FaultSite.WaitForAsync(() => site.Asleep >= count / 2, TimeSpan.FromSeconds(30)), $"the dispatch is not being met:\n{first.Output}");
        first.Kill();

        var asleepAtKill = site.Fleet.Miners.Where(m => m.Asleep).Select(m => m.Index).ToHashSet();
        var second = await site.StartControllerAsync();
        var woken = new HashSet<int>();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(15))
        {
            foreach (var m in site.Fleet.Miners)
                if (asleepAtKill.Contains(m.Index) && !m.Asleep) woken.Add(m.Index);
            await Task.Delay(50);
        }
        Assert.True(woken.Count == 0, $"miners {string.Join(", ", woken)} woke during the event:\n{second.Output}");
        Assert.True(await FaultSite.WaitForAsync(() => site.Asleep == count, TimeSpan.FromSeconds(30)), $"{site.Asleep}/{count} asleep:\n{second.Output}");

        var events = (await second.GetAsync("/api/events")).EnumerateArray().Select(e => e.GetProperty("event")).ToList();
        var ers = Assert.Single(events, e => e.GetProperty("id").GetString() == "ers-fault-1");
        Assert.Equal(JsonValueKind.Null, ers.GetProperty("released_at").ValueKind);

        Assert.Equal(HttpStatusCode.OK, (await second.SendAsync(HttpMethod.Post, "/api/events/ers-fault-1/release")).StatusCode);
        Assert.True(await FaultSite.WaitForAsync(() => site.Asleep <= count / 2, TimeSpan.FromSeconds(60)), $"the site did not resume after the release:\n{second.Output}");
        var audit = (await second.GetAsync("/api/audit?limit=500")).EnumerateArray().Select(a => a.GetProperty("action").GetString()).ToList();
        Assert.Equal(1, audit.Count(a => a == "dispatch_received"));
        Assert.Equal(1, audit.Count(a => a == "dispatch_released"));
    }

    [Fact]
    public async Task BadRepliesFromSomeMinersCostThoseMinersOnlyAndADispatchIsStillMet()
    {
        // A duplicate JSON key, a 1e999 and a silent power-off, each in one miner's replies: before, one such reply
        // failed every cycle and an ERS dispatch was accepted and never carried out.
        await using var site = FaultSite.Start(new FaultSiteOptions { Start = new DateTimeOffset(2023, 8, 17, 11, 0, 0, Cpt), Miners = 12, Mix = "luxos:50,braiins:50" });
        var faulted = new Dictionary<int, Curtail.Emulators.Miners.MinerFaultSwitch>
        {
            [1] = Curtail.Emulators.Miners.MinerFaultSwitch.DuplicateKey,
            [4] = Curtail.Emulators.Miners.MinerFaultSwitch.NonFinite,
            [7] = Curtail.Emulators.Miners.MinerFaultSwitch.PowerOff,
        };
        var controller = await site.StartControllerAsync();
        Assert.True(await FaultSite.WaitForAsync(() => site.Asleep == 0 && site.Fleet.TotalPowerW > 0.9 * site.FullPowerW, TimeSpan.FromSeconds(30)), "the site runs");
        foreach (var (index, fault) in faulted) site.Fleet.Miners[index].Fault = fault;

        var dispatch = await controller.SendAsync(HttpMethod.Post, "/api/events", new { id = "ers-bad-replies", program = "ers-10", target_mw = 0 });
        Assert.Equal(HttpStatusCode.Created, dispatch.StatusCode);
        var healthy = site.Fleet.Miners.Where(m => !faulted.ContainsKey(m.Index)).ToList();
        Assert.True(await FaultSite.WaitForAsync(() => healthy.All(m => m.Asleep), TimeSpan.FromSeconds(30)),
            $"healthy miners not shed: {Describe(site)}\n{controller.Output}");

        // The cycles go on, and the status names each failing miner's problem.
        var before = (await controller.GetAsync("/api/decisions?limit=500")).GetArrayLength();
        Assert.Equal(HttpStatusCode.Accepted, (await controller.SendAsync(HttpMethod.Post, "/api/cycle")).StatusCode);
        Assert.True(await FaultSite.WaitForAsync(() => controller.GetAsync("/api/decisions?limit=500").GetAwaiter().GetResult().GetArrayLength() > before,
            TimeSpan.FromSeconds(30)), $"no cycle after the faults:\n{controller.Output}");
        var miners = (await controller.GetAsync("/api/status")).GetProperty("miners").EnumerateArray().ToList();
        foreach (var index in faulted.Keys)
        {
            var id = $"{site.Fleet.Miners[index].Endpoint.Host}:{site.Fleet.Miners[index].Endpoint.Port}";
            var m = Assert.Single(miners, x => x.GetProperty("id").GetString() == id);
            Assert.Equal(JsonValueKind.String, m.GetProperty("error").ValueKind);
        }
        Assert.Equal(0, miners.Count(m => m.GetProperty("error").ValueKind == JsonValueKind.String
            && !faulted.Keys.Select(i => $"{site.Fleet.Miners[i].Endpoint.Host}:{site.Fleet.Miners[i].Endpoint.Port}").Contains(m.GetProperty("id").GetString())));
    }

    [Fact]
    public async Task AHungFeedIsFlaggedStaleByAgeAndWakesNothing()
    {
        // 11:00 CPT, low prices, 60x: twenty replay minutes pass in twenty real seconds.
        await using var site = FaultSite.Start(new FaultSiteOptions { Start = new DateTimeOffset(2023, 8, 17, 11, 0, 0, Cpt), Speed = 60 });
        var controller = await site.StartControllerAsync();
        JsonElement status = default;
        Assert.True(await FaultSite.WaitForAsync(() =>
        {
            status = controller.GetAsync("/api/status").GetAwaiter().GetResult();
            return status.GetProperty("prices").GetProperty("last_settled").ValueKind == JsonValueKind.Number;
        }, TimeSpan.FromSeconds(30)), "prices arrive");
        Assert.False(status.GetProperty("prices").GetProperty("stale").GetBoolean());

        site.Ercot.Hung = true;
        var powerFloor = double.MaxValue;
        Assert.True(await FaultSite.WaitForAsync(() =>
        {
            powerFloor = Math.Min(powerFloor, site.Fleet.TotalPowerW);
            status = controller.GetAsync("/api/status").GetAwaiter().GetResult();
            return status.GetProperty("prices").GetProperty("stale").GetBoolean()
                && status.GetProperty("alarms").EnumerateArray().Any(a => a.GetProperty("name").GetString() == "prices_stale");
        }, TimeSpan.FromSeconds(60)), $"a hung feed was never flagged stale:\n{status}\n{controller.Output}");
        Assert.True(status.GetProperty("prices").GetProperty("age_seconds").GetDouble() > 20 * 60);
        var metrics = await controller.GetAsync("/api/metrics");
        Assert.Equal(1, metrics.GetProperty("curtail.alarms{alarm=prices_stale}").GetDouble());
        // The site ran at a low price and keeps running while the feed hangs: stale prices change nothing by themselves.
        Assert.True(powerFloor > 0.9 * site.FullPowerW, $"the fleet dropped to {powerFloor:F0} W of {site.FullPowerW:F0} W");
    }
}

/// <summary>The cases each run a controller process and a fleet: one at a time, so that their timings hold on two cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultInjectionCollection
{
    public const string Name = "fault injection against curtail run";
}
