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

    /// <summary>
    /// The available power of the site's gensets over the window (site file profiles, or a pooled profile); null:
    /// every genset at its rated power. Only read for a site whose <c>energy.sources</c> has gensets.
    /// </summary>
    public GensetSupply? Supply { get; init; }

    /// <summary>
    /// Each genset's mean available kW over each decision row (<c>[row][genset]</c>): what the backtest, its policy's
    /// energy floor and the topology oracle all see. Empty rows for a site without gensets.
    /// </summary>
    public double[][] GensetAvailableByRow() => GensetAvailable(atDecision: false);

    /// <summary>
    /// Each genset's available kW when each decision row starts (<c>[row][genset]</c>): what the policy's energy floor
    /// and an island's ceiling decide on, as the live controller decides on the reading it has.
    /// </summary>
    public double[][] GensetAvailableAtDecisions() => GensetAvailable(atDecision: true);

    private double[][] GensetAvailable(bool atDecision)
    {
        var sources = Site.Sources;
        var starts = Sced is { } s ? s.StartTicks : Prices.StartTicks[FromIndex..ToIndex];
        var ends = Sced is { } e ? e.EndTicks : Prices.EndTicks[FromIndex..ToIndex];
        if (!sources.HasGensets) return new double[starts.Length][].Select(_ => Array.Empty<double>()).ToArray();
        var origin = starts.Length > 0 ? new DateTimeOffset(starts[0], TimeSpan.Zero) : DateTimeOffset.UnixEpoch;
        var supply = Supply ?? GensetSupply.RatedPower(sources, origin);
        return atDecision ? supply.AtStarts(starts) : supply.MeansOver(starts, ends);
    }

    /// <summary>
    /// When set, the backtest decides on ERCOT's SCED clock: every 5 minutes on the SCED LMPs, settling each 15-minute
    /// interval at its SPP (<see cref="ScedCadence"/>); the oracle plans on the same 5-minute sub-intervals. Null:
    /// one decision per settled 15-minute interval.
    /// </summary>
    public ScedCadence? Sced { get; init; }

    /// <summary>Minutes between decisions: 5 on the SCED clock, else the settlement interval's length (15 for ERCOT).</summary>
    public int DecisionCadenceMinutes => Sced is not null
        ? ScedCadence.DecisionCadenceMinutes
        : (int)Math.Round(TimeSpan.FromTicks(Prices.EndTicks[FromIndex] - Prices.StartTicks[FromIndex]).TotalMinutes);

    /// <summary>Number of decisions the backtest takes: 5-minute sub-intervals on the SCED clock, else intervals.</summary>
    public int DecisionCount => Sced?.Count ?? IntervalCount;

    /// <summary>
    /// These inputs decided on ERCOT's SCED clock with the LMPs of <paramref name="scedRuns"/> (one interval per
    /// SCED run of the site's settlement point, as <c>ScedLmpReader</c> reads NP6-788-CD or the tidy SCED layout).
    /// This is the whole API of a SCED-cadence backtest: pass the result to <see cref="SimulationRunner.Run"/>,
    /// <see cref="Backtester.Run"/> or <c>SweepRunner.Run</c>.
    /// </summary>
    public BacktestInputs OnSced(PriceSeries scedRuns, string source = "SCED LMPs") =>
        this with { Sced = ScedCadence.Build(Prices, FromIndex, ToIndex, scedRuns, source) };
}
