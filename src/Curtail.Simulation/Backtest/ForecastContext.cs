using System.Collections.Concurrent;
using Curtail.Core;
using Curtail.Core.Prices;
using Curtail.Core.Sites;
using Curtail.Core.Time;
using Curtail.Ercot;
using Curtail.Ercot.Load;
using Curtail.Ercot.Prices;
using Curtail.Forecasting;
using Curtail.Forecasting.Data;
using Curtail.Forecasting.FourCp;
using Curtail.Forecasting.Models;

namespace Curtail.Simulation.Backtest;

/// <summary>
/// What the forecast policy and the 4CP watch need beyond prices: the model file (resolved against the site file),
/// the market history their features are read from (the shipped data: DAM, native load, hashprice), and the 4CP
/// peak model fitted on the summers before the window. Loaded once, on first use, and shared by every run over the
/// same inputs (sweeps included).
/// </summary>
public sealed class ForecastContext
{
    /// <summary>`models:NAME` names a model in the repository's models/ folder.</summary>
    public const string ModelsPrefix = "models:";

    private readonly string _siteSource;
    private readonly string? _siteDirectory;
    private readonly Lazy<MarketHistory> _history;
    private readonly ConcurrentDictionary<string, Lazy<GbrtPriceForecaster>> _models = new();
    private readonly ConcurrentDictionary<int, Lazy<FourCpPeakModel>> _peakModels = new();
    private readonly ConcurrentDictionary<GbrtPriceForecaster, MemoForecaster> _remembered = new(ReferenceEqualityComparer.Instance);

