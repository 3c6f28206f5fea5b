using System.Net;
using System.Text.Json;
using Xunit.Abstractions;

namespace Curtail.Cli.Tests.FaultInjection;

/// <summary>
/// Faults driven against `curtail run` in its own process (issue 16): each case switches a fault on in an emulator or
/// kills the controller, and judges the site by the emulators' own readings, never by what the controller says.
/// </summary>
[Collection(FaultInjectionCollection.Name)]
public sealed class FaultInjectionTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Cpt = TimeSpan.FromHours(-5);

    /// <summary>Watches the emulated miners for a while: which of those asleep at the start woke up at any moment.</summary>
    private static async Task<HashSet<int>> WokenWithinAsync(FaultSite site, HashSet<int> asleep, TimeSpan duration)
    {
        var woken = new HashSet<int>();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < duration)
        {
            foreach (var m in site.Fleet.Miners)
                if (asleep.Contains(m.Index) && !m.Asleep) woken.Add(m.Index);
            await Task.Delay(50);
        }
        return woken;
    }

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
        var woken = await WokenWithinAsync(site, asleepAtKill, TimeSpan.FromSeconds(25));
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
        var woken = await WokenWithinAsync(site, asleepAtKill, TimeSpan.FromSeconds(15));
        Assert.True(woken.Count == 0, $"miners {string.Join(", ", woken)} woke during the event:\n{second.Output}");
        Assert.True(await FaultSite.WaitForAsync(() => site.Asleep == count, TimeSpan.FromSeconds(30)), $"{site.Asleep}/{count} asleep:\n{second.Output}");

        var events = (await second.GetAsync("/api/events")).EnumerateArray().Select(e => e.GetProperty("event")).ToList();
        var ers = Assert.Single(events, e => e.GetProperty("id").GetString() == "ers-fault-1");
        Assert.Equal(JsonValueKind.Null, ers.GetProperty("released_at").ValueKind);

        Assert.Equal(HttpStatusCode.OK, (await second.SendAsync(HttpMethod.Post, "/api/events/ers-fault-1/release")).StatusCode);
        Assert.True(await FaultSite.WaitForAsync(() => site.Asleep <= count / 2, TimeSpan.FromSeconds(60)), $"the site did not resume after the release:\n{second.Output}");
        var audit = (await second.GetAsync("/api/audit?limit=10000")).EnumerateArray().Select(a => a.GetProperty("action").GetString()).ToList();
        Assert.Equal(1, audit.Count(a => a == "dispatch_received"));
        Assert.Equal(1, audit.Count(a => a == "dispatch_released"));
    }

    [Fact]
    public async Task EveryMinerFaultCostsThatMinerOnlyAndADispatchIsStillMet()
    {
        // Every switch the miner emulators have, each in one miner: a duplicate JSON key, a 1e999, a wrong type, a
        // reply cut short, silence (timeouts), a reset, a silent power-off and a hung HTTP server. Before, one such
        // reply failed every cycle and an ERS dispatch was accepted and never carried out.
        await using var site = FaultSite.Start(new FaultSiteOptions { Start = new DateTimeOffset(2023, 8, 17, 11, 0, 0, Cpt), Miners = 20, Mix = "luxos:50,braiins:50" });
        var switches = new[]
        {
            Curtail.Emulators.Miners.MinerFaultSwitch.DuplicateKey, Curtail.Emulators.Miners.MinerFaultSwitch.NonFinite,
            Curtail.Emulators.Miners.MinerFaultSwitch.WrongType, Curtail.Emulators.Miners.MinerFaultSwitch.Malformed,
            Curtail.Emulators.Miners.MinerFaultSwitch.Silence, Curtail.Emulators.Miners.MinerFaultSwitch.Reset,
            Curtail.Emulators.Miners.MinerFaultSwitch.PowerOff,
        };
        var faulted = new Dictionary<int, Curtail.Emulators.Miners.MinerFaultSwitch>();
        for (var k = 0; k < switches.Length; k++) faulted[1 + 2 * k] = switches[k];
        // Braiins OS speaks HTTP: one of them accepts connections and never answers.
        faulted[site.Fleet.Miners.First(m => m.Family == Curtail.Miners.MinerFamily.BraiinsOs && !faulted.ContainsKey(m.Index)).Index] = Curtail.Emulators.Miners.MinerFaultSwitch.HungHttp;
        var controller = await site.StartControllerAsync();
        // Before its first cycle the controller rehearsed its shed path on emulated miners of the site's two families.
        Assert.Matches(@"shed path rehearsed on (\d+) commands to emulated miners in [\d.]+ s: \1 confirmed, 0 failed", controller.Output);
        Assert.True(int.Parse(System.Text.RegularExpressions.Regex.Match(controller.Output, @"rehearsed on (\d+) commands").Groups[1].Value) >= 2 * 2 * 32);
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
    public async Task AGensetLinkLostDuringASlowWakeIsShedWithinTheLinkLossTimeoutNotAfterTheWake()
    {
        // The Antminers take 8 s to answer a command, so a wake dispatch is in flight for 8 s. Before, the genset's
        // fail-safe cycle queued behind it; it must cancel it and shed within the 2 s link-loss timeout.
        await using var site = FaultSite.Start(new FaultSiteOptions
        {
            Start = new DateTimeOffset(2023, 8, 17, 11, 0, 0, Cpt), Miners = 8, Mix = "luxos:50,antminer:50", Genset = true, AntminerConfReply = TimeSpan.FromSeconds(8),
        });
        var luxos = site.Fleet.Miners.Where(m => m.Family == Curtail.Miners.MinerFamily.LuxOs).ToList();
        var controller = await site.StartControllerAsync();
        Assert.True(await FaultSite.WaitForAsync(() => site.Asleep == 0 && site.Fleet.TotalPowerW > 0.9 * site.FullPowerW, TimeSpan.FromSeconds(30)), "the site runs");

        Assert.Equal(HttpStatusCode.OK, (await controller.SendAsync(HttpMethod.Post, "/api/overrides", new { mode = "force_curtail", minutes = 120 })).StatusCode);
        Assert.True(await FaultSite.WaitForAsync(() => site.Asleep == site.Fleet.Miners.Count, TimeSpan.FromSeconds(40)), $"the override did not curtail: {Describe(site)}\n{controller.Output}");

        // Clear the override: the wake goes out; once the LuxOS miners are up, the Antminers' wake is still in flight.
        Assert.Equal(HttpStatusCode.NoContent, (await controller.SendAsync(HttpMethod.Delete, "/api/overrides")).StatusCode);
        Assert.True(await FaultSite.WaitForAsync(() => luxos.All(m => !m.Asleep), TimeSpan.FromSeconds(30)), $"no wake: {Describe(site)}\n{controller.Output}");
        site.Genset!.Faults = Curtail.Emulators.Genset.GensetFaults.StopAnswering;
        var silent = System.Diagnostics.Stopwatch.StartNew();
        Assert.True(await FaultSite.WaitForAsync(() => luxos.All(m => m.Asleep), TimeSpan.FromSeconds(20)), $"no fail-safe shed: {Describe(site)}\n{controller.Output}");
        var shedAfter = silent.Elapsed;
        output.WriteLine($"LuxOS miners asleep {shedAfter.TotalSeconds:F2} s after the genset went silent");
        Assert.True(shedAfter < TimeSpan.FromSeconds(4.5), $"the fail-safe shed came {shedAfter.TotalSeconds:F1} s after the link went silent:\n{controller.Output}");
        // The fail-safe cycle logs once its dispatch is confirmed.
        Assert.True(await FaultSite.WaitForAsync(() => controller.Output.Contains("cycle genset:link_lost", StringComparison.Ordinal), TimeSpan.FromSeconds(30)),
            $"the shed was not the link-loss fail-safe:\n{controller.Output}");
    }

    [Theory]
    [InlineData("silent")]
    [InlineData("stopped")]
    public async Task OnAGridTiedSiteALostOrSilentGensetLinkShedsWithinTheLinkLossTimeout(string fault)
    {
        // Grid-tied (energy.sources: grid with paid export, the genset over Modbus): the grid carries the miners, so
        // the genset's ceiling does not cap them, but its link's fail-safe still preempts everything (docs/controller.md).
        // "silent": the peer keeps the connection open and answers nothing (a half-open socket); "stopped": the genset
        // controller's listener and connections are gone (reconnects refused).
        await using var site = FaultSite.Start(new FaultSiteOptions
        {
            Start = new DateTimeOffset(2023, 8, 17, 11, 0, 0, Cpt), Miners = 6, Mix = "luxos:100", Genset = true, GridTied = true,
        });
        var controller = await site.StartControllerAsync();
        Assert.True(await FaultSite.WaitForAsync(() => site.Asleep == 0 && site.Fleet.TotalPowerW > 0.9 * site.FullPowerW, TimeSpan.FromSeconds(30)),
            $"the site runs: {Describe(site)}\n{controller.Output}");
        var status = await controller.GetAsync("/api/status");
        Assert.Equal(JsonValueKind.Object, status.GetProperty("energy").ValueKind);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        if (fault == "silent") site.Genset!.Faults = Curtail.Emulators.Genset.GensetFaults.StopAnswering;
        else await site.Genset!.StopAsync();
        Assert.True(await FaultSite.WaitForAsync(() => site.Asleep == site.Fleet.Miners.Count, TimeSpan.FromSeconds(20)), $"no fail-safe shed: {Describe(site)}\n{controller.Output}");
        var shedAfter = watch.Elapsed;
        output.WriteLine($"grid-tied, genset link {fault}: miners asleep {shedAfter.TotalSeconds:F2} s later");
        // 2 s link-loss timeout + the dispatch to the miners; the same bound as the island's case above.
        Assert.True(shedAfter < TimeSpan.FromSeconds(4.5), $"the fail-safe shed came {shedAfter.TotalSeconds:F1} s after the link was {fault}:\n{controller.Output}");
        Assert.True(await FaultSite.WaitForAsync(() => controller.Output.Contains("cycle genset:link_lost", StringComparison.Ordinal), TimeSpan.FromSeconds(30)),
            $"the shed was not the link-loss fail-safe:\n{controller.Output}");
    }

    [Fact]
    public async Task AnOverrideEndsAtItsMomentNotAtTheNextScheduledCycle()
    {
        // Cycles run every 5 replayed minutes; an override of 7 minutes ends between two of them.
        await using var site = FaultSite.Start(new FaultSiteOptions { Start = new DateTimeOffset(2023, 8, 17, 11, 0, 0, Cpt), Miners = 6, Mix = "luxos:100" });
        var controller = await site.StartControllerAsync();
        Assert.True(await FaultSite.WaitForAsync(() => site.Asleep == 0 && site.Fleet.TotalPowerW > 0.9 * site.FullPowerW, TimeSpan.FromSeconds(30)), "the site runs");
        var set = await controller.SendAsync(HttpMethod.Post, "/api/overrides", new { mode = "force_curtail", minutes = 7 });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var until = JsonDocument.Parse(await set.Content.ReadAsStringAsync()).RootElement.GetProperty("until").GetDateTimeOffset();
        Assert.True(await FaultSite.WaitForAsync(() => site.Asleep == site.Fleet.Miners.Count, TimeSpan.FromSeconds(30)), $"the override did not curtail:\n{controller.Output}");

        // The site wakes right after the end (the miners' own readings), on a cycle the end itself asked for.
        Assert.True(await FaultSite.WaitForAsync(() => site.Asleep == 0, TimeSpan.FromSeconds(40)), $"the site did not wake after the override:\n{controller.Output}");
        var ended = (await controller.GetAsync("/api/decisions?limit=100")).EnumerateArray()
            .Where(d => d.GetProperty("trigger").GetString() == "override:end").ToList();
        var cycle = Assert.Single(ended);
        var late = cycle.GetProperty("time").GetDateTimeOffset() - until;
        Assert.True(late >= TimeSpan.Zero && late < TimeSpan.FromMinutes(1), $"the override ended at {until:u}; its cycle ran {late.TotalSeconds:F0} replayed s later");
        Assert.True(cycle.GetProperty("target_kw").GetDouble() > 0);
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
