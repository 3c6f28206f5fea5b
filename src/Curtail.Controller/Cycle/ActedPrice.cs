using Curtail.Core.Prices;

namespace Curtail.Controller.Cycle;

/// <summary>One SCED run's LMP at the site's settlement point (NP6-788-CD): when it ran and its price.</summary>
public readonly record struct ScedRun(DateTimeOffset Time, double Lmp);

/// <summary>
/// The price a cycle's policy acted on: the latest SCED LMP of the intervals not settled yet (its run time), or the
/// last settled SPP (its interval start) when no SCED run came after it. Recorded with every decision and shown in
/// /api/status, so an operator sees whether the site reacted to a 5-minute LMP or to a settled price.
/// </summary>
public sealed record ActedPrice(string Source, DateTimeOffset Time, double Price)
{
    public const string Sced = "sced";
    public const string Settled = "settled";

    public static ActedPrice? From(CycleInputs inputs) =>
        inputs.ScedRuns is { Count: > 0 } runs ? new(Sced, runs[^1].Time, runs[^1].Lmp)
        : inputs.SettledPrices.Length > 0 && inputs.LastSettledIntervalStart is { } start ? new(Settled, start, inputs.SettledPrices[^1])
        : null;

    public override string ToString() => Source == Sced
        ? $"SCED LMP {Price:0.00} $/MWh (run {Time:u})"
        : $"settled SPP {Price:0.00} $/MWh (interval from {Time:u})";
}

/// <summary>Picks, from the SCED runs the controller holds, those a cycle decides on.</summary>
public static class ScedSoFar
{
    /// <summary>How far back runs count when there is no settled price at all: one settlement interval.</summary>
    public static readonly TimeSpan WithoutSettled = TimeSpan.FromMinutes(15);

    /// <summary>Every run held up to <paramref name="now"/>, oldest first.</summary>
    public static IReadOnlyList<ScedRun> Held(PriceSeries? sced, DateTimeOffset now)
    {
        if (sced is not { Count: > 0 }) return [];
        var runs = new List<ScedRun>(sced.Count);
        for (var i = 0; i < sced.Count && sced.StartTicks[i] <= now.UtcTicks; i++)
            runs.Add(new ScedRun(new DateTimeOffset(sced.StartTicks[i], TimeSpan.Zero), sced.Prices[i]));
        return runs;
    }

    /// <summary>
    /// Of <paramref name="held"/> (oldest first), the runs that ran after the last settled interval ended
    /// (<paramref name="settledEnd"/>; without one, in the last 15 minutes) and by <paramref name="now"/>: the SCED
    /// prices newer than every settled price.
    /// </summary>
    public static IReadOnlyList<ScedRun> After(IReadOnlyList<ScedRun> held, DateTimeOffset? settledEnd, DateTimeOffset now)
    {
        var from = settledEnd ?? now - WithoutSettled;
        return held.Where(r => r.Time >= from && r.Time <= now).ToList();
    }

    /// <summary>The runs of <paramref name="sced"/> after the last settled interval, as <see cref="After"/>.</summary>
    public static IReadOnlyList<ScedRun> Runs(PriceSeries? sced, DateTimeOffset? settledEnd, DateTimeOffset now) => After(Held(sced, now), settledEnd, now);
}
