using Curtail.Core;
using Curtail.Core.LoadFollowing;
using Curtail.Core.Time;
using Curtail.Core.Prices;
using Curtail.Ercot;
using Curtail.Ercot.Load;
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
    bool SkipBadRows = false)
{
    /// <summary>
    /// Null: decide once per settled 15-minute interval. Otherwise decide on ERCOT's SCED clock with the LMPs of these
    /// files (NP6-788-CD or tidy SCED, gzip or plain, directories allowed); empty or <see cref="ShippedSced"/> means
    /// the shipped SCED data.
    /// </summary>
    public IReadOnlyList<string>? ScedFiles { get; init; }

    /// <summary>Day-ahead price files for the forecast policy and the 4CP watch instead of the shipped ones; they must cover the window.</summary>
    public IReadOnlyList<string>? DayAheadFiles { get; init; }

    /// <summary>ERCOT native load files for the forecast policy and the 4CP watch instead of the shipped ones; they must cover the window.</summary>
    public IReadOnlyList<string>? LoadFiles { get; init; }

    /// <summary>The value of <c>--sced</c> that names the shipped SCED data explicitly (as does <c>--sced</c> alone).</summary>
    public const string ShippedSced = "shipped";
}

/// <summary>Everything a backtest needs, loaded and checked, with the window it covers.</summary>
public sealed record PreparedBacktest(LoadedSite Site, BacktestInputs Inputs, DateOnly FromCpt, DateOnly ToCptExclusive, int SkippedRows)
{
    /// <summary>Minutes between decisions: 5 on the SCED clock, 15 otherwise.</summary>
    public int DecisionCadenceMinutes => Inputs.DecisionCadenceMinutes;
}

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
        var windowStart = series.StartTicks[fromIndex];
        var windowEnd = series.EndTicks[toIndex - 1];
        var readOptions = new PriceReadOptions { SkipBadRows = request.SkipBadRows, IgnoreUnknownPoints = true };
        var skipped = loaded.SkippedRows;
        PriceSeries? dayAhead = null, systemLoad = null;
        if (request.DayAheadFiles is { Count: > 0 } damFiles)
        {
            var dam = DayAheadPriceReader.Read(damFiles, readOptions);
            skipped += dam.SkippedRows;
            dayAhead = dam.For(site.Site.SettlementPoint);
            InputCoverage.Require(dayAhead, windowStart, windowEnd, "--dam", $"{site.Site.SettlementPoint} day-ahead prices", damFiles);
        }
        if (request.LoadFiles is { Count: > 0 } loadFiles)
        {
            systemLoad = ReadLoad(loadFiles, readOptions);
            InputCoverage.Require(systemLoad, windowStart, windowEnd, "--load", "ERCOT native load", loadFiles);
        }
        var inputs = new BacktestInputs(site.Site, series, hashprice, fromIndex, toIndex)
        {
            // Loaded only if the forecast policy or the 4CP watch runs; model paths resolve against the site file.
            Forecasting = ForecastContext.Shipped(site.Source, site.Directory, site.Site.SettlementPoint, dayAhead, systemLoad),
            Supply = GensetSupplyFor(site, new DateTimeOffset(series.StartTicks[fromIndex], TimeSpan.Zero)),
        };
        if (request.ScedFiles is { } scedRequest)
        {
            var shippedSced = scedRequest.Count == 0 || scedRequest is [BacktestRequest.ShippedSced];
            var scedFiles = shippedSced ? ShippedData.Locate().ScedFiles : scedRequest;
            if (scedFiles.Count == 0)
                throw new InvalidInputException("--sced", null, $"no shipped SCED files (sced_lmp_5min_hubs_*.csv.gz) in {ShippedData.Locate().ErcotDirectory}");
            var sced = ScedLmpReader.Read(scedFiles, readOptions);
            skipped += sced.SkippedRows;
            var source = string.Join(", ", sced.FilesRead);
            inputs = inputs.OnSced(sced.For(site.Site.SettlementPoint), source);
        }
        return new PreparedBacktest(site, inputs, fromDate, toDate, skipped);
    }

    /// <summary>
    /// The gensets' available power as the site file gives it: <c>available: &lt;csv&gt;</c> (relative to the site file;
    /// relative profiles start at the window's start) or rated power for a genset read over Modbus. Null without gensets.
    /// </summary>
    public static GensetSupply? GensetSupplyFor(LoadedSite site, DateTimeOffset windowStart)
    {
        var sources = site.Site.Sources;
        if (!sources.HasGensets) return null;
        return GensetSupply.FromSite(sources, file =>
        {
            var path = SiteFiles.ResolvePath(file, site.Directory);
            var index = sources.Gensets.ToList().FindIndex(g => g.ProfileFile == file);
            if (!File.Exists(path))
                throw new InvalidInputException(site.Source, null, $"energy.sources.gensets[{index}].available: profile '{file}' not found (looked at {path})");
            return GensetSupplyProfile.LoadCsv(path);
        }, windowStart);
    }

    /// <summary>ERCOT native load from files, or the native load files directly inside directories, joined in time order.</summary>
    public static PriceSeries ReadLoad(IReadOnlyList<string> filesOrDirectories, PriceReadOptions? options = null)
    {
        var files = new List<string>();
        foreach (var path in filesOrDirectories)
        {
            if (Directory.Exists(path))
                files.AddRange(Directory.GetFiles(path).Order(StringComparer.Ordinal).Where(f => ErcotFileLayouts.Detect(f) == ErcotFileLayout.TidyNativeLoad));
            else if (File.Exists(path)) files.Add(path);
            else throw new InvalidInputException(path, null, "load file not found");
        }
        if (files.Count == 0)
            throw new InvalidInputException(string.Join(", ", filesOrDirectories), null, "no ERCOT native load files (interval_start_utc, ercot_mw columns)");
        return PriceSeries.Concat(files.Select(f => NativeLoadReader.Read(f, options).Series.ToPriceSeries()).OrderBy(s => s.Count == 0 ? long.MaxValue : s.StartTicks[0]));
    }
}
