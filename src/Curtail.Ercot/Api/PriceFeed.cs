namespace Curtail.Ercot.Api;

/// <summary>What one fetch did.</summary>
public sealed record FetchSummary(int GapsFound, int RowsReceived, int RowsStored, IReadOnlyList<PriceGap> StillMissing);

/// <summary>
/// Fills the store from the API: only the gaps of the requested range are asked for (so a restart backfills what
/// it missed and re-running a fetch costs nothing), and a gap the API answers with no rows stays a gap.
/// </summary>
public sealed class PriceFeed(ErcotApiClient client, SqlitePriceStore store, TimeProvider time)
{
    public ErcotApiClient Client => client;

    public async Task<FetchSummary> FetchAsync(ErcotReport report, string point, DateTimeOffset fromUtc, DateTimeOffset toUtc, CancellationToken ct)
    {
        var tolerance = report == ErcotReport.ScedLmp ? TimeSpan.FromMinutes(10) : TimeSpan.Zero;
        var gaps = store.Gaps(report.EmilId, point, fromUtc, toUtc, tolerance);
        int received = 0, stored = 0;
        foreach (var gap in gaps)
        {
            var rows = await client.GetPricesAsync(report, point, gap.FromUtc, gap.ToUtc, ct);
            received += rows.Count;
            stored += store.Upsert(report.EmilId, rows, time.GetUtcNow());
        }
        store.RecordFetch(report.EmilId, point, time.GetUtcNow());
        return new FetchSummary(gaps.Count, received, stored, store.Gaps(report.EmilId, point, fromUtc, toUtc, tolerance));
    }

    /// <summary>
    /// Asks for what started from the newest stored price in [fromUtc, toUtc) on (all of it when none is stored), gap
    /// or not: a feed polled for its latest value (SCED, a run about every 5 minutes) needs each new row as it appears.
    /// The newest stored row is asked for again so that a SCED run's end is cut to the start of the run after it.
    /// Returns the rows new or changed.
    /// </summary>
    public async Task<int> FetchNewerAsync(ErcotReport report, string point, DateTimeOffset fromUtc, DateTimeOffset toUtc, CancellationToken ct)
    {
        var stored = store.Read(report.EmilId, point, fromUtc, toUtc);
        var after = stored.Count > 0 ? new DateTimeOffset(stored.StartTicks[^1], TimeSpan.Zero) : fromUtc;
        if (after >= toUtc) return 0;
        var rows = await client.GetPricesAsync(report, point, after, toUtc, ct);
        var count = store.Upsert(report.EmilId, rows, time.GetUtcNow());
        store.RecordFetch(report.EmilId, point, time.GetUtcNow());
        return count;
    }
}
