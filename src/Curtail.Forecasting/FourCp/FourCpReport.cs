namespace Curtail.Forecasting.FourCp;

/// <summary>The site's load at one month's actual system peak.</summary>
public sealed record FourCpPeak(int Month, DateTimeOffset PeakHourStartUtc, double SystemLoadMw, double SiteLoadMw, bool Hit);

/// <summary>
/// How a backtest fared against the year's actual 4CP intervals. The site's 4CP demand is the mean of its load in
/// the four peak intervals; it sets next year's transmission charge at a $/kW-year rate. Native load is hourly, so a
/// peak "interval" here is the peak hour and the site's load is its mean over that hour's intervals.
/// </summary>
public sealed record FourCpReport(IReadOnlyList<FourCpPeak> Peaks, double FullSiteMw, double RateUsdPerKwYear, double CurtailedHours)
{
    /// <summary>
    /// Planning rate: ERCOT TSP transmission charges run about $50–150 per kW-year (NFM Consulting); $75 is the middle
    /// of the $50–100k/MW-year planning range in docs/forecasting.md. Check the site's TSP tariff.
    /// </summary>
    public const double DefaultRateUsdPerKwYear = 75;

    /// <summary>A peak counts as hit when the site ran at no more than this share of its full load through the hour.</summary>
    public const double HitLoadShare = 0.05;

    public int Hits => Peaks.Count(p => p.Hit);

    /// <summary>Mean site load over the peaks, MW (the 4CP demand).</summary>
    public double SiteFourCpMw => Peaks.Count == 0 ? 0 : Peaks.Average(p => p.SiteLoadMw);

    /// <summary>Next year's transmission charge avoided against running at full load through every peak.</summary>
    public double AvoidedChargeUsd => (FullSiteMw - SiteFourCpMw) * 1000 * RateUsdPerKwYear;

    public static FourCpReport Compute(IReadOnlyList<(int Month, DateTimeOffset PeakHourStart, double LoadMw)> actualPeaks,
        ReadOnlySpan<long> intervalStarts, ReadOnlySpan<double> sitePowerMw, double fullSiteMw, double rateUsdPerKwYear, double curtailedHours)
    {
        var peaks = new List<FourCpPeak>();
        foreach (var (month, hourStart, load) in actualPeaks)
        {
            var from = hourStart.UtcTicks;
            var to = from + TimeSpan.TicksPerHour;
            double sum = 0;
            var n = 0;
            for (var i = 0; i < intervalStarts.Length; i++)
                if (intervalStarts[i] >= from && intervalStarts[i] < to) { sum += sitePowerMw[i]; n++; }
            if (n == 0) continue;
            var site = sum / n;
            peaks.Add(new FourCpPeak(month, hourStart, load, site, site <= HitLoadShare * fullSiteMw));
        }
        return new FourCpReport(peaks, fullSiteMw, rateUsdPerKwYear, curtailedHours);
    }
}
