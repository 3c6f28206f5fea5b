namespace Curtail.Core.Prices;

/// <summary>
/// One RTD run's indicative LMPs (ERCOT NP6-970-CD): the run's time and its price for each coming five-minute interval.
/// The run time is kept with the prices so a reader can tell a fresh look-ahead from one a stopped feed left behind.
/// </summary>
public sealed record RtdLookAhead(DateTimeOffset RunUtc, PriceSeries Prices)
{
    /// <summary>How old the run is at <paramref name="now"/>.</summary>
    public TimeSpan AgeAt(DateTimeOffset now) => now - RunUtc;
}
