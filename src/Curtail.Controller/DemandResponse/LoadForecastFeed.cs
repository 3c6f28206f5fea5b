using Curtail.Core.Prices;
using Curtail.Core.Time;
using Curtail.Ercot.Api;
using Microsoft.Extensions.Logging;

namespace Curtail.Controller.DemandResponse;

/// <summary>
/// ERCOT's hourly system load forecast (NP3-565-CD) for the 4CP watch: the current month so far (the forecasts posted
/// for its earlier days stand in for their actual load, for the month-to-date peak) through tomorrow. Fetched again
/// when an hour old or when it does not reach the end of today; a failed fetch keeps the last one.
/// </summary>
public sealed class LoadForecastFeed(ErcotApiClient client, ILogger<LoadForecastFeed> log)
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromHours(1);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private PriceSeries? _series;
    private DateTimeOffset _fetchedAt = DateTimeOffset.MinValue;

    public string? Problem { get; private set; }

    /// <summary>The last forecast fetched, without fetching (for the dashboard).</summary>
    public PriceSeries? Cached => Volatile.Read(ref _series);

    public async Task<PriceSeries?> GetAsync(DateTimeOffset now, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var today = CentralPrevailingTime.LocalDate(now);
            var fresh = now - _fetchedAt < MaxAge && _series is { Count: > 0 } s && s.End >= CentralPrevailingTime.StartOfDayUtc(today.AddDays(1));
            if (fresh) return _series;
            try
            {
                _series = await ErcotLoadForecast.GetAsync(client, new DateOnly(today.Year, today.Month, 1), today.AddDays(1), ct);
                _fetchedAt = now;
                Problem = _series.Count == 0 ? $"ERCOT returned no load forecast for {today:yyyy-MM}" : null;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Problem = $"load forecast fetch failed: {ex.Message}";
                log.LogWarning("4CP watch: {Problem}; keeping the last forecast", Problem);
            }
            return _series;
        }
        finally
        {
            _gate.Release();
        }
    }
}
