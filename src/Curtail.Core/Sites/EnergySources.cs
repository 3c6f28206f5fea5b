namespace Curtail.Core.Sites;

/// <summary>
/// The grid connection of a grid-tied site. It settles at the site's <c>settlement_point</c> under <c>energy.contract</c>;
/// import is limited by the interconnection, export by the export agreement (0 = no export).
/// </summary>
public sealed record GridSource(double? ImportLimitKw, double ExportLimitKw, bool ExportPaidAtRealTime)
{
    /// <summary>A site file without <c>energy.sources</c>: the grid, unlimited import, no export (Curtail before topologies).</summary>
    public static GridSource ImportOnly { get; } = new(null, 0, false);
}

/// <summary>Where a genset's available power comes from.</summary>
public enum GensetAvailability
{
    /// <summary>The live controller reads it over Modbus; a backtest assumes the rated power.</summary>
    Reading,

    /// <summary>A <c>time,available_kw</c> profile (path relative to the site file).</summary>
    Profile,
}

/// <summary>
/// A genset at the site. Fuel cost is what a MWh of its output costs: zero for flare gas that would otherwise be flared,
/// the gas price times the heat rate otherwise. Minimum load is kept whenever it runs (wet stacking).
/// </summary>
public sealed record GensetSource(string Name, double RatedKw, GensetAvailability Availability, string? ProfileFile, double MinLoadPct, double FuelCostUsdPerMwh)
{
    public double MinLoadKw => RatedKw * MinLoadPct / 100;
}

/// <summary>
/// Where each kilowatt comes from (<c>energy.sources</c>): a grid connection, gensets, or both. No grid = island: the
/// miners are the gensets' only load.
/// </summary>
public sealed record EnergySources(GridSource? Grid, IReadOnlyList<GensetSource> Gensets)
{
    /// <summary>What a site without <c>energy.sources</c> is: grid only, import only (results exactly as before).</summary>
    public static EnergySources GridOnly { get; } = new(GridSource.ImportOnly, []);

    public bool IsIsland => Grid is null;
    public bool HasGensets => Gensets.Count > 0;
    public bool IsGridTiedWithGenset => Grid is not null && HasGensets;
    public double GensetRatedKw => Gensets.Sum(g => g.RatedKw);
    public double GensetMinLoadKw => Gensets.Sum(g => g.MinLoadKw);
    public double ExportLimitKw => Grid?.ExportLimitKw ?? 0;

    /// <summary>The grid connection's import limit; null for an island or an unlimited connection.</summary>
    public double? ImportLimitKw => Grid?.ImportLimitKw;

    /// <summary>
    /// Whether the site's supply caps its load: an island (its gensets' available power) or a grid with an import limit
    /// (the limit + the gensets' power). The backtest then decides and books inside the topology even without gensets.
    /// </summary>
    public bool HasSupplyCeiling => IsIsland || ImportLimitKw is not null;

    /// <summary>Short description for records and reports.</summary>
    public string Describe() => Grid is null
        ? $"island: {string.Join(", ", Gensets.Select(g => $"{g.Name} {g.RatedKw:0.#} kW"))}"
        : HasGensets
            ? $"grid-tied (export up to {Grid.ExportLimitKw:0.#} kW{(Grid.ExportPaidAtRealTime ? " at the real-time price" : ", unpaid")}) with {string.Join(", ", Gensets.Select(g => $"{g.Name} {g.RatedKw:0.#} kW"))}"
            : "grid only";
}
