using Curtail.Controller.Hosting;

namespace Curtail.Controller.Safety;

/// <summary>
/// How old each input of a decision is, judged at decision time from the input's own timestamp, never from whether the
/// last fetch failed: a feed that hangs produces no errors, only age. Settled prices are as old as the end of the last
/// settled interval, SCED as the last run's interval, the genset reading as its read time (on the device clock), the
/// miners as their last read.
/// </summary>
public sealed record InputAges(
    TimeSpan? SettledPrice,
    TimeSpan? Sced,
    TimeSpan? GensetReading,
    int MinersUnreadable,
    int Miners,
    bool PricesStale,
    bool ScedStale,
    bool GensetStale,
    bool MinersFailing)
{
    /// <summary>A SCED run is due every 5 minutes: three missed runs are stale.</summary>
    public static readonly TimeSpan ScedStaleAfter = TimeSpan.FromMinutes(15);

    /// <summary>The share of unreadable miners above which the fleet reads as failing.</summary>
    public const double MinersFailingShare = 0.10;

    public static InputAges At(ControllerRuntime.View view, DateTimeOffset now, DateTimeOffset deviceNow)
    {
        var config = view.Config;
        TimeSpan? settledAge = null;
        if (view.Prices is { Count: > 0 } p)
        {
            // The newest interval that has ended by now: a price for an interval still running is not settled yet.
            for (var i = p.Count - 1; i >= 0; i--)
                if (p.EndTicks[i] <= now.UtcTicks) { settledAge = now - new DateTimeOffset(p.EndTicks[i], TimeSpan.Zero); break; }
        }
        TimeSpan? scedAge = view.Sced is { Count: > 0 } s ? now - s[s.Count - 1].StartUtc : null;
        TimeSpan? gensetAge = view.Genset is { } g ? deviceNow - g.TimeRead : null;
        var staleAfter = config.Prices?.StaleAfter ?? TimeSpan.FromMinutes(20);
        var linkLoss = config.Genset?.LoadFollowing.LinkLossTimeout ?? TimeSpan.FromSeconds(2);
        var unreadable = view.Miners.Count(m => m.Error is not null);
        return new InputAges(settledAge, scedAge, gensetAge, unreadable, view.Miners.Count,
            PricesStale: settledAge is null || settledAge > staleAfter,
            ScedStale: config.Prices is not null && (scedAge is null || scedAge > ScedStaleAfter),
            GensetStale: config.Genset is not null && (gensetAge is null || gensetAge > linkLoss),
            MinersFailing: view.Miners.Count > 0 && unreadable > view.Miners.Count * MinersFailingShare);
    }
}
