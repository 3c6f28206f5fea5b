using Curtail.Ercot.Api;
using Microsoft.Extensions.Logging;

namespace Curtail.Controller.Hosting;

/// <summary>
/// Keeps the site's settlement point prices current: fetches what is new (and backfills gaps after a restart) into the
/// price store, then hands the recent series to the runtime. A failed fetch keeps what is stored; whether it is stale is judged from its age at each decision (InputAges).
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
        runtime.SetPrices(store.Read(ErcotReport.RealTimeSpp.EmilId, point, now - Lookback, now));
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
        runtime.SetPrices(series);
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
            // Gaps (a restart) first; then always the runs after the newest stored one, which the gap check, tolerant
            // of SCED's irregular cadence, would not ask for until the hole grew past its tolerance.
            await feed.FetchAsync(ErcotReport.ScedLmp, point, from, now, bounded.Token);
            await feed.FetchNewerAsync(ErcotReport.ScedLmp, point, from, now, bounded.Token);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            log.LogWarning("SCED: fetch failed, keeping stored LMPs: {Reason}", ex is OperationCanceledException ? $"no answer within {PollTimeout.TotalSeconds:0} s" : ex.Message);
        }
        var series = store.Read(ErcotReport.ScedLmp.EmilId, point, from, now);
        runtime.SetSced(series);
        return series.Count > 0 && (before is null || series.End > before);
    }

    /// <summary>How far back the MCPC poll asks for SCED runs it has not stored.</summary>
    public static readonly TimeSpan McpcLookback = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Fetches the ancillary-service clearing prices (NP6-332-CD) of the SCED runs posted since the newest stored run
    /// (at most <see cref="McpcLookback"/> back) into the price store, for the dashboard and the API. Returns the rows
    /// written; a failed fetch keeps what is stored and is logged.
    /// </summary>
    public async Task<int> PollMcpcAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var stored = store.ReadMcpc(now - McpcLookback, now.AddMinutes(1));
        var from = stored.Count > 0 ? stored[^1].ScedUtc.AddSeconds(1) : now - McpcLookback;
        try
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
            bounded.CancelAfter(PollTimeout);
            var prices = await feed.Client.GetMcpcScedAsync(from, now, bounded.Token);
            return prices.Count == 0 ? 0 : store.UpsertMcpc(prices, now);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            log.LogWarning("MCPC: fetch failed, keeping stored AS prices: {Reason}", ex is OperationCanceledException ? $"no answer within {PollTimeout.TotalSeconds:0} s" : ex.Message);
            return 0;
        }
    }

    /// <summary>The stored AS clearing prices of SCED runs in [from, to).</summary>
    public IReadOnlyList<Curtail.Ercot.Prices.McpcPrice> Mcpc(DateTimeOffset from, DateTimeOffset to) => store.ReadMcpc(from, to);

    /// <summary>How far back the RTD poll asks for runs: the newest run is all it keeps.</summary>
    public static readonly TimeSpan RtdLookback = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Fetches the newest RTD run's indicative LMPs (NP6-970-CD: the next 12 five-minute intervals) and hands them, with
    /// the run's time, to the runtime for the forecaster and the dashboard. Returns true when a newer run arrived; a failed
    /// fetch keeps the previous look-ahead (the forecaster ignores it once it is older than
    /// <see cref="Forecasting.Models.RtdAdjustment.MaxRunAge"/>).
    /// </summary>
    public async Task<bool> PollRtdAsync(CancellationToken ct)
    {
        var point = runtime.Config.Site.SettlementPoint;
        var now = time.GetUtcNow();
        try
        {
            var rows = await ErcotRtd.GetAsync(feed.Client, point, now - RtdLookback, now, ct);
            if (ErcotRtd.LatestLookAhead(rows, point) is not { } latest) return false;
            var before = runtime.Snapshot().Rtd?.RunUtc;
            runtime.SetRtd(latest);
            return before is null || latest.RunUtc > before;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            log.LogWarning("RTD: fetch failed, keeping the last look-ahead: {Reason}", ex.Message);
            return false;
        }
    }

    public void Dispose() => store.Dispose();
}
