using Curtail.Controller.Config;
using Quartz;

namespace Curtail.Controller.Cluster;

/// <summary>
/// The Quartz scheduler a clustered site shares among its instances: the AdoJobStore on the site's PostgreSQL, its
/// tables created when missing (idempotent, safe for two instances starting at once), one scheduler name per site so
/// that several sites on one database never run each other's jobs, and this instance's own id.
/// </summary>
public static class ClusteredJobs
{
    /// <summary>The jobs that run on the leader only: the cycle, and those that only trigger it or tidy after it.</summary>
    public static readonly IReadOnlySet<string> Names = new HashSet<string>(StringComparer.Ordinal) { "decision-cycle", "4cp-window", "housekeeping" };

    public static string Scheduler(ControllerConfig config) => $"curtail-site-{config.SiteId}";

    public static void Configure(IQuartzBuilder q, ControllerConfig config, ClusterConfig cluster)
    {
        q.ConfigureScheduler(o =>
        {
            o.InstanceId = cluster.InstanceId;
            // A cycle asked for by another instance (its API, its genset alarm) is found within a second, not 30.
            o.IdleWaitTime = TimeSpan.FromSeconds(1);
        });
        q.UsePersistentStore(p =>
        {
            p.UsePostgres(config.PostgresConnectionString!);
            p.ProvisionSchema();
            p.UseSystemTextJsonSerializer();
            p.UseClustering(c =>
            {
                c.CheckinInterval = cluster.Checkin;
                c.CheckinMisfireThreshold = cluster.Checkin;
            });
        });
    }
}
