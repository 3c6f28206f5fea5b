using System.Text.Json;
using System.Text.Json.Serialization;
using Curtail.Controller.Cycle;
using Curtail.Controller.Hosting;
using Curtail.Controller.Safety;
using Curtail.Controller.Storage;

namespace Curtail.Controller.Cluster;

/// <summary>One site's line in `curtail sites status` and `/api/sites`, as its leader last wrote it.</summary>
public sealed record SiteStatus
{
    public required string Site { get; init; }
    public required string Name { get; init; }
    public required string Leader { get; init; }
    public DateTimeOffset? LastCycle { get; init; }
    public double? PriceUsdPerMwh { get; init; }
    public string? PriceSource { get; init; }
    public double TargetKw { get; init; }
    public double ActualKw { get; init; }
    public string LimitedBy { get; init; } = "";
    public Dictionary<string, int> MinersByState { get; init; } = [];
    public List<string> ActiveEvents { get; init; } = [];
    public List<string> Alarms { get; init; } = [];

    /// <summary>When the store last heard from the site's leader (database clock).</summary>
    public DateTimeOffset? UpdatedAt { get; init; }
}

/// <summary>Writes and reads each site's <see cref="SiteStatus"/> in the shared PostgreSQL store.</summary>
public static class SiteStatusReport
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    internal static void Save(ControllerStore store, ControllerRuntime runtime, ClusterCoordinator? cluster, CycleRecord record, CycleDecision decision,
        double measuredKw, ControllerAlarms alarms)
    {
        var view = runtime.Snapshot();
        var status = new SiteStatus
        {
            Site = view.Config.SiteId,
            Name = view.Config.Site.Name,
            Leader = cluster?.InstanceId ?? "single",
            LastCycle = record.Time,
            PriceUsdPerMwh = decision.ActedOn?.Price,
            PriceSource = decision.ActedOn?.Source,
            TargetKw = decision.TargetKw,
            ActualKw = measuredKw,
            LimitedBy = decision.LimitedBy,
            MinersByState = view.Miners.GroupBy(m => m.Mode).ToDictionary(g => g.Key, g => g.Count()),
            ActiveEvents = view.Events.Where(e => e.ActiveAt(record.Time)).Select(e => e.Id).ToList(),
            Alarms = alarms.Active.Select(a => a.Name).ToList(),
        };
        store.SaveSiteStatus(status.Site, status.Leader, JsonSerializer.Serialize(status, Json));
    }

    /// <summary>Every site in the store, with the leader named by the site's live lease where there is one.</summary>
    public static IReadOnlyList<SiteStatus> Read(ControllerStore store) => store.SiteStatuses().Select(row =>
    {
        var status = JsonSerializer.Deserialize<SiteStatus>(row.Body, Json)!;
        var lease = store.Lease(row.Site);
        var leader = lease is { Live: true } ? lease.Holder : lease is null ? row.Leader : "none (lease expired)";
        return status with { Leader = leader, UpdatedAt = row.UpdatedAt };
    }).ToList();
}
