using Curtail.Controller.Config;
using Curtail.Controller.Storage;
using Curtail.Core.Prices;
using Curtail.Core.Sites;
using Curtail.Core.Time;
using Curtail.Ercot;
using Curtail.Ercot.Load;
using Curtail.Forecasting.FourCp;
using Microsoft.Extensions.Logging;

namespace Curtail.Controller.DemandResponse;

/// <summary>One hour's 4CP watch decision with the forecast it rests on, kept as ERCOT's records ask (ercot.md §2.6).</summary>
public sealed record FourCpHour(DateTimeOffset HourStart, double Probability, DateTimeOffset IssuedAt, bool Curtail, string Reason);

/// <summary>
/// The live 4CP watch of a site file with <c>four_cp</c> enabled: the backtest's peak model (docs/forecasting.md)
/// gives each hour of the peak months the probability that it is the month's ERCOT system peak, and the site curtails
/// through hours at or above the threshold while the month's budget of watch hours lasts. Each hour is decided once,
/// at its first cycle, and stored: later cycles, a restart and the budget all read the same record.
/// The load is ERCOT's own (<see cref="SystemLoadFeed"/>: actual load so far this month, the seven-day forecast for the
/// rest) when the controller has the ERCOT API; for days it does not cover, actual native load from the shipped
/// history stands in, as in the backtests.
/// </summary>
public sealed class FourCpWatch
{
    private readonly FourCpSiteSettings? _settings;
    private readonly ControllerStore _store;
    private readonly ILogger _log;
    private readonly Func<DateTimeOffset, (FourCpPeakModel Model, PriceSeries Load)?> _setup;
    private readonly Lock _setupLock = new();
    private (FourCpPeakModel Model, PriceSeries Load)? _loaded;
    private bool _setupTried;
    private DateOnly? _warnedFor;
    private readonly SystemLoadFeed? _feed;

    public FourCpWatch(ControllerConfig config, ControllerStore store, ILogger<FourCpWatch> log, SystemLoadFeed? feed = null)
        : this(config.Site.FourCpEnabled ? config.Site.FourCp : null, store, log, now => ShippedSetup(config, now, log), feed)
    {
    }

    /// <param name="setup">The peak model and the hourly load history standing in for a forecast, given the time of the first evaluation; null when unavailable.</param>
    /// <param name="feed">ERCOT's load, preferred over the history for the days it covers.</param>
    public FourCpWatch(FourCpSiteSettings? settings, ControllerStore store, ILogger log, Func<DateTimeOffset, (FourCpPeakModel Model, PriceSeries Load)?> setup,
        SystemLoadFeed? feed = null)
    {
        _settings = settings;
        _store = store;
        _log = log;
        _setup = setup;
        _feed = feed;
    }

    /// <summary><see cref="Evaluate"/> on ERCOT's load, fetched first if it is stale.</summary>
    public async Task<FourCpHour?> EvaluateAsync(DateTimeOffset now, CancellationToken ct)
    {
        // Only an hour still to decide, in a peak month, is worth a request to ERCOT.
        if (Undecided(now, out var decided) is not var (model, shipped)) return decided;
        var live = _feed is null ? null : await _feed.GetAsync(now, ct);
        return Decide(now, model, shipped, live);
    }

    public FourCpSiteSettings? Settings => _settings;

    /// <summary>Why the watch could not decide the last hour it was asked about (no model, no forecast for the day), or null.</summary>
    public string? Problem { get; private set; }

    /// <summary>The decision for the hour containing <paramref name="now"/>: recorded if it was made before, else made and recorded now; null outside the peak months, when the watch is off, or without a forecast.</summary>
    /// <param name="liveLoad">ERCOT's load for the month so far through tomorrow (actual where published), when the controller has it.</param>
    public FourCpHour? Evaluate(DateTimeOffset now, PriceSeries? liveLoad = null) =>
        Undecided(now, out var decided) is var (model, shipped) ? Decide(now, model, shipped, liveLoad) : decided;

    /// <summary>Watch hours spent (curtailed) in the CPT month containing <paramref name="now"/>.</summary>
    public int UsedHoursInMonthOf(DateTimeOffset now)
    {
        var local = CentralPrevailingTime.ToLocal(now);
        var first = new DateOnly(local.Year, local.Month, 1);
        return _store.FourCpCurtailedHours(CentralPrevailingTime.StartOfDayUtc(first), CentralPrevailingTime.StartOfDayUtc(first.AddMonths(1)));
    }

    /// <summary>
    /// The peak model to decide the hour of <paramref name="now"/> with, or null: with the hour's record in
    /// <paramref name="decided"/> when it was decided before, else because the watch is off, has no model or the
    /// month is not a peak month.
    /// </summary>
    private (FourCpPeakModel Model, PriceSeries Shipped)? Undecided(DateTimeOffset now, out FourCpHour? decided)
    {
        decided = _settings is null ? null : _store.FourCpHour(HourStartOf(now));
        if (_settings is null || decided is not null) return null;
        return Setup(now) is var (model, shipped) && model.Months.Contains(CentralPrevailingTime.ToLocal(now).Month) ? (model, shipped) : null;
    }

