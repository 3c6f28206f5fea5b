using Curtail.Ercot.Api;
using Microsoft.Extensions.Logging;

namespace Curtail.Controller.Hosting;

/// <summary>
/// Keeps the site's settlement point prices current: fetches what is new (and backfills gaps after a restart) into the
/// price store, then hands the recent series to the runtime. A failed fetch keeps what is stored and marks it stale.
/// </summary>
public sealed class PriceService(PriceFeed feed, SqlitePriceStore store, ControllerRuntime runtime, TimeProvider time, ILogger<PriceService> log) : IDisposable
{
    public static readonly TimeSpan Lookback = TimeSpan.FromDays(2);

    /// <summary>
    /// The most one poll may take: a feed that hangs (accepts and never answers) must not hold the poll job, which
    /// would keep every later poll from running. The prices' age, not this poll's error, makes them stale.
    /// </summary>
    public static readonly TimeSpan PollTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Hands the stored prices of the lookback window to the runtime without asking ERCOT (the first step after a start).</summary>
    public void LoadStored()
    {
        var point = runtime.Config.Site.SettlementPoint;
        var now = time.GetUtcNow();
        var stale = runtime.Config.Prices?.StaleAfter ?? TimeSpan.FromMinutes(20);
        var series = store.Read(ErcotReport.RealTimeSpp.EmilId, point, now - Lookback, now);
        runtime.SetPrices(series, store.Status(ErcotReport.RealTimeSpp.EmilId, point, now, stale).IsStale);
        runtime.SetSced(store.Read(ErcotReport.ScedLmp.EmilId, point, now - ScedLookback, now));
    }

    /// <summary>Returns true when a newer settled interval arrived.</summary>
    public async Task<bool> PollAsync(CancellationToken ct)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(PollTimeout);
        return await PollBoundedAsync(bounded.Token, ct);
    }

    private async Task<bool> PollBoundedAsync(CancellationToken bounded, CancellationToken ct)
    {
        var point = runtime.Config.Site.SettlementPoint;
        var stale = runtime.Config.Prices?.StaleAfter ?? TimeSpan.FromMinutes(20);
        // Whole 15-minute intervals only, so the first and the unsettled current interval never read as gaps.
        var now = time.GetUtcNow();
        var step = TimeSpan.FromMinutes(15).Ticks;
        var settledEnd = new DateTimeOffset(now.UtcTicks - now.UtcTicks % step, TimeSpan.Zero);
        var from = settledEnd - Lookback;
        var before = runtime.Snapshot().Prices is { Count: > 0 } p ? p.End : (DateTimeOffset?)null;
        try
        {
            var summary = await feed.FetchAsync(ErcotReport.RealTimeSpp, point, from, settledEnd, bounded);
            // The newest interval is often not published yet when polled; only older holes are worth a warning.
            if (summary.StillMissing.Any(g => g.ToUtc < settledEnd - TimeSpan.FromMinutes(15)))
                log.LogWarning("prices: {Count} gap(s) still missing for {Point}, first from {From:u}", summary.StillMissing.Count, point, summary.StillMissing[0].FromUtc);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            log.LogWarning("prices: fetch failed, keeping stored prices: {Reason}", ex is OperationCanceledException ? $"no answer within {PollTimeout.TotalSeconds:0} s" : ex.Message);
        }
        var series = store.Read(ErcotReport.RealTimeSpp.EmilId, point, from, settledEnd);
        var status = store.Status(ErcotReport.RealTimeSpp.EmilId, point, now, stale);
        runtime.SetPrices(series, status.IsStale);
        return series.Count > 0 && (before is null || series.End > before);
    }

    /// <summary>How far back the SCED poll fetches and keeps: enough for the forecaster's recent-LMP features.</summary>
    public static readonly TimeSpan ScedLookback = TimeSpan.FromHours(2);

    /// <summary>
    /// Fetches the site's SCED LMPs (NP6-788-CD, a run about every 5 minutes) of the last two hours into the price store
    /// and hands them to the runtime: the dashboard shows the latest, the forecaster reads them. Returns true when a
    /// newer run arrived. A failed fetch keeps what is stored.
    /// </summary>
    public async Task<bool> PollScedAsync(CancellationToken ct)
    {
        var point = runtime.Config.Site.SettlementPoint;
        var now = time.GetUtcNow();
        var from = now - ScedLookback;
        var before = runtime.Snapshot().Sced is { Count: > 0 } s ? s.End : (DateTimeOffset?)null;
        try
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
            bounded.CancelAfter(PollTimeout);
            await feed.FetchAsync(ErcotReport.ScedLmp, point, from, now, bounded.Token);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            log.LogWarning("SCED: fetch failed, keeping stored LMPs: {Reason}", ex is OperationCanceledException ? $"no answer within {PollTimeout.TotalSeconds:0} s" : ex.Message);
        }
        var series = store.Read(ErcotReport.ScedLmp.EmilId, point, from, now);
        runtime.SetSced(series);
        return series.Count > 0 && (before is null || series.End > before);
    }

    public void Dispose() => store.Dispose();
}
