namespace Curtail.Core.Fleet;

/// <summary>A group of identical miners that the backtest moves together.</summary>
public sealed record FleetGroup(string Name, string Model, int Count, double HashrateTh, double PowerW, double MinPowerFraction)
{
    /// <summary>Site power of the whole group at nameplate, in MW.</summary>
    public double FullPowerMw => Count * PowerW / 1e6;

    /// <summary>Hashrate of the whole group at nameplate, in TH/s.</summary>
    public double FullHashrateTh => Count * HashrateTh;

    /// <summary>Joules per terahash at nameplate (W per TH/s).</summary>
    public double EfficiencyJPerTh => PowerW / HashrateTh;
}
