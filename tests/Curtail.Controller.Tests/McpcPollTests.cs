using Curtail.Controller.Config;
using Curtail.Controller.Hosting;
using Curtail.Core.Economics;
using Curtail.Core.Sites;
using Curtail.Core.Time;
using Curtail.Emulators.Ercot;
using Curtail.Ercot;
using Curtail.Ercot.Api;
using Curtail.Ercot.Reading;
using Microsoft.Extensions.Logging.Abstractions;

namespace Curtail.Controller.Tests;

/// <summary>The MCPC poll (NP6-332-CD) against the ERCOT emulator: runs are stored as they are published, once each.</summary>
public sealed class McpcPollTests
{
    [Fact]
    public async Task StoresEachPublishedRunOnceAndKeepsThemWhenTheFeedFails()
    {
        var dir = Directory.CreateTempSubdirectory("curtail-mcpc-poll-");
        var file = Path.Combine(dir.FullName, "np6-332-cd.csv");
        await File.WriteAllTextAsync(file, """
            SCEDTimestamp,RepeatedHourFlag,ASType,MCPC
            12/07/2025 00:00:17,N,REGUP,4.75
            12/07/2025 00:00:17,N,RRS,2
            12/07/2025 00:05:16,N,REGUP,5.05
            12/07/2025 00:05:16,N,RRS,2.2
            12/07/2025 00:10:15,N,REGUP,4.9
            12/07/2025 00:10:15,N,RRS,2.1
            """);
        // 00:07 CST: the 00:10:15 run is not published yet.
        var now = new DateTimeOffset(2025, 12, 7, 6, 7, 0, TimeSpan.Zero);
        var time = new ManualTimeProvider(now);
        var data = ErcotEmulatorData.Load(ShippedData.Locate(), ["HB_WEST"]);
        var ercot = new ErcotApiEmulator(data, new ErcotEmulatorOptions { StartUtc = now, Speed = 1, RequestsPerMinute = 1000, McpcFile = file }, time);
        ercot.Start();
        var config = new ControllerConfig
        {
            Site = SiteFileParser.Parse("""
                name: t
                settlement_point: HB_WEST
                economics: {hashprice: {usd_per_th_day: 0.05}}
                fleet: [{group: a, count: 1, hashrate_th: 100, power_w: 3000}]
                policy: {kind: threshold, curtail_above_usd_per_mwh: 100}
                """, "t.yaml"),
        };
        var store = new SqlitePriceStore(Path.Combine(dir.FullName, "prices.db"));
        var client = new ErcotApiClient(new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, new ErcotApiCredentials("emulator", "emulator", "emulator-key"),
            ErcotApiOptions.ForBaseUrl(ercot.BaseUrl) with { MaxRetries = 0 }, time);
        using var prices = new PriceService(new PriceFeed(client, store, time), store, new ControllerRuntime(config, HashpriceSeries.Constant(0.05)), time,
            NullLogger<PriceService>.Instance);

        Assert.Equal(4, await prices.PollMcpcAsync(CancellationToken.None));
        Assert.Equal([("REGUP", 4.75), ("RRS", 2.0), ("REGUP", 5.05), ("RRS", 2.2)], prices.Mcpc(now.AddHours(-1), now).Select(p => (p.AsType, p.Mcpc)));

        // Four minutes on, only the new run is asked for and written.
        time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(2, await prices.PollMcpcAsync(CancellationToken.None));
        Assert.Equal(6, prices.Mcpc(now.AddHours(-1), time.GetUtcNow()).Count);

        // A dead feed: nothing written, the stored prices stay.
        await ercot.DisposeAsync();
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(0, await prices.PollMcpcAsync(CancellationToken.None));
        Assert.Equal(4.9, prices.Mcpc(now.AddHours(-1), time.GetUtcNow()).Last(p => p.AsType == "REGUP").Mcpc);
        dir.Delete(recursive: true);
    }
}
