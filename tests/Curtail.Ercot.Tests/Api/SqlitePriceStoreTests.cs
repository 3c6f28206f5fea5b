using Curtail.Ercot.Api;

namespace Curtail.Ercot.Tests.Api;

public sealed class SqlitePriceStoreTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"curtail-store-{Guid.NewGuid():N}.db");
    private static readonly DateTimeOffset T0 = new(2023, 8, 17, 0, 0, 0, TimeSpan.Zero);

    private static ApiPrice P(int i, double price) => new("HB_WEST", T0.AddMinutes(15 * i), T0.AddMinutes(15 * i + 15), price);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var f in new[] { _path, _path + "-wal", _path + "-shm" }) File.Delete(f);
    }

    [Fact]
    public async Task Two_feeds_writing_and_reading_at_once_share_the_store_safely()
    {
        // The controller's SPP and SCED polls use one store from two scheduler threads.
        var store = new SqlitePriceStore(_path);
        var tasks = new[] { "np6-905-cd", "np6-788-cd" }.Select(report => Task.Run(() =>
        {
            for (var round = 0; round < 200; round++)
            {
                store.Upsert(report, Enumerable.Range(round, 4).Select(i => P(i, i)), T0);
                store.RecordFetch(report, "HB_WEST", T0);
                Assert.Equal(round + 4, store.Read(report, "HB_WEST", T0, T0.AddDays(10)).Count);
                store.Status(report, "HB_WEST", T0, TimeSpan.FromHours(1));
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        Assert.Equal(2, store.Feeds().Count);

        store.Dispose();
        store.Dispose();
        Assert.Throws<ObjectDisposedException>(() => store.Read("np6-905-cd", "HB_WEST", T0, T0.AddDays(1)));
    }

    [Fact]
    public void Duplicates_are_stored_once_and_revisions_replace()
    {
        using var store = new SqlitePriceStore(_path);
        Assert.Equal(3, store.Upsert("np6-905-cd", [P(0, 10), P(1, 11), P(2, 12)], T0));
        Assert.Equal(0, store.Upsert("np6-905-cd", [P(0, 10), P(1, 11)], T0.AddHours(1)));
        Assert.Equal(1, store.Upsert("np6-905-cd", [P(1, 99)], T0.AddHours(2)));
        var s = store.Read("np6-905-cd", "HB_WEST", T0, T0.AddDays(1));
        Assert.Equal([10.0, 99, 12], s.Prices.ToArray());
        Assert.Equal([("np6-905-cd", "HB_WEST", 3)], store.Feeds());
    }

    [Fact]
    public void Gaps_survive_a_restart_and_are_found_for_backfill()
    {
        using (var store = new SqlitePriceStore(_path))
            store.Upsert("np6-905-cd", [P(0, 10), P(1, 11), P(4, 14)], T0);
        using var reopened = new SqlitePriceStore(_path);
        var gaps = reopened.Gaps("np6-905-cd", "HB_WEST", T0, T0.AddMinutes(15 * 6));
        Assert.Equal([new PriceGap(T0.AddMinutes(30), T0.AddMinutes(60)), new PriceGap(T0.AddMinutes(75), T0.AddMinutes(90))], gaps);
    }

    [Fact]
    public void A_feed_is_stale_when_its_newest_price_is_too_old()
    {
        using var store = new SqlitePriceStore(_path);
        Assert.True(store.Status("np6-905-cd", "HB_WEST", T0, TimeSpan.FromMinutes(30)).IsStale);
        store.Upsert("np6-905-cd", [P(0, 10)], T0.AddMinutes(16));
        store.RecordFetch("np6-905-cd", "HB_WEST", T0.AddMinutes(16));
        var fresh = store.Status("np6-905-cd", "HB_WEST", T0.AddMinutes(20), TimeSpan.FromMinutes(30));
        Assert.False(fresh.IsStale);
        Assert.Equal(T0.AddMinutes(15), fresh.NewestEndUtc);
        Assert.True(store.Status("np6-905-cd", "HB_WEST", T0.AddHours(2), TimeSpan.FromMinutes(30)).IsStale);
    }
}
