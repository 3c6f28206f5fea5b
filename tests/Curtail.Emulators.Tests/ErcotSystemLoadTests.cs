using Curtail.Core.Prices;
using Curtail.Core.Time;
using Curtail.Emulators.Ercot;
using Curtail.Ercot.Api;

namespace Curtail.Emulators.Tests;

/// <summary>NP3-565-CD and NP6-345-CD through the client against the emulator: in-use model only, the repeated hour, published hours only.</summary>
public sealed class ErcotSystemLoadTests
{
    // 2023-11-04..06 CPT: the fall-back day 11-05 has 25 hours.
    private static readonly DateTimeOffset LoadStart = new(2023, 11, 4, 5, 0, 0, TimeSpan.Zero);
    private const int Hours = 24 + 25 + 24;

    private static readonly PriceSeries Load = new("ERCOT",
        Enumerable.Range(0, Hours).Select(h => LoadStart.AddHours(h).UtcTicks).ToArray(),
        Enumerable.Range(0, Hours).Select(h => LoadStart.AddHours(h + 1).UtcTicks).ToArray(),
        Enumerable.Range(0, Hours).Select(h => 40_000.0 + 100 * h).ToArray());

    private static async Task<(ErcotApiEmulator Emulator, ErcotApiClient Client)> StartAsync(DateTimeOffset emulatedNow)
    {
        var time = new ManualTimeProvider(emulatedNow);
        var emulator = new ErcotApiEmulator(new ErcotEmulatorData(new Dictionary<string, PriceSeries>(), systemLoad: Load),
            new ErcotEmulatorOptions { StartUtc = emulatedNow, RequestsPerMinute = 1000 }, time);
        emulator.Start();
        await Task.Yield();
        var client = new ErcotApiClient(new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, new ErcotApiCredentials("emulator", "emulator", "emulator-key"),
            ErcotApiOptions.ForBaseUrl(emulator.BaseUrl) with { PageSize = 20 }, time);
        return (emulator, client);
    }

    [Fact]
    public async Task Reads_the_in_use_models_system_total_for_every_hour_including_the_repeated_one()
    {
        var (emulator, client) = await StartAsync(new DateTimeOffset(2023, 11, 4, 12, 0, 0, TimeSpan.Zero));
        await using var _ = emulator;
        var forecast = await ErcotSystemLoad.ForecastAsync(client, new DateOnly(2023, 11, 4), new DateOnly(2023, 11, 6), CancellationToken.None);

        Assert.Equal(Hours, forecast.Count);
        for (var h = 0; h < Hours; h++)
        {
            Assert.Equal(Load.StartTicks[h], forecast.StartTicks[h]);
            Assert.Equal(Load.Prices[h], forecast.Prices[h], 6); // model "E" (in use), not "A" (4 % high)
        }
        // The two 01:00 hours of the fall-back day are distinct hours one UTC hour apart.
        var fallBack = CentralPrevailingTime.StartOfDayUtc(new DateOnly(2023, 11, 5));
        Assert.Equal(fallBack.AddHours(1).UtcTicks, forecast.StartTicks[25]);
        Assert.Equal(fallBack.AddHours(2).UtcTicks, forecast.StartTicks[26]);
    }

    [Fact]
    public async Task Days_beyond_the_seven_published_are_not_invented()
    {
        var (emulator, client) = await StartAsync(new DateTimeOffset(2023, 10, 20, 12, 0, 0, TimeSpan.Zero));
        await using var _ = emulator;
        var forecast = await ErcotSystemLoad.ForecastAsync(client, new DateOnly(2023, 11, 4), new DateOnly(2023, 11, 6), CancellationToken.None);
        Assert.Equal(0, forecast.Count);
    }

    [Fact]
    public async Task The_actual_load_holds_the_hours_that_have_ended()
    {
        // 2023-11-05 10:30 CST: the fall-back day's first ten hours (01:00 twice) have ended.
        var now = CentralPrevailingTime.StartOfDayUtc(new DateOnly(2023, 11, 5)).AddHours(11.5);
        var (emulator, client) = await StartAsync(now);
        await using var _ = emulator;
        var actual = await ErcotSystemLoad.ActualAsync(client, new DateOnly(2023, 11, 4), new DateOnly(2023, 11, 6), CancellationToken.None);

        Assert.Equal(24 + 11, actual.Count);
        for (var h = 0; h < actual.Count; h++)
        {
            Assert.Equal(Load.StartTicks[h], actual.StartTicks[h]);
            Assert.Equal(Load.Prices[h], actual.Prices[h], 6);
        }
        Assert.True(actual.End <= now);
    }
}
