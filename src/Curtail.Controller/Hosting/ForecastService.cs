using Curtail.Controller.Config;
using Curtail.Core.Policies;
using Curtail.Core.Prices;
using Curtail.Core.Sites;
using Curtail.Ercot;
using Curtail.Forecasting;
using Curtail.Forecasting.Data;
using Curtail.Forecasting.Models;
using Curtail.Forecasting.Policies;
using Curtail.Simulation.Backtest;
using Microsoft.Extensions.Logging;

namespace Curtail.Controller.Hosting;

/// <summary>
/// The live forecaster: the site's model (or the shipped one), fed with the real-time prices the controller has
/// fetched and, as stand-ins for ERCOT's day-ahead prices and load forecast, the shipped DAM and native-load history
/// (the same stand-ins the model was trained with; see the model card). The model's forecast is moved toward ERCOT's
/// latest RTD indicative LMPs where they cover an interval (<see cref="RtdAdjustedForecaster"/>; live only). Refreshed
/// by a job and after each RTD poll; its last forecast is shown on the dashboard, and a `forecast` or
/// `forecast_gated` site decides with the same forecaster.
/// </summary>
public sealed class ForecastService(ControllerConfig config, ControllerRuntime runtime, ServiceClock clock, ILogger<ForecastService> log)
{
    private readonly Lazy<(IPriceForecaster Model, MarketHistory Shipped)?> _setup = new(() => Setup(config, log));
    private LiveForecast? _last;

    /// <summary>The latest forecast and the RTD run it was moved toward (null when none was fresh).</summary>
    public sealed record LiveForecast(PriceForecast Forecast, RtdLookAhead? Rtd);

    public PriceForecast? Last => Volatile.Read(ref _last)?.Forecast;

    public LiveForecast? LastWithRtd => Volatile.Read(ref _last);

    public bool Available => _setup.Value is not null;

    /// <summary>
    /// The site's forecast policy with the live model and history: the planner (<c>forecast</c>) or the gated rule
    /// (<c>forecast_gated</c>), built from the site settings exactly as the backtest builds it (<see cref="PolicyFactory"/>).
    /// </summary>
    public ICurtailmentPolicy PolicyFor(SiteDefinition site)
    {
        if (site.Policy.Kind == PolicyKind.ForecastGated)
        {
            var options = PolicyFactory.GateOptions(site.Policy);
            if (!options.UsesForecast) return new ForecastGatedPolicy(null, null, site, options);
            var gated = _setup.Value ?? throw new Core.InvalidInputException(config.Source, null, "policy.kind forecast_gated: the model could not be loaded (see the log)");
            return new ForecastGatedPolicy(gated.Model, History, site, options);
        }
        var setup = _setup.Value ?? throw new Core.InvalidInputException(config.Source, null, "policy.kind forecast: the model could not be loaded (see the log)");
        var s = site.Policy.Forecast;
        return new ForecastPolicy(setup.Model, History, site, new ForecastPolicyOptions
        {
            Horizon = s.HorizonIntervals,
            RiskWeight = s.RiskWeight,
            Expectation = s.Expectation == ForecastExpectation.Mean ? PriceExpectation.Mean : PriceExpectation.Quantiles,
        });
    }

    public PriceForecast? Refresh()
    {
        if (_setup.Value is null) return null;
        try
        {
            var now = clock.Time.GetUtcNow();
            var history = History();
            var forecast = _setup.Value.Value.Model.Forecast(history, now, ForecastSettings.MaxHorizonIntervals);
            Volatile.Write(ref _last, new LiveForecast(forecast, RtdAdjustment.Usable(history.Rtd, now)));
            return forecast;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or Core.InvalidInputException)
        {
            log.LogWarning("forecast: not refreshed: {Reason}", ex.Message);
            return null;
        }
    }

    /// <summary>
    /// Live real-time prices and SCED LMPs on top of the shipped history (live wins where both have an interval), and
    /// the latest RTD look-ahead.
    /// </summary>
    public MarketHistory History()
    {
        var shipped = _setup.Value!.Value.Shipped;
        var view = runtime.Snapshot();
        var realTime = view.Prices is { Count: > 0 } live ? Merge(shipped.RealTime, live) : shipped.RealTime;
        var sced = view.Sced is { Count: > 0 } liveSced ? shipped.Sced is { Count: > 0 } s ? Merge(s, liveSced) : liveSced : shipped.Sced;
        return new MarketHistory(realTime, shipped.DayAhead, sced, shipped.SystemLoad, runtime.Hashprice) { Rtd = view.Rtd };
    }

    private static PriceSeries Merge(PriceSeries history, PriceSeries live)
    {
        var before = history.Slice(history.Start, live.Start);
        return before.Count == 0 ? live : PriceSeries.Concat([before, live]);
    }

    private static (IPriceForecaster, MarketHistory)? Setup(ControllerConfig config, ILogger log)
    {
        try
        {
            var site = config.Site;
            var context = new ForecastContext(config.Source, Path.GetDirectoryName(Path.GetFullPath(config.Source)), () => MarketData.Load(ShippedData.Locate(), site.SettlementPoint));
            var model = ModelFile.Load(context.ResolveModelPath(site.Policy.Forecast.Model));
            return (new RtdAdjustedForecaster(model), context.History);
        }
        catch (Exception ex) when (ex is IOException or Core.InvalidInputException or ArgumentException or InvalidOperationException)
        {
            log.LogWarning("forecast: unavailable: {Reason}", ex.Message);
            return null;
        }
    }
}