    public ForecastContext(string siteSource, string? siteDirectory, Func<MarketHistory> history)
    {
        _siteSource = siteSource;
        _siteDirectory = siteDirectory;
        _history = new Lazy<MarketHistory>(history, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>
    /// The shipped market history of a settlement point (data/ folder; CURTAIL_DATA overrides), with the day-ahead
    /// prices and native load of every shipped year (2021–2023 and 2024 are separate files), or the given series
    /// instead (<c>--dam</c>, <c>--load</c>).
    /// </summary>
    public static ForecastContext Shipped(string siteSource, string? siteDirectory, string settlementPoint,
        PriceSeries? dayAhead = null, PriceSeries? systemLoad = null) =>
        new(siteSource, siteDirectory, () =>
        {
            var data = ShippedData.Locate();
            var shipped = MarketData.Load(data, settlementPoint);
            dayAhead ??= data.DayAheadFiles.Count > 1 ? DayAheadPriceReader.Read(data.DayAheadFiles).For(settlementPoint) : shipped.DayAhead;
            systemLoad ??= data.NativeLoadFiles.Count > 1
                ? PriceSeries.Concat(data.NativeLoadFiles.Select(f => NativeLoadReader.Read(f).Series.ToPriceSeries()))
                : shipped.SystemLoad;
            return new MarketHistory(shipped.RealTime, dayAhead, shipped.Sced, systemLoad, shipped.Hashprice);
        });

    public MarketHistory History => _history.Value;

    /// <summary>The file a <c>policy.model</c> value names: <c>models:NAME</c>, or a path relative to the site file; the extension may be left off.</summary>
    public string ResolveModelPath(string model)
    {
        string path;
        if (model.StartsWith(ModelsPrefix, StringComparison.Ordinal))
        {
            var repo = Path.GetDirectoryName(ShippedData.Locate().Root.TrimEnd(Path.DirectorySeparatorChar))!;
            path = Path.Combine(repo, "models", model[ModelsPrefix.Length..]);
        }
        else path = Path.IsPathRooted(model) ? model : Path.GetFullPath(Path.Combine(_siteDirectory ?? Environment.CurrentDirectory, model));
        return File.Exists(path) || path.EndsWith(ModelFile.Extension, StringComparison.Ordinal) ? path : path + ModelFile.Extension;
    }

    /// <summary>
    /// Loads the model for a backtest and checks it may be used there: same settlement point, a horizon it was
    /// trained for, and no training data at or after the window's start (that would be hindsight).
    /// </summary>
    public GbrtPriceForecaster Model(BacktestInputs inputs)
    {
        var settings = inputs.Site.Policy.Forecast;
        if (settings.Model == ForecastSettings.ShippedModel)
        {
            // The default names the freshest model, trained on data a backtest may cover: take the freshest shipped
            // model trained before the window; when none is, the checks below refuse the oldest, naming it.
            var from = Window(inputs).Start;
            var usable = ForecastSettings.ShippedModels.FirstOrDefault(m =>
                File.Exists(ResolveModelPath(m)) && Load(ResolveModelPath(m)).Provenance is var shipped && shipped.TrainTo <= from && shipped.SettlementPoint == inputs.Site.SettlementPoint);
            settings = settings with { Model = usable ?? ForecastSettings.ShippedModels[^1] };
        }
        var path = ResolveModelPath(settings.Model);
        if (!File.Exists(path))
            throw new InvalidInputException(_siteSource, null, $"policy.model: '{settings.Model}' not found (looked at {path})");
        var model = Load(path);
        var pv = model.Provenance;
        if (pv.SettlementPoint != inputs.Site.SettlementPoint)
            throw new InvalidInputException(_siteSource, null, $"policy.model: '{settings.Model}' forecasts {pv.SettlementPoint} but the site settles at {inputs.Site.SettlementPoint}");
        if (settings.HorizonIntervals > model.Horizon)
            throw new InvalidInputException(_siteSource, null, $"policy.horizon_intervals: {settings.HorizonIntervals} is beyond the {model.Horizon} intervals '{settings.Model}' was trained for");
        var (windowStart, windowEnd) = Window(inputs);
        if (pv.TrainTo > windowStart)
            throw new InvalidInputException(path, null,
                $"policy.model '{settings.Model}': the model was trained on {Describe(pv.TrainFrom, pv.TrainTo)}, which {(pv.TrainFrom < windowEnd ? "overlaps" : "comes after")} the simulated window " +
                $"{Describe(windowStart, windowEnd)}: a backtest must not use a model that has seen its prices; simulate from " +
                $"{CentralPrevailingTime.LocalDate(pv.TrainTo):yyyy-MM-dd} on, or train a model on data before {CentralPrevailingTime.LocalDate(windowStart):yyyy-MM-dd} (`curtail train --to`)");
        return model;
    }

    /// <summary>
    /// The model's forecasts remembered over this context's market history: every run over the same inputs (a sweep's
    /// grid points) asks for the same forecasts, whatever its decision settings.
    /// </summary>
    public MemoForecaster Remembered(GbrtPriceForecaster model) => _remembered.GetOrAdd(model, m => new MemoForecaster(m));

    private GbrtPriceForecaster Load(string path) =>
        _models.GetOrAdd(path, p => new Lazy<GbrtPriceForecaster>(() => ModelFile.Load(p), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    /// <summary>ERCOT hourly native load, the 4CP watch's stand-in for the load forecast.</summary>
    public PriceSeries SystemLoad => History.SystemLoad
        ?? throw new InvalidInputException(_siteSource, null, "four_cp: needs ERCOT native load history (data/ercot/native_load_hourly_*.csv.gz)");

    /// <summary>The 4CP peak model fitted on every summer of load history before the window's year.</summary>
    public FourCpPeakModel PeakModel(BacktestInputs inputs)
    {
        var year = CentralPrevailingTime.LocalDate(Window(inputs).Start).Year;
        return _peakModels.GetOrAdd(year, y => new Lazy<FourCpPeakModel>(() =>
        {
            var load = SystemLoad;
            var firstYear = CentralPrevailingTime.LocalDate(load.Start).Year;
            try
            {
                return FourCpPeakModel.Fit(load, firstYear, y - 1);
            }
            catch (ArgumentException ex)
            {
                throw new InvalidInputException(_siteSource, null, $"four_cp: cannot fit the peak model on load before {y}: {ex.Message}");
            }
        }, LazyThreadSafetyMode.ExecutionAndPublication)).Value;
    }

    /// <summary>The actual monthly peak hours (from native load) inside the window.</summary>
    public IReadOnlyList<(int Month, DateTimeOffset PeakHourStart, double LoadMw)> ActualPeaks(BacktestInputs inputs)
    {
        var (start, end) = Window(inputs);
        var load = SystemLoad;
        var years = Enumerable.Range(CentralPrevailingTime.LocalDate(start).Year,
            CentralPrevailingTime.LocalDate(end.AddTicks(-1)).Year - CentralPrevailingTime.LocalDate(start).Year + 1);
        return years.SelectMany(y => FourCpPeakModel.ActualPeaks(load, y))
            .Where(p => p.PeakHourStart >= start && p.PeakHourStart < end).ToList();
    }

    public static (DateTimeOffset Start, DateTimeOffset End) Window(BacktestInputs inputs) => (
        new DateTimeOffset(inputs.Prices.StartTicks[inputs.FromIndex], TimeSpan.Zero),
        new DateTimeOffset(inputs.Prices.EndTicks[inputs.ToIndex - 1], TimeSpan.Zero));

    private static string Describe(DateTimeOffset from, DateTimeOffset to) => $"{from:yyyy-MM-dd HH:mm}Z..{to:yyyy-MM-dd HH:mm}Z";
}
