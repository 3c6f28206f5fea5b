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
}
