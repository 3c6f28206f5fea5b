using Curtail.Controller.Cluster;
using Curtail.Controller.Config;
using Curtail.Controller.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Curtail.Controller.Api;

/// <summary>`/api/cluster` (this site's instances and leader, from the shared store) and `/api/sites` (every site in it).</summary>
public static class ClusterApi
{
    /// <summary>How long an instance that stopped checking in is still listed (as not alive) before it drops off.</summary>
    private const int ListedForCheckins = 12;

    public static void Map(IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        api.MapGet("/cluster", Cluster).WithSummary("The site's controller instances, their last check-in and which one leads (writes to the devices)");
        api.MapGet("/sites", Sites).WithSummary("Every site whose controllers share this PostgreSQL store: leader, last cycle, price, target and load, miners, events, alarms");
    }

    private static IResult Cluster(ControllerConfig config, ControllerStore store)
    {
        if (config.Cluster is not { } cluster)
            return Results.Json(new { site = config.SiteId, clustered = false, leader = (string?)null, instances = Array.Empty<object>() }, ControllerApi.JsonOut);
        try
        {
            var lease = store.Lease(config.SiteId);
            var leader = lease is { Live: true } ? lease.Holder : null;
            var instances = store.ClusterInstances(config.SiteId, cluster.Checkin * ListedForCheckins);
            return Results.Json(new
            {
                site = config.SiteId, clustered = true, leader, epoch = lease?.Epoch, self = cluster.InstanceId,
                instances = instances.Select(i => new { instance_id = i.InstanceId, last_checkin = i.LastCheckin, leader = i.InstanceId == leader }),
            }, ControllerApi.JsonOut);
        }
        catch (Exception ex)
        {
            return Results.Json(new { error = $"store: {ex.Message}" }, statusCode: 503);
        }
    }

    private static IResult Sites(ControllerStore store)
    {
        if (!store.IsPostgres) return Results.Json(new { error = "sites are listed from a shared PostgreSQL store (controller.storage.postgres); this controller uses SQLite" }, statusCode: 404);
        try
        {
            return Results.Json(SiteStatusReport.Read(store), SiteStatusReport.Json);
        }
        catch (Exception ex)
        {
            return Results.Json(new { error = $"store: {ex.Message}" }, statusCode: 503);
        }
    }
}
