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

    /// <summary>Model, market history and 4CP model for the forecast policy and the 4CP watch; the shipped data when not set.</summary>
    public ForecastContext? Forecasting { get; init; }

    /// <summary>The forecast context, created from the shipped data when the caller gave none.</summary>
    public ForecastContext ForecastingOrShipped() =>
        Forecasting ?? ForecastContext.Shipped(Site.Name, null, Site.SettlementPoint);

    /// <summary>These inputs with a forecast context, so that runs sharing them load the model and history once.</summary>
    public BacktestInputs WithForecasting() => Forecasting is null ? this with { Forecasting = ForecastingOrShipped() } : this;

    public BacktestInputs WithSite(SiteDefinition site) => this with { Site = site };
}
