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

    /// <summary>
    /// Where the energy came from and what it cost, for a site whose sources include a genset (null otherwise, whose
    /// totals are exactly as before). Then <see cref="EnergyCostUsd"/> is import cost + fuel cost − export revenue.
    /// </summary>
    public EnergyTotals? Energy { get; init; }
}

/// <summary>A backtest's energy by source: genset output, grid import and export, and their money.</summary>
public sealed record EnergyTotals(
    string Topology,
    double GensetMwh,
    double ImportMwh,
    double ExportMwh,
    double GridImportCostUsd,
    double ExportRevenueUsd,
    double FuelCostUsd);
