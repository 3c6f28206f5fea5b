using Curtail.Core.Economics;
using Curtail.Core.Prices;
using Curtail.Core.Sites;

namespace Curtail.Simulation.Backtest;

/// <summary>
/// A site, its prices and hashprice, and the simulated window [FromIndex, ToIndex) of the price series. Prices before
/// the window are history the policies may already know on the first simulated interval.
/// </summary>
public sealed record BacktestInputs(SiteDefinition Site, PriceSeries Prices, HashpriceSeries Hashprice, int FromIndex, int ToIndex)
{
    public static BacktestInputs Whole(SiteDefinition site, PriceSeries prices, HashpriceSeries hashprice) =>
        new(site, prices, hashprice, 0, prices.Count);

    public int IntervalCount => ToIndex - FromIndex;

    public BacktestInputs WithSite(SiteDefinition site) => this with { Site = site };
}
