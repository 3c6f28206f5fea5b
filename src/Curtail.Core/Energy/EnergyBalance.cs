using Curtail.Core.Sites;

namespace Curtail.Core.Energy;

/// <summary>
/// The least load the miners must carry given where the site's power comes from, and why. The price policy's target is
/// raised to it: genset power that cannot earn more elsewhere is worth hashing, and a genset's minimum load must go
/// somewhere.
/// </summary>
public readonly record struct EnergyFloor(double FloorKw, string Reason);

/// <summary>
/// Where the power went in one interval: the miners' load served, genset output, grid import and export (kW, all
/// non-negative), and what the gensets' fuel costs per hour at that output (each genset at its own fuel cost). The
/// miners' load served is less than asked when the supply could not carry it (an island beyond its gensets, a grid
/// beyond its import limit + the gensets).
/// </summary>
public readonly record struct EnergyFlows(double MinersKw, double GensetKw, double ImportKw, double ExportKw, double FuelUsdPerHour = 0)
{
    /// <summary>Site net at the grid meter: positive imports, negative exports.</summary>
    public double NetKw => ImportKw - ExportKw;
}

/// <summary>
/// Values each MW by its source (docs/economics.md "Energy sources"): in island mode the price does not curtail (only
/// available power, minimum load and fuel cost do); grid-tied with paid export, the gensets' power is exported when
/// the real-time price beats hashing, and no genset runs below its minimum load. Each genset is dispatched on its own
/// (its available power, its minimum load, its fuel cost) in merit order: the minimum loads run whatever happens (the
/// engines stay on: wet stacking), the rest of each genset's power, cheapest fuel first, goes to the best use that pays
/// more than its fuel. The live planner and the backtest share it.
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

    /// <summary>Capacity-weighted fuel cost of the gensets, $/MWh (for descriptions; the dispatch uses each genset's own).</summary>
    public static double FuelCostUsdPerMwh(EnergySources s) =>
        s.GensetRatedKw > 0 ? s.Gensets.Sum(g => g.FuelCostUsdPerMwh * g.RatedKw) / s.GensetRatedKw : 0;

    /// <summary>What a MWh exported earns at <paramref name="priceUsdPerMwh"/> (0 when export is unpaid or not allowed).</summary>
    public static double ExportWorth(EnergySources s, double? priceUsdPerMwh) =>
        s.Grid is { ExportPaidAtRealTime: true, ExportLimitKw: > 0 } && priceUsdPerMwh is { } p ? p : 0;

    /// <summary>
    /// One reading of the gensets' pooled available power (a paralleling controller's) shared out by rating: each
    /// genset then has the same fraction of its rated power available.
    /// </summary>
    public static double[] ShareByRating(EnergySources s, double pooledAvailableKw)
    {
        var shares = new double[s.Gensets.Count];
        var rated = s.GensetRatedKw;
        if (rated <= 0) return shares;
        for (var i = 0; i < shares.Length; i++) shares[i] = Math.Max(0, pooledAvailableKw) * s.Gensets[i].RatedKw / rated;
        return shares;
    }

    /// <summary>The gensets' rated power, genset by genset: what a backtest assumes available without a profile.</summary>
    public static double[] Rated(EnergySources s) => s.Gensets.Select(g => g.RatedKw).ToArray();

    /// <summary>The minimum load the gensets need now: each available genset's, capped at what it has available.</summary>
    public static double MinLoadKw(EnergySources s, ReadOnlySpan<double> availableKw)
    {
        var kw = 0.0;
        for (var i = 0; i < s.Gensets.Count; i++) kw += MinLoadOf(s.Gensets[i], availableKw[i]);
        return kw;
    }

    /// <summary>The least site load the topology calls for, from one pooled reading of available power.</summary>
    public static EnergyFloor Floor(EnergySources s, double availableKw, double fullKw, double hashValueUsdPerMwh, double? priceUsdPerMwh) =>
        Floor(s, ShareByRating(s, availableKw), fullKw, hashValueUsdPerMwh, priceUsdPerMwh);

    /// <summary>
    /// The least site load the topology calls for: the share of the gensets' power whose best use is hashing.
    /// <paramref name="availableKw"/> is each genset's available power now (in the order of <see cref="EnergySources.Gensets"/>).
    /// </summary>
    public static EnergyFloor Floor(EnergySources s, ReadOnlySpan<double> availableKw, double fullKw, double hashValueUsdPerMwh, double? priceUsdPerMwh)
    {
        CheckCount(s, availableKw);
        var available = Sum(availableKw);
        if (!s.HasGensets || available <= 0) return new(0, "no genset power");
        var minLoad = MinLoadKw(s, availableKw);
        var exportLimit = s.ExportLimitKw;
        var exportWorth = ExportWorth(s, priceUsdPerMwh);
        var hashRoom = Math.Max(0, fullKw);
        var exportRoom = exportLimit;
        // Export first when it pays at least hashing (the grid-tied spike); otherwise the miners are the better use.
        var exportFirst = exportRoom > 0 && exportWorth >= hashValueUsdPerMwh;

        // The minimum loads run whatever their fuel costs: they go to the better use first, then the other.
        var rest = minLoad;
        (hashRoom, exportRoom, rest) = exportFirst ? Place(rest, exportRoom, hashRoom, swap: true) : Place(rest, hashRoom, exportRoom, swap: false);
        var minLoadOnSite = Math.Max(0, fullKw) - hashRoom;

        // The rest of each genset's power, cheapest fuel first, only for a use that pays at least its fuel.
        var dearest = 0.0;
        foreach (var i in MeritOrder(s))
        {
            var g = s.Gensets[i];
            var spare = Math.Max(0, availableKw[i] - MinLoadOf(g, availableKw[i]));
            var fuel = g.FuelCostUsdPerMwh;
            var toExportFirst = exportFirst && exportWorth > fuel ? Math.Min(spare, exportRoom) : 0;
            exportRoom -= toExportFirst;
            spare -= toExportFirst;
            var toHash = fuel <= hashValueUsdPerMwh ? Math.Min(spare, hashRoom) : 0;
            hashRoom -= toHash;
            spare -= toHash;
            if (toHash > 0) dearest = Math.Max(dearest, fuel);
            var toExportAfter = !exportFirst && exportWorth > fuel ? Math.Min(spare, exportRoom) : 0;
            exportRoom -= toExportAfter;
        }
        var floor = Math.Max(0, fullKw) - hashRoom;
        var fuelNote = FuelCostUsdPerMwh(s);
        string reason;
        if (floor <= minLoadOnSite + 1e-9 && s.Gensets.All(g => g.FuelCostUsdPerMwh > hashValueUsdPerMwh))
            reason = $"fuel {fuelNote:0.##} $/MWh above hashing {hashValueUsdPerMwh:0.##} $/MWh: genset at minimum load {minLoad:0.#} kW";
        else if (s.IsIsland)
            reason = $"island: price does not curtail; genset available {available:0.#} kW (fuel {fuelNote:0.##} $/MWh, hashing {hashValueUsdPerMwh:0.##} $/MWh)";
        else if (!exportFirst)
            reason = s.Grid!.ExportPaidAtRealTime
                ? $"hashing {hashValueUsdPerMwh:0.##} $/MWh beats export at {exportWorth:0.##} $/MWh: miners take the genset's {floor:0.#} kW"
                : $"export unpaid: miners take the genset's {floor:0.#} kW";
        else
            reason = floor > 0
                ? $"export at {exportWorth:0.##} $/MWh beats hashing {hashValueUsdPerMwh:0.##} $/MWh; export limit {exportLimit:0.#} kW leaves {floor:0.#} kW of genset power on site"
                : $"export at {exportWorth:0.##} $/MWh beats hashing {hashValueUsdPerMwh:0.##} $/MWh: genset exports";
        if (minLoadOnSite > 0 && floor <= minLoadOnSite + 1e-9 && !reason.Contains("minimum load", StringComparison.Ordinal))
            reason += $"; genset minimum load {minLoad:0.#} kW needs {minLoadOnSite:0.#} kW on site";
        if (s.Gensets.Count > 1 && dearest > 0 && floor > minLoadOnSite)
            reason += $"; dearest genset power hashed at {dearest:0.##} $/MWh fuel";
        return new(floor, reason);
    }

    /// <summary>
    /// The grid's import limit as a ceiling on the site's load: the limit + what the gensets give beside it
    /// (<paramref name="gensetKw"/>); null without a grid or without a limit. The live planner passes the genset's
    /// measured output; the backtest its available power when the row is decided (its dispatch runs the gensets up to
    /// that whenever the limit binds: <see cref="Flows(EnergySources, double, ReadOnlySpan{double}, double?, double)"/>).
    /// </summary>
    public static double? ImportCeilingKw(EnergySources s, double gensetKw) =>
        s.ImportLimitKw is { } limit ? limit + Math.Max(0, gensetKw) : null;

    /// <summary>
    /// The most load the site's supply can carry with the gensets' available power <paramref name="availableKw"/>: an
    /// island's gensets, or the import limit + the gensets (<see cref="ImportCeilingKw"/>); +∞ for a grid without a limit.
    /// </summary>
    public static double SupplyCeilingKw(EnergySources s, ReadOnlySpan<double> availableKw)
    {
        var gensets = Sum(availableKw);
        if (s.IsIsland) return gensets;
        return ImportCeilingKw(s, gensets) ?? double.PositiveInfinity;
    }

    /// <summary>How the miners' load is met, from one pooled reading of available power.</summary>
    public static EnergyFlows Flows(EnergySources s, double minersKw, double availableKw, double? priceUsdPerMwh, double importAdderUsdPerMwh) =>
        Flows(s, minersKw, ShareByRating(s, availableKw), priceUsdPerMwh, importAdderUsdPerMwh);

    /// <summary>
    /// How the miners' load is met in an interval, at least cost: every available genset runs at least at its minimum
    /// load; the rest of each genset's power, cheapest fuel first, displaces import when its fuel costs no more than the
    /// import (price + adder) and is exported (up to the export limit) when export pays more than its fuel; the grid
    /// supplies the rest. A surplus of minimum load beyond the miners and the export limit cannot be kept: the gensets
    /// are booked at what can go somewhere. Island: the gensets are the miners' load (at least their minimum loads,
    /// which the floor keeps), never more than they have available. With an import limit the gensets carry whatever
    /// the limit leaves (cheapest first, whatever their fuel costs: the grid cannot give it), and a load beyond the
    /// limit + the gensets' available power is not served: <see cref="EnergyFlows.MinersKw"/> is then what the miners
    /// got (as on an island beyond its gensets), which the caller compares with what it asked for.
    /// </summary>
    public static EnergyFlows Flows(EnergySources s, double minersKw, ReadOnlySpan<double> availableKw, double? priceUsdPerMwh, double importAdderUsdPerMwh)
    {
        minersKw = Math.Max(0, minersKw);
        var importLimit = s.IsIsland ? 0 : s.ImportLimitKw ?? double.PositiveInfinity;
        if (!s.HasGensets)
        {
            var served = Math.Min(minersKw, importLimit);
            return new(served, 0, served, 0);
        }
        CheckCount(s, availableKw);
        var output = new double[s.Gensets.Count];
        for (var i = 0; i < output.Length; i++) output[i] = MinLoadOf(s.Gensets[i], availableKw[i]);
        var exportLimit = s.IsIsland ? 0 : s.ExportLimitKw;
        var importWorth = s.IsIsland ? double.PositiveInfinity : priceUsdPerMwh is { } p ? p + importAdderUsdPerMwh : double.PositiveInfinity;
        var exportWorth = ExportWorth(s, priceUsdPerMwh);
        var uncovered = minersKw - Sum(output);
        // What the grid cannot give (beyond its import limit) the gensets must, cheapest first, whatever their fuel.
        foreach (var i in MeritOrder(s))
        {
            if (uncovered <= importLimit) break;
            var forced = Math.Min(Math.Max(0, availableKw[i] - output[i]), uncovered - importLimit);
            output[i] += forced;
            uncovered -= forced;
        }
        var exportRoom = exportLimit - Math.Max(0, -uncovered);
        foreach (var i in MeritOrder(s))
        {
            var fuel = s.Gensets[i].FuelCostUsdPerMwh;
            var spare = Math.Max(0, availableKw[i] - output[i]);
            var cover = uncovered > 0 && fuel <= importWorth ? Math.Min(spare, uncovered) : 0;
            uncovered -= cover;
            spare -= cover;
            var export = exportRoom > 0 && exportWorth > fuel ? Math.Min(spare, exportRoom) : 0;
            exportRoom -= export;
            output[i] += cover + export;
        }
        // Minimum load that can go nowhere (miners shed, export full) is not kept: back off the dearest first.
        var excess = Sum(output) - (minersKw + exportLimit);
        foreach (var i in MeritOrder(s).Reverse())
        {
            if (excess <= 0) break;
            var cut = Math.Min(excess, output[i]);
            output[i] -= cut;
            excess -= cut;
        }
        var genset = Sum(output);
        var fuelPerHour = 0.0;
        for (var i = 0; i < output.Length; i++) fuelPerHour += output[i] / 1000 * s.Gensets[i].FuelCostUsdPerMwh;
        if (s.IsIsland) return new(Math.Min(minersKw, genset), genset, 0, 0, fuelPerHour);
        var net = minersKw - genset;
        var import = Math.Min(Math.Max(0, net), importLimit);
        return new(Math.Min(minersKw, genset + import), genset, import, Math.Max(0, -net), fuelPerHour);
    }

    private static double MinLoadOf(GensetSource g, double availableKw) => availableKw > 0 ? Math.Min(g.MinLoadKw, availableKw) : 0;

    private static IEnumerable<int> MeritOrder(EnergySources s) =>
        Enumerable.Range(0, s.Gensets.Count).OrderBy(i => s.Gensets[i].FuelCostUsdPerMwh).ThenBy(i => i);

    /// <summary>Puts <paramref name="kw"/> into the first room, then the second; returns (hash room, export room, left over).</summary>
    private static (double HashRoom, double ExportRoom, double LeftOver) Place(double kw, double first, double second, bool swap)
    {
        var a = Math.Min(kw, first);
        var b = Math.Min(kw - a, second);
        var rest = kw - a - b;
        return swap ? (second - b, first - a, rest) : (first - a, second - b, rest);
    }

    private static double Sum(ReadOnlySpan<double> values)
    {
        var sum = 0.0;
        foreach (var v in values) sum += Math.Max(0, v);
        return sum;
    }

    private static void CheckCount(EnergySources s, ReadOnlySpan<double> availableKw)
    {
        if (availableKw.Length != s.Gensets.Count)
            throw new ArgumentException($"{availableKw.Length} available powers for {s.Gensets.Count} gensets", nameof(availableKw));
    }
}
