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

/// <summary>The 5-minute SCED poll against the ERCOT emulator serving the shipped SCED LMPs (January 2024).</summary>
public sealed class ScedPollTests
{
    [Fact]
    public async Task FetchesTheLastTwoHoursOfScedRunsAndKeepsThemWhenTheFeedFails()
    {
        var now = new DateTimeOffset(2024, 1, 16, 18, 2, 0, TimeSpan.Zero);
        var time = new ManualTimeProvider(now);
        var data = ErcotEmulatorData.Load(ShippedData.Locate(), ["HB_WEST"]);
        await using var ercot = new ErcotApiEmulator(data, new ErcotEmulatorOptions { StartUtc = now }, time);
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
        var runtime = new ControllerRuntime(config, HashpriceSeries.Constant(0.05));
        var store = new SqlitePriceStore(Path.Combine(Path.GetTempPath(), $"curtail-sced-{Guid.NewGuid():N}.db"));
        var client = new ErcotApiClient(new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, new ErcotApiCredentials("emulator", "emulator", "emulator-key"),
            ErcotApiOptions.ForBaseUrl(ercot.BaseUrl) with { MaxRetries = 0 }, time); // the manual clock never ends a retry backoff
        using var prices = new PriceService(new PriceFeed(client, store, time), store, runtime, time, NullLogger<PriceService>.Instance);

        Assert.True(await prices.PollScedAsync(CancellationToken.None));
        var sced = runtime.Snapshot().Sced!;
        var expected = data.Sced["HB_WEST"];
        var published = Enumerable.Range(0, expected.Count)
            .Where(i => expected.StartTicks[i] >= (now - PriceService.ScedLookback).UtcTicks && expected.StartTicks[i] <= now.UtcTicks).ToList();
        Assert.InRange(sced.Count, 20, 30); // a run about every 5 minutes for two hours
        Assert.Equal(published.Count, sced.Count);
        Assert.Equal(expected.Prices[published[^1]], sced.Prices[^1], 6);
        Assert.Equal(expected.StartTicks[published[^1]], sced.StartTicks[^1]);

        // Nothing newer yet: no new run to report. A dead feed keeps what is stored.
        Assert.False(await prices.PollScedAsync(CancellationToken.None));
        await ercot.DisposeAsync();
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(await prices.PollScedAsync(CancellationToken.None));
        Assert.Equal(sced.Prices[^1], runtime.Snapshot().Sced!.Prices[^1]);
    }
}
