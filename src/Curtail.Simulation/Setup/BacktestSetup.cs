using Curtail.Core;
using Curtail.Core.Time;
using Curtail.Ercot;
using Curtail.Ercot.Prices;
using Curtail.Ercot.Reading;
using Curtail.Simulation.Backtest;

namespace Curtail.Simulation.Setup;

/// <summary>What the user asked for on the command line (or an API), before anything is loaded.</summary>
public sealed record BacktestRequest(
    string? SiteFile = null,
    IReadOnlyList<string>? PriceFiles = null,
    DateOnly? FromCpt = null,
    DateOnly? ToCptExclusive = null,
    bool SkipBadRows = false);

/// <summary>Everything a backtest needs, loaded and checked, with the window it covers.</summary>
public sealed record PreparedBacktest(LoadedSite Site, BacktestInputs Inputs, DateOnly FromCpt, DateOnly ToCptExclusive, int SkippedRows);

public static class BacktestSetup
{
    /// <summary>The window of the README's main job: the shipped 2023 prices.</summary>
    public static readonly DateOnly DefaultFrom = new(2023, 1, 1);
    public static readonly DateOnly DefaultTo = new(2024, 1, 1);

    public static PreparedBacktest Prepare(BacktestRequest request)
    {
        var site = SiteFiles.Load(request.SiteFile);
        var shipped = request.PriceFiles is null or { Count: 0 };
        var files = shipped ? [ShippedData.Locate().ErcotDirectory] : request.PriceFiles!;
        var from = request.FromCpt ?? (shipped && request.ToCptExclusive is null ? DefaultFrom : null);
        var to = request.ToCptExclusive ?? (shipped && request.FromCpt is null ? DefaultTo : null);
        if (from is { } f && to is { } t && f >= t)
            throw new InvalidInputException("--from/--to", null, $"--from {f:yyyy-MM-dd} is not before --to {t:yyyy-MM-dd} (--to is exclusive)");

        // Exactly the window is loaded: the first interval has no settled price yet and every policy keeps its state there.
        var loaded = PriceLoader.Load(files, site.Site.SettlementPoint, from, to,
            new PriceReadOptions { SkipBadRows = request.SkipBadRows });
        var series = loaded.Series;
        if (series.Count == 0)
            throw new InvalidInputException(string.Join(", ", files), null,
                $"no {site.Site.SettlementPoint} prices{(from is null ? "" : $" from {from:yyyy-MM-dd}")}{(to is null ? "" : $" to {to:yyyy-MM-dd}")}");
        var fromDate = from ?? CentralPrevailingTime.LocalDate(series.Start);
        var toDate = to ?? CentralPrevailingTime.LocalDate(series.End.AddTicks(-1)).AddDays(1);
        var fromIndex = series.FirstStartingAtOrAfter(CentralPrevailingTime.StartOfDayUtc(fromDate).UtcTicks);
        var toIndex = series.FirstStartingAtOrAfter(CentralPrevailingTime.StartOfDayUtc(toDate).UtcTicks);
        if (toIndex <= fromIndex)
            throw new InvalidInputException(string.Join(", ", files), null, $"no {site.Site.SettlementPoint} prices between {fromDate:yyyy-MM-dd} and {toDate:yyyy-MM-dd}");
        var window = series.Slice(series[fromIndex].StartUtc, series[toIndex - 1].EndUtc);
        if (window.UniformStep() is null)
            throw new InvalidInputException(string.Join(", ", files), null,
                "the prices in the window have gaps or mixed interval lengths; the oracle needs a contiguous series (fix the data or narrow --from/--to)");

        var hashprice = SiteFiles.LoadHashprice(site);
        if (!hashprice.IsConstant)
        {
            var first = DateOnly.FromDateTime(series[fromIndex].StartUtc.UtcDateTime);
            var last = DateOnly.FromDateTime(series[toIndex - 1].StartUtc.UtcDateTime);
            if (first < hashprice.FirstDate || last > hashprice.LastDate)
                throw new InvalidInputException(site.Source, null,
                    $"economics.hashprice: the series covers {hashprice.FirstDate:yyyy-MM-dd}..{hashprice.LastDate:yyyy-MM-dd} but the backtest needs {first:yyyy-MM-dd}..{last:yyyy-MM-dd} (UTC)");
        }
        var inputs = new BacktestInputs(site.Site, series, hashprice, fromIndex, toIndex)
        {
            // Loaded only if the forecast policy or the 4CP watch runs; model paths resolve against the site file.
            Forecasting = ForecastContext.Shipped(site.Source, site.Directory, site.Site.SettlementPoint),
        };
        return new PreparedBacktest(site, inputs, fromDate, toDate, loaded.SkippedRows);
    }
}
