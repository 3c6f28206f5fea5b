using Curtail.Core.Sites;

namespace Curtail.Core.Energy;

/// <summary>
/// The least load the miners must carry given where the site's power comes from, and why. The price policy's target is
/// raised to it: genset power that cannot earn more elsewhere is worth hashing, and a genset's minimum load must go
/// somewhere.
/// </summary>
public readonly record struct EnergyFloor(double FloorKw, string Reason);

/// <summary>Where the power went in one interval: genset output, grid import and export (kW, all non-negative).</summary>
public readonly record struct EnergyFlows(double MinersKw, double GensetKw, double ImportKw, double ExportKw)
{
    /// <summary>Site net at the grid meter: positive imports, negative exports.</summary>
    public double NetKw => ImportKw - ExportKw;
}

/// <summary>
/// Values each MW by its source (docs/economics.md "Energy sources"): in island mode the price does not curtail (only
/// available power, minimum load and fuel cost do); grid-tied with paid export, the genset's power is exported when the
/// real-time price beats hashing, and the genset never runs below its minimum load. The gensets are treated as one pool
/// (available and minimum load summed, fuel cost capacity-weighted). The live planner and the backtest share it.
/// </summary>
public static class EnergyBalance
{
    /// <summary>Hashing revenue per MWh the fleet consumes at nameplate, on a day's hashprice (after the pool fee).</summary>
    public static double HashValueUsdPerMwh(SiteDefinition site, double hashpriceUsdPerThDay)
    {
        var mw = site.FullPowerMw;
        if (mw <= 0) return 0;
        var thPerDay = site.Fleet.Sum(g => g.FullHashrateTh);
        return thPerDay * hashpriceUsdPerThDay * (1 - site.Economics.PoolFee) / 24 / mw;
    }

    /// <summary>Capacity-weighted fuel cost of the gensets, $/MWh.</summary>
    public static double FuelCostUsdPerMwh(EnergySources s) =>
        s.GensetRatedKw > 0 ? s.Gensets.Sum(g => g.FuelCostUsdPerMwh * g.RatedKw) / s.GensetRatedKw : 0;

    /// <summary>What a MWh exported earns at <paramref name="priceUsdPerMwh"/> (0 when export is unpaid or not allowed).</summary>
    public static double ExportWorth(EnergySources s, double? priceUsdPerMwh) =>
        s.Grid is { ExportPaidAtRealTime: true, ExportLimitKw: > 0 } && priceUsdPerMwh is { } p ? p : 0;

    /// <summary>
    /// The least site load the topology calls for. <paramref name="availableKw"/> is the gensets' available power now.
    /// </summary>
    public static EnergyFloor Floor(EnergySources s, double availableKw, double fullKw, double hashValueUsdPerMwh, double? priceUsdPerMwh)
    {
        if (!s.HasGensets || availableKw <= 0) return new(0, "no genset power");
        var exportLimit = s.ExportLimitKw;
        var minLoad = Math.Min(s.GensetMinLoadKw, availableKw);
        var minLoadStays = Math.Max(0, minLoad - exportLimit);
        var fuel = FuelCostUsdPerMwh(s);
        var exportWorth = ExportWorth(s, priceUsdPerMwh);
        double floor;
        string reason;
        if (fuel > hashValueUsdPerMwh)
        {
            floor = minLoadStays;
            reason = $"fuel {fuel:0.##} $/MWh above hashing {hashValueUsdPerMwh:0.##} $/MWh: genset at minimum load {minLoad:0.#} kW";
        }
        else if (s.IsIsland)
        {
            floor = availableKw;
            reason = $"island: price does not curtail; genset available {availableKw:0.#} kW (fuel {fuel:0.##} $/MWh, hashing {hashValueUsdPerMwh:0.##} $/MWh)";
        }
        else if (exportWorth < hashValueUsdPerMwh)
        {
            floor = availableKw;
            reason = s.Grid!.ExportPaidAtRealTime
                ? $"hashing {hashValueUsdPerMwh:0.##} $/MWh beats export at {exportWorth:0.##} $/MWh: miners take the genset's {availableKw:0.#} kW"
                : $"export unpaid: miners take the genset's {availableKw:0.#} kW";
        }
        else
        {
            floor = Math.Max(minLoadStays, availableKw - exportLimit);
            reason = floor > 0
                ? $"export at {exportWorth:0.##} $/MWh beats hashing {hashValueUsdPerMwh:0.##} $/MWh; export limit {exportLimit:0.#} kW leaves {floor:0.#} kW of genset power on site"
                : $"export at {exportWorth:0.##} $/MWh beats hashing {hashValueUsdPerMwh:0.##} $/MWh: genset exports";
        }
        if (minLoadStays > 0 && floor <= minLoadStays && !reason.Contains("minimum load", StringComparison.Ordinal))
            reason += $"; genset minimum load {minLoad:0.#} kW needs {minLoadStays:0.#} kW on site";
        return new(Math.Min(floor, fullKw), reason);
    }

    /// <summary>
    /// How the miners' load is met in an interval: the genset runs at least at its minimum load, exports what pays (up
    /// to the export limit) and otherwise follows the miners; the grid supplies the rest. Island: the genset is the
    /// miners' load (at least its minimum, which the floor keeps).
    /// </summary>
    public static EnergyFlows Flows(EnergySources s, double minersKw, double availableKw, double? priceUsdPerMwh, double importAdderUsdPerMwh)
    {
        minersKw = Math.Max(0, minersKw);
        if (!s.HasGensets) return new(minersKw, 0, minersKw, 0);
        availableKw = Math.Max(0, availableKw);
        var minLoad = Math.Min(s.GensetMinLoadKw, availableKw);
        if (s.IsIsland) return new(minersKw, Math.Min(availableKw, Math.Max(minersKw, minLoad)), 0, 0);
        var exportLimit = s.ExportLimitKw;
        var fuel = FuelCostUsdPerMwh(s);
        var exportWorth = ExportWorth(s, priceUsdPerMwh);
        double genset;
        if (exportLimit > 0 && exportWorth > fuel) genset = Math.Min(availableKw, minersKw + exportLimit);
        else if (priceUsdPerMwh is { } p && fuel > p + importAdderUsdPerMwh) genset = minLoad;
        else genset = Math.Min(availableKw, Math.Max(minersKw, minLoad));
        genset = Math.Min(genset, minersKw + exportLimit);
        var net = minersKw - genset;
        return new(minersKw, genset, Math.Max(0, net), Math.Max(0, -net));
    }
}
