using Curtail.Core.Sites;

namespace Curtail.Core.Economics;

/// <summary>
/// One demand-response program the site is enrolled in (the site file's <c>demand_response:</c>): the MW it offers and
/// the capacity credit paid per MW for each hour of enrolment (ERS's time-period price, the ECRS/RRS MCPC).
/// </summary>
public sealed record DemandResponseEnrollment(string Program, double CapacityMw, double CreditUsdPerMwHour);

/// <summary>
/// DR credits in the money model, the same for the backtest and the live controller: capacity × credit rate × hours
/// enrolled. They are availability payments: earned for every hour the site stands ready, whether or not a dispatch
/// comes; a deployment's own performance (a missed event's clawback) is not modelled.
/// </summary>
public static class DemandResponseCredits
{
    public static readonly string[] Programs = ["ers-10", "ers-30", "ecrs", "rrs"];

    /// <summary>The credits over <paramref name="hours"/> of enrolment; 0 for a site enrolled in nothing.</summary>
    public static double Usd(SiteDefinition site, double hours) => site.DemandResponse.Sum(p => p.CapacityMw * p.CreditUsdPerMwHour) * Math.Max(0, hours);
}
