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

    /// <summary>How the group gives up load when the site must come down to a target (<c>shed:</c>); sleep by default.</summary>
    public ShedMode Shed { get; init; } = ShedMode.Sleep;

    /// <summary>shed: power_target: the lowest power per miner, W (default half the nameplate, the firmwares' usual floor).</summary>
    public double? ShedFloorW { get; init; }

    /// <summary>The power_target floor as a fraction of nameplate.</summary>
    public double ShedFloorFraction => Math.Clamp((ShedFloorW ?? PowerW * 0.5) / PowerW, 0.01, 1);
}
