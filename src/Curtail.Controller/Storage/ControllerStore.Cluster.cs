using System.Data.Common;
using Curtail.Core.Decisions;

namespace Curtail.Controller.Storage;

/// <summary>A site's lease as the store holds it: who holds it, under which epoch, and whether it has not yet expired.</summary>
public sealed record SiteLease(long Epoch, string Holder, bool Live);

/// <summary>One controller instance of a site and its last check-in (database clock).</summary>
public sealed record ClusterInstance(string InstanceId, DateTimeOffset LastCheckin);

/// <summary>The leader's last word about its site, for `curtail sites status` and `/api/sites`.</summary>
public sealed record SiteStatusRow(string Site, string Leader, DateTimeOffset UpdatedAt, string Body);

/// <summary>The dispatch batch's lease was taken over (or expired) before its decision could be recorded: it must not be sent.</summary>
public sealed class LeaseLostException(string message) : Exception(message);

/// <summary>
/// The cluster's tables (PostgreSQL only): one lease per site, whose epoch is the fencing token every dispatch batch is
/// checked against in the transaction that records it; each instance's check-in; and each site's last status. Times
/// are the database's own clock (<c>now()</c>), so the instances' clocks never have to agree.
/// </summary>
public sealed partial class ControllerStore
{
    public bool IsPostgres => _postgres;

    private static void MigrateCluster(DbConnection c, DbTransaction tx)
    {
        Run(c, tx, "CREATE TABLE IF NOT EXISTS leases (site TEXT PRIMARY KEY, epoch BIGINT NOT NULL, holder TEXT NOT NULL, expires_at TIMESTAMPTZ NOT NULL)");
        Run(c, tx, "CREATE TABLE IF NOT EXISTS cluster_instances (site TEXT NOT NULL, instance_id TEXT NOT NULL, last_checkin TIMESTAMPTZ NOT NULL, " +
            "PRIMARY KEY (site, instance_id))");
        Run(c, tx, "CREATE TABLE IF NOT EXISTS site_status (site TEXT PRIMARY KEY, leader TEXT NOT NULL, updated_at TIMESTAMPTZ NOT NULL, body TEXT NOT NULL)");
    }

    /// <summary>
    /// Takes or renews the site's lease for <paramref name="instance"/>: renewed (same epoch) while it is ours and live,
    /// taken with the next epoch when it is free or expired, refused (the holder returned) while another holds it live.
    /// </summary>
    public SiteLease AcquireLease(string site, string instance, TimeSpan ttl) => InLeaseTransaction(site, (c, tx, lease) =>
    {
        if (lease.Live && lease.Holder != instance) return lease;
        var epoch = lease.Live ? lease.Epoch : lease.Epoch + 1;
        Run(c, tx, "UPDATE leases SET epoch = @e, holder = @h, expires_at = now() + @ttl * interval '1 millisecond' WHERE site = @site",
            ("e", epoch), ("h", instance), ("ttl", ttl.TotalMilliseconds), ("site", site));
        return new SiteLease(epoch, instance, true);
    });

    /// <summary>Lets the lease go at once (a clean shutdown), so a standby takes over without waiting for it to expire.</summary>
    public void ReleaseLease(string site, string instance) =>
        Execute("UPDATE leases SET expires_at = now() - interval '1 second' WHERE site = @site AND holder = @h", ("site", site), ("h", instance));

    public SiteLease? Lease(string site) => Query("SELECT epoch, holder, expires_at > now() FROM leases WHERE site = @site",
        r => new SiteLease(r.GetInt64(0), r.GetString(1), r.GetBoolean(2)), ("site", site)).FirstOrDefault();

    /// <summary>
    /// Records a cycle's decision (group states and the cycle) only if <paramref name="epoch"/> is still the site's live
    /// lease held by <paramref name="instance"/>, checked under the lease row's lock in the same transaction; throws
    /// <see cref="LeaseLostException"/> otherwise, and nothing is written.
    /// </summary>
    public void SaveDecidedFenced(string site, string instance, long epoch, IReadOnlyList<string> groups, IReadOnlyList<GroupState> states, CycleRecord record) =>
        InLeaseTransaction<object?>(site, (c, tx, lease) =>
        {
            if (lease.Epoch != epoch || lease.Holder != instance || !lease.Live)
                throw new LeaseLostException($"lease of site '{site}' is epoch {lease.Epoch} held by '{lease.Holder}'{(lease.Live ? "" : " (expired)")}, not epoch {epoch} of '{instance}'");
            for (var i = 0; i < groups.Count; i++)
                Run(c, tx, GroupStateSql, ("site", site), ("g", groups[i]), ("m", states[i].Mode.ToString()), ("s", states[i].SinceTicks), ("f", states[i].PowerFraction));
            Run(c, tx, CycleSql, [.. CycleParameters(record), ("site", site)]);
            return null;
        });

    public void Checkin(string site, string instance) => Execute(
        "INSERT INTO cluster_instances VALUES (@site, @i, now()) ON CONFLICT (site, instance_id) DO UPDATE SET last_checkin = now()", ("site", site), ("i", instance));

    /// <summary>The site's instances that checked in within <paramref name="within"/>, by id.</summary>
    public IReadOnlyList<ClusterInstance> ClusterInstances(string site, TimeSpan within) => Query(
        "SELECT instance_id, last_checkin FROM cluster_instances WHERE site = @site AND last_checkin > now() - @w * interval '1 millisecond' ORDER BY instance_id",
        r => new ClusterInstance(r.GetString(0), r.GetFieldValue<DateTimeOffset>(1)), ("site", site), ("w", within.TotalMilliseconds));

    public void SaveSiteStatus(string site, string leader, string body) => Execute(
        "INSERT INTO site_status VALUES (@site, @l, now(), @b) ON CONFLICT (site) DO UPDATE SET leader = @l, updated_at = now(), body = @b",
        ("site", site), ("l", leader), ("b", body));

    public IReadOnlyList<SiteStatusRow> SiteStatuses() => Query("SELECT site, leader, updated_at, body FROM site_status ORDER BY site",
        r => new SiteStatusRow(r.GetString(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2), r.GetString(3)));

    private T InLeaseTransaction<T>(string site, Func<DbConnection, DbTransaction, SiteLease, T> body)
    {
        if (!_postgres) throw new InvalidOperationException("a clustered controller needs PostgreSQL (controller.storage.postgres)");
        _gate.Wait();
        try
        {
            using var c = _connect();
            c.Open();
            using var tx = c.BeginTransaction();
            Run(c, tx, "INSERT INTO leases VALUES (@site, 0, '', now() - interval '1 second') ON CONFLICT (site) DO NOTHING", ("site", site));
            SiteLease lease;
            using (var cmd = c.CreateCommand())
            {
                cmd.Transaction = tx;
                cmd.CommandText = "SELECT epoch, holder, expires_at > now() FROM leases WHERE site = @site FOR UPDATE";
                Bind(cmd, [("site", site)]);
                using var r = cmd.ExecuteReader();
                r.Read();
                lease = new SiteLease(r.GetInt64(0), r.GetString(1), r.GetBoolean(2));
            }
            var result = body(c, tx, lease);
            tx.Commit();
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static void Run(DbConnection c, DbTransaction tx, string sql, params (string Name, object? Value)[] parameters)
    {
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        Bind(cmd, parameters);
        cmd.ExecuteNonQuery();
    }
}
