using Curtail.Core.Decisions;

namespace Curtail.Simulation.Backtest;

/// <summary>One simulated interval of the whole site, kept only when a report or CSV asks for it.</summary>
public sealed record IntervalRecord(
    long StartTicks,
    long EndTicks,
    double Price,
    double SitePowerMw,
    double RunningFraction,
    double EnergyMwh,
    double HashRevenueUsd,
    double EnergyCostUsd,
    GroupState[] Groups,
    DecisionReason[] Reasons)
{
    public double ProfitUsd => HashRevenueUsd - EnergyCostUsd;

    /// <summary>The site's import at the grid meter, MW, for a site with gensets (null otherwise: the miners' load is the import).</summary>
    public double? GridImportMw { get; init; }

    /// <summary>What a peak charge (4CP, multi-peak) bills: the grid import beside gensets, else the site's load.</summary>
    public double BilledMw => GridImportMw ?? SitePowerMw;
}
