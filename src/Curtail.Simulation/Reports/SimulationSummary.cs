using Curtail.Core.Sites;
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
    public static SimulationSummary From(SiteDefinition site, DateOnly from, DateOnly to, SimulationResult r) => new(
        site.Name, site.SettlementPoint, r.Policy.Policy, from, to, r.Policy.Intervals,
        r.Policy.EnergyMwh, r.Policy.CurtailedMwh, r.Policy.UptimeFraction, r.Policy.Transitions,
        r.Policy.HashRevenueUsd, r.Policy.EnergyCostUsd, r.Policy.ProfitUsd,
        r.AlwaysOn.ProfitUsd, r.Oracle.ProfitUsd, r.CaptureRatio);
}
