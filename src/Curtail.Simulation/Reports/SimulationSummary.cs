using Curtail.Core.Economics;
using Curtail.Core.Sites;
using Curtail.Core.Time;
using Curtail.Forecasting.FourCp;
using Curtail.Simulation.Backtest;

namespace Curtail.Simulation.Reports;

/// <summary>The `simulate --json` object: the policy's totals with the always-on and oracle references.</summary>
public sealed record SimulationSummary(
    string Site,
    string SettlementPoint,
    string Policy,
    DateOnly FromCpt,
    DateOnly ToCptExclusive,
    int Intervals,
    double EnergyMwh,
    double CurtailedMwh,
    double UptimeFraction,
    int Transitions,
    double HashRevenueUsd,
    double EnergyCostUsd,
    double ProfitUsd,
    double AlwaysOnProfitUsd,
    double OracleProfitUsd,
    double? CaptureRatio)
{
    /// <summary>The 4CP watch's figures; null unless the site has <c>four_cp.enabled</c>.</summary>
    public FourCpSummary? FourCp { get; init; }

    /// <summary>Minutes between decisions: 5 when deciding on ERCOT's SCED clock (<c>--sced</c>), else 15.</summary>
    public int DecisionCadenceMinutes { get; init; } = 15;

    /// <summary>Decisions each policy took: 5-minute sub-intervals on the SCED clock, else the intervals.</summary>
    public int Decisions { get; init; }

    /// <summary>On the SCED clock, the 5-minute sub-intervals without a SCED run of their own (last LMP carried forward); null otherwise.</summary>
    public int? ScedMissingRuns { get; init; }

    /// <summary>The policy's energy by source (genset, grid import/export) and its money; null for a grid-only site.</summary>
    public EnergyTotals? Energy { get; init; }

    /// <summary>The oracle's, over the same topology.</summary>
    public EnergyTotals? OracleEnergy { get; init; }

    /// <summary>
    /// Demand-response capacity credits over the window (<see cref="DemandResponseCredits"/>: capacity × rate × hours, the
    /// same model as the controller's money panel); null when the site is enrolled in no program. Not in <see cref="ProfitUsd"/>.
    /// </summary>
    public double? DrCreditsUsd { get; init; }

    public static SimulationSummary From(SiteDefinition site, DateOnly from, DateOnly to, SimulationResult r) => new(
        site.Name, site.SettlementPoint, r.Policy.Policy, from, to, r.Policy.Intervals,
        r.Policy.EnergyMwh, r.Policy.CurtailedMwh, r.Policy.UptimeFraction, r.Policy.Transitions,
        r.Policy.HashRevenueUsd, r.Policy.EnergyCostUsd, r.Policy.ProfitUsd,
        r.AlwaysOn.ProfitUsd, r.Oracle.ProfitUsd, r.CaptureRatio)
    {
        FourCp = r.FourCp is { } f && site.FourCp is { } settings ? FourCpSummary.From(settings, f) : null,
        DecisionCadenceMinutes = r.DecisionCadenceMinutes,
        Decisions = r.Decisions,
        ScedMissingRuns = r.ScedMissingRuns,
        Energy = r.Policy.Energy,
        OracleEnergy = r.Oracle.Energy,
        DrCreditsUsd = site.DemandResponse.Count == 0 ? null : DemandResponseCredits.Usd(site, r.Policy.Intervals * 0.25),
    };
}

/// <summary>
/// The 4CP part of `simulate --json`: the site's load at each actual monthly peak hour in the window and the
/// transmission charge avoided, (full site MW − mean site MW at the peaks) × 1000 × rate.
/// </summary>
public sealed record FourCpSummary(
    double ProbabilityThreshold,
    double MonthlyBudgetHours,
    double RateUsdPerKwYear,
    double CurtailedHours,
    int Hits,
    int PeakCount,
    double FullSiteMw,
    double SiteFourCpMw,
    double AvoidedChargeUsd,
    IReadOnlyList<FourCpPeakLoad> Peaks)
{
    /// <summary>The peak rule watched for and billed by ("4cp" or "multi-peak:N:period:months").</summary>
    public string Rule { get; init; } = PeakRule.FourCp.Name;

    public static FourCpSummary From(FourCpSiteSettings settings, FourCpReport r) => new(
        settings.ProbabilityThreshold, settings.MonthlyBudgetHours, r.RateUsdPerKwYear, r.CurtailedHours, r.Hits, r.Peaks.Count,
        r.FullSiteMw, r.SiteFourCpMw, r.AvoidedChargeUsd,
        r.Peaks.Select(p => new FourCpPeakLoad(p.Month, p.PeakHourStartUtc, CentralPrevailingTime.ToLocal(p.PeakHourStartUtc).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture),
            p.SystemLoadMw, p.SiteLoadMw, p.Hit)).ToList()) { Rule = settings.Rule.Name };
}

/// <summary>One actual 4CP hour: ERCOT's load and the site's (mean over the hour's intervals).</summary>
public sealed record FourCpPeakLoad(int Month, DateTimeOffset PeakHourStartUtc, string PeakHourStartCpt, double SystemLoadMw, double SiteLoadMw, bool Hit);
