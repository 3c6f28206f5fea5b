namespace Curtail.Simulation.Backtest;

/// <summary>What one policy did over a backtest, in the units of the `simulate --json` output.</summary>
public sealed record BacktestTotals(
    string Policy,
    int Intervals,
    double EnergyMwh,
    double CurtailedMwh,
    double UptimeFraction,
    int Transitions,
    double HashRevenueUsd,
    double EnergyCostUsd)
{
    public double ProfitUsd => HashRevenueUsd - EnergyCostUsd;
}