    private FourCpHour? Decide(DateTimeOffset now, FourCpPeakModel model, PriceSeries shipped, PriceSeries? liveLoad)
    {
        var s = _settings!;
        var hourStart = HourStartOf(now);
        var date = CentralPrevailingTime.LocalDate(now);
        if (LoadFor(date, liveLoad, shipped) is not var (load, source))
        {
            Problem = $"no load forecast for {date:yyyy-MM-dd} ({(_feed is null ? "no ERCOT API configured" : _feed.Problem ?? "ERCOT's forecast does not cover it")}; {Coverage(shipped)})";
            if (_warnedFor != date) _log.LogWarning("4CP watch idle: {Problem}", Problem);
            _warnedFor = date;
            return null;
        }
        Problem = null;
        var p = model.HourProbability(load, hourStart);
        var used = UsedHoursInMonthOf(now);
        var curtail = p >= s.ProbabilityThreshold && used + 1 <= s.MonthlyBudgetHours + 1e-9;
        var reason = (p < s.ProbabilityThreshold
            ? $"peak probability {p:0.000} below the threshold {s.ProbabilityThreshold:0.###}"
            : curtail
                ? $"peak probability {p:0.000}: likely {(model.Rule.Kind == PeakRuleKind.FourCp ? "the month's ERCOT system peak" : $"one of the {model.Rule.PeaksPerPeriod} highest daily ERCOT peaks of the {(model.Rule.Period == PeakPeriod.Month ? "month" : "season")} (rule {model.Rule.Name})")} (watch hour {used + 1} of {s.MonthlyBudgetHours:0.#} this month)"
                : $"peak probability {p:0.000}, but this month's {s.MonthlyBudgetHours:0.#} watch hours are spent") + $"; load from {source}";
        _store.SaveFourCpHour(new FourCpHour(hourStart, p, now, curtail, reason));
        // Another writer may have decided the hour first; its record wins.
        return _store.FourCpHour(hourStart);
    }

    private static DateTimeOffset HourStartOf(DateTimeOffset now) => new(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerHour, TimeSpan.Zero);

    /// <summary>Peak probabilities of the hours of the CPT day containing <paramref name="now"/>, for the dashboard (nothing is recorded).</summary>
    public IReadOnlyList<(DateTimeOffset HourStart, double Probability)> Day(DateTimeOffset now)
    {
        if (_settings is null || Setup(now) is not var (model, shipped)) return [];
        var date = CentralPrevailingTime.LocalDate(now);
        if (LoadFor(date, _feed?.Cached, shipped) is not var (load, _)) return [];
        var start = CentralPrevailingTime.StartOfDayUtc(date);
        return Enumerable.Range(0, CentralPrevailingTime.HoursInDay(date))
            .Select(h => start.AddHours(h))
            .Select(h => (h, model.HourProbability(load, h)))
            .ToList();
    }

    private (FourCpPeakModel Model, PriceSeries Load)? Setup(DateTimeOffset now)
    {
        // The cycle and the status endpoint may ask first at the same moment; both must see the finished setup.
        lock (_setupLock)
        {
            if (!_setupTried)
            {
                _loaded = _setup(now);
                _setupTried = true;
                if (_loaded is null) Problem = "the 4CP peak model could not be set up (see the log)";
            }
            return _loaded;
        }
    }

    /// <summary>ERCOT's forecast when it covers the day, else the shipped history when that does.</summary>
    private static (PriceSeries Load, string Source)? LoadFor(DateOnly date, PriceSeries? live, PriceSeries shipped) =>
        live is not null && Covers(live, date) ? (live, "ERCOT's load forecast (NP3-565-CD) and actual load (NP6-345-CD)")
        : Covers(shipped, date) ? (shipped, "shipped native load (stand-in for the forecast)")
        : null;

    private static string Coverage(PriceSeries shipped) => shipped.Count == 0
        ? "no shipped native load"
        : $"the shipped native load covers {CentralPrevailingTime.LocalDate(shipped.Start):yyyy-MM-dd}..{CentralPrevailingTime.LocalDate(shipped.End.AddTicks(-1)):yyyy-MM-dd}";

    private static bool Covers(PriceSeries load, DateOnly date)
    {
        var start = CentralPrevailingTime.StartOfDayUtc(date);
        var end = CentralPrevailingTime.StartOfDayUtc(date.AddDays(1));
        return load.Count > 0 && load.Start <= start && load.End >= end;
    }

    /// <summary>The shipped native load, and the peak model fitted on the summers before the current year that it covers.</summary>
    private static (FourCpPeakModel, PriceSeries)? ShippedSetup(ControllerConfig config, DateTimeOffset now, ILogger log)
    {
        try
        {
            var load = ShippedData.Locate().ReadNativeLoad() ?? throw new Core.InvalidInputException("no shipped native load (data/ercot/native_load_hourly_*.csv.gz)");
            var firstYear = CentralPrevailingTime.LocalDate(load.Start).Year;
            var lastYear = Math.Min(CentralPrevailingTime.LocalDate(now).Year - 1, CentralPrevailingTime.LocalDate(load.End.AddTicks(-1)).Year);
            return (FourCpPeakModel.Fit(load, firstYear, lastYear, config.Site.FourCp?.Rule ?? PeakRule.FourCp), load);
        }
        catch (Exception ex) when (ex is IOException or Core.InvalidInputException or ArgumentException)
        {
            log.LogWarning("4CP watch unavailable for {Site}: {Reason}", config.Site.Name, ex.Message);
            return null;
        }
    }
}
