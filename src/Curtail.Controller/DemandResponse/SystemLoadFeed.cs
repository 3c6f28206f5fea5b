using Curtail.Core.Prices;
using Curtail.Core.Time;
using Curtail.Ercot.Api;
using Microsoft.Extensions.Logging;

namespace Curtail.Controller.DemandResponse;

/// <summary>
/// ERCOT's hourly system load for the 4CP watch, from the start of the current month through tomorrow: the actual
/// load (NP6-345-CD) of the hours ERCOT has published, for the month-to-date peak, and the seven-day forecast
/// (NP3-565-CD) for the rest. Fetched again when an hour old or when it does not reach the end of today; a report that
/// fails keeps its last answer, and the forecast alone serves when the actual load cannot be had.
/// </summary>
public sealed class SystemLoadFeed(ErcotApiClient client, ILogger<SystemLoadFeed> log)
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromHours(1);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private PriceSeries? _actual;
    private PriceSeries? _forecast;
    private PriceSeries? _series;
    private DateTimeOffset _fetchedAt = DateTimeOffset.MinValue;

    public string? Problem { get; private set; }

    /// <summary>The last load fetched, without fetching (for the dashboard).</summary>
    public PriceSeries? Cached => Volatile.Read(ref _series);

    public async Task<PriceSeries?> GetAsync(DateTimeOffset now, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var today = CentralPrevailingTime.LocalDate(now);
            var fresh = now - _fetchedAt < MaxAge && _series is { Count: > 0 } s && s.End >= CentralPrevailingTime.StartOfDayUtc(today.AddDays(1));
            if (fresh) return _series;
            var monthStart = new DateOnly(today.Year, today.Month, 1);
            var problems = new List<string>();
            _forecast = await TryAsync("load forecast (NP3-565-CD)", () => ErcotSystemLoad.ForecastAsync(client, monthStart, today.AddDays(1), ct), problems) ?? _forecast;
            _actual = await TryAsync("actual load (NP6-345-CD)", () => ErcotSystemLoad.ActualAsync(client, monthStart, today, ct), problems) ?? _actual;
            _fetchedAt = now;
            Volatile.Write(ref _series, Merge(_actual, _forecast));
            if (_series is { Count: 0 }) problems.Add($"ERCOT returned no load for {today:yyyy-MM}");
            Problem = problems.Count == 0 ? null : string.Join("; ", problems);
            return _series;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<PriceSeries?> TryAsync(string what, Func<Task<PriceSeries>> fetch, List<string> problems)
    {
        try
        {
            return await fetch();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            problems.Add($"{what} fetch failed: {ex.Message}");
            log.LogWarning("4CP watch: {What} fetch failed, keeping the last one: {Reason}", what, ex.Message);
            return null;
        }
    }

    /// <summary>Hourly load: the actual where ERCOT has published it, the forecast elsewhere.</summary>
    public static PriceSeries Merge(PriceSeries? actual, PriceSeries? forecast)
    {
        var hours = new SortedDictionary<long, double>();
        for (var i = 0; i < (forecast?.Count ?? 0); i++) hours[forecast!.StartTicks[i]] = forecast.Prices[i];
        for (var i = 0; i < (actual?.Count ?? 0); i++) hours[actual!.StartTicks[i]] = actual.Prices[i];
        var starts = hours.Keys.ToArray();
        return new PriceSeries(Curtail.Ercot.Load.SystemLoadSeries.SeriesName, starts, starts.Select(s => s + TimeSpan.TicksPerHour).ToArray(), hours.Values.ToArray());
    }
}
