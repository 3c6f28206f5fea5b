using Curtail.Core.Prices;

namespace Curtail.Controller.Cycle;

/// <summary>One SCED run's LMP at the site's settlement point (NP6-788-CD): when it ran and its price.</summary>
/// <remarks><see cref="Origin"/> is set for a price that is not ERCOT's: an OpenADR PRICE interval that overrides it.</remarks>
public readonly record struct ScedRun(DateTimeOffset Time, double Lmp, string? Origin = null);

/// <summary>A price given by an OpenADR PRICE interval [Start, End) (End null = until the event goes), in $/MWh.</summary>
public sealed record SignalPrice(DateTimeOffset Start, DateTimeOffset? End, double UsdPerMwh, string Origin)
{
    public bool ActiveAt(DateTimeOffset now) => Start <= now && (End is null || now < End);

    /// <summary>
    /// The runs a cycle decides on with the signal prices applied: during a PRICE interval the SCED runs since it began
    /// give way to the signal's price, as a run at <paramref name="now"/>; outside one the runs are as held.
    /// </summary>
    public static IReadOnlyList<ScedRun> Apply(IReadOnlyList<ScedRun> held, IReadOnlyList<SignalPrice> prices, DateTimeOffset now)
    {
        if (prices.Where(p => p.ActiveAt(now)).OrderByDescending(p => p.Start).FirstOrDefault() is not { } active) return held;
        return [.. held.Where(r => r.Time < active.Start), new ScedRun(now, active.UsdPerMwh, active.Origin)];
    }
}

/// <summary>
/// The price a cycle's policy acted on: the latest SCED LMP of the intervals not settled yet (its run time), or the
/// last settled SPP (its interval start) when no SCED run came after it. Recorded with every decision and shown in
/// /api/status, so an operator sees whether the site reacted to a 5-minute LMP or to a settled price.
/// </summary>
public sealed record ActedPrice(string Source, DateTimeOffset Time, double Price)
{
    /// <summary>Who set the price when it is not ERCOT's (an OpenADR PRICE interval); null = ERCOT.</summary>
    public string? Origin { get; init; }

    public const string Sced = "sced";
    public const string Settled = "settled";

    public static ActedPrice? From(CycleInputs inputs) =>
        inputs.ScedRuns is { Count: > 0 } runs ? new(Sced, runs[^1].Time, runs[^1].Lmp) { Origin = runs[^1].Origin }
        : inputs.SettledPrices.Length > 0 && inputs.LastSettledIntervalStart is { } start ? new(Settled, start, inputs.SettledPrices[^1])
        : null;

    public override string ToString() => Origin is not null ? $"{Origin}: {Price:0.00} $/MWh"
        : Source == Sced
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
