using Curtail.Core.LoadFollowing;
using Curtail.Core.Sites;

namespace Curtail.Controller.Api;

/// <summary>
/// Where the site's power comes from right now, for the status API and the dashboard's energy panel: the miners' load,
/// the genset's output and, grid-tied, the net at the meter (import positive, export negative). Null figures are unknown
/// (no genset reading, a stale one, or no miners read yet), never guessed.
/// </summary>
public sealed record EnergyStatus(
    string Topology,
    double? MinersKw,
    double? GensetKw,
    double? GensetMinLoadKw,
    double? GridNetKw,
    double? ImportKw,
    double? ExportKw,
    double? ExportLimitKw,
    bool ExportPaid)
{
    /// <summary>The grid's import limit (<c>energy.sources.grid.import_limit_kw</c>); null for an island or no limit.</summary>
    public double? ImportLimitKw { get; init; }

    public static EnergyStatus Of(EnergySources sources, double? minersKw, GensetReading? genset, bool gensetStale)
    {
        var topology = sources.IsIsland ? "island" : sources.HasGensets ? "grid_tied" : "grid";
        var gensetKw = sources.HasGensets && !gensetStale ? genset?.ActivePowerKw : null;
        double? net = sources.IsIsland ? 0
            : !sources.HasGensets ? minersKw
            : minersKw is { } m && gensetKw is { } g ? m - g : null;
        return new(topology, minersKw, gensetKw, sources.HasGensets ? sources.GensetMinLoadKw : null, net,
            net is { } n ? Math.Max(0, n) : null, net is { } x ? Math.Max(0, -x) : null,
            sources.Grid?.ExportLimitKw, sources.Grid?.ExportPaidAtRealTime ?? false)
        {
            ImportLimitKw = sources.ImportLimitKw,
        };
    }
}
