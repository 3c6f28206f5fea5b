using Curtail.Controller.Config;
using Curtail.Controller.Storage;
using Curtail.Core.Decisions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;

namespace Curtail.Controller.Cluster;

/// <summary>This instance may not command the site's devices: another instance holds the lease, or ours was lost.</summary>
public sealed class NotLeaderException(string message) : Exception(message);

/// <summary>
/// One instance of a clustered site: checks in, takes or renews the site's lease in PostgreSQL, and runs the site's
/// Quartz scheduler (the clustered job store of the decision cycle) only while it holds the lease, in standby
/// otherwise. Every dispatch batch is fenced by the lease's epoch (<see cref="RecordDecided"/>): a paused or
/// partitioned former leader finds its epoch stale in the transaction that records its decision and sends nothing.
/// </summary>
public sealed class ClusterCoordinator(
    ControllerConfig config,
    ControllerStore store,
    ISchedulerFactory schedulers,
    string cycleSchedulerName,
    TimeProvider deviceTime,
    ILogger<ClusterCoordinator> log) : BackgroundService
{
    private readonly ClusterConfig _cluster = config.Cluster ?? throw new ArgumentException("not a clustered config", nameof(config));
    private readonly Lock _lock = new();
    private long? _epoch;
    private DateTimeOffset _leaseValidUntil = DateTimeOffset.MinValue;

    /// <summary>Set by the host: asks for a cycle (the first one after taking over).</summary>
    public Func<string, CancellationToken, Task>? RequestCycle { get; set; }

    public string Site => config.SiteId;
    public string InstanceId => _cluster.InstanceId;

    /// <summary>How often the lease is tried or renewed: at most a second, so a standby notices an expired lease at once.</summary>
    public TimeSpan Tick => TimeSpan.FromMilliseconds(Math.Min(1000, _cluster.Checkin.TotalMilliseconds / 2));

    public bool IsLeader
    {
        get { lock (_lock) return _epoch is not null && deviceTime.GetUtcNow() < _leaseValidUntil; }
    }

    public long? Epoch
    {
        get { lock (_lock) return _epoch; }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lastCheckin = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (deviceTime.GetUtcNow() - lastCheckin >= _cluster.Checkin)
                {
                    store.Checkin(Site, InstanceId);
                    lastCheckin = deviceTime.GetUtcNow();
                }
                await RenewAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The database unreachable: no instance can take the lease meanwhile; ours lapses by our own clock.
                log.LogWarning("cluster: lease/check-in failed: {Reason}", ex.Message);
                if (!IsLeader) await StandbyAsync("lease lapsed while the store was unreachable", stoppingToken);
            }
            try
            {
                await Task.Delay(Tick, deviceTime, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task RenewAsync(CancellationToken ct)
    {
        var before = deviceTime.GetUtcNow();
        var lease = store.AcquireLease(Site, InstanceId, _cluster.Lease);
        bool took;
        lock (_lock)
        {
            if (lease.Holder != InstanceId)
            {
                took = false;
                _epoch = null;
            }
            else
            {
                took = _epoch != lease.Epoch;
                _epoch = lease.Epoch;
                // Our own estimate of the lease, from before the call: it can only end earlier than the database's.
                _leaseValidUntil = before + _cluster.Lease;
            }
        }
        if (lease.Holder != InstanceId)
        {
            await StandbyAsync($"lease held by '{lease.Holder}' (epoch {lease.Epoch})", ct);
            return;
        }
        if (!took) return;
        log.LogWarning("cluster: {Instance} is the leader of site '{Site}' (epoch {Epoch})", InstanceId, Site, lease.Epoch);
        var scheduler = await schedulers.LookupScheduler(cycleSchedulerName, ct);
        if (scheduler is { Status: SchedulerStatus.Created or SchedulerStatus.Standby }) await scheduler.Start(ct);
        // The first cycle of a new leader starts from a fresh read of every miner and the stored states.
        if (RequestCycle is { } request) await request("cluster:takeover", ct);
    }

    private async Task StandbyAsync(string why, CancellationToken ct)
    {
        var scheduler = await schedulers.LookupScheduler(cycleSchedulerName, ct);
        if (scheduler is not { Status: SchedulerStatus.Running }) return;
        await scheduler.Standby(ct);
        log.LogWarning("cluster: {Instance} is a standby of site '{Site}': {Why}", InstanceId, Site, why);
    }

    /// <summary>
    /// A cycle's start: takes or renews the lease (the instance running the cycle is the one that may write) and returns
    /// its epoch; throws <see cref="NotLeaderException"/> while another instance holds it.
    /// </summary>
    public long BeginCycle()
    {
        var before = deviceTime.GetUtcNow();
        SiteLease lease;
        try
        {
            lease = store.AcquireLease(Site, InstanceId, _cluster.Lease);
        }
        catch (Exception ex) when (ex is not NotLeaderException)
        {
            // The store unreachable: a leader whose lease has not lapsed by its own clock carries on (nobody can take it).
            lock (_lock)
                if (_epoch is { } e && before < _leaseValidUntil) return e;
            throw new NotLeaderException($"cannot confirm the lease: {ex.Message}");
        }
        lock (_lock)
        {
            if (lease.Holder != InstanceId)
            {
                _epoch = null;
                throw new NotLeaderException($"site '{Site}' is led by '{lease.Holder}' (epoch {lease.Epoch})");
            }
            _epoch = lease.Epoch;
            _leaseValidUntil = before + _cluster.Lease;
            return lease.Epoch;
        }
    }

    /// <summary>
    /// Records the decision under the lease: only if <paramref name="epoch"/> is still ours, in the same transaction.
    /// Throws <see cref="NotLeaderException"/> when it is not (nothing recorded, nothing may be sent); a store that cannot
    /// be reached lets the batch go while our lease has not lapsed by our own clock, and is reported by the exception.
    /// </summary>
    public void RecordDecided(long epoch, IReadOnlyList<string> groups, IReadOnlyList<GroupState> states, CycleRecord record)
    {
        var before = deviceTime.GetUtcNow();
        try
        {
            store.SaveDecidedFenced(Site, InstanceId, epoch, groups, states, record);
        }
        catch (LeaseLostException lost)
        {
            lock (_lock) _epoch = null;
            throw new NotLeaderException(lost.Message);
        }
        catch (Exception ex)
        {
            bool valid;
            lock (_lock) valid = _epoch == epoch && before < _leaseValidUntil;
            if (!valid) throw new NotLeaderException($"cannot record under the lease and it has lapsed: {ex.Message}");
            throw new StoreUnavailableException(ex.Message, ex);
        }
    }

    /// <summary>A cycle that found it is not the leader: this instance stops firing the site's jobs and hands the cycle on.</summary>
    public async Task HandOverAsync(string trigger, CancellationToken ct)
    {
        await StandbyAsync("a cycle found the lease held elsewhere", ct);
        if (RequestCycle is { } request && !trigger.StartsWith("cluster:", StringComparison.Ordinal)) await request(trigger, ct);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            if (IsLeader) store.ReleaseLease(Site, InstanceId);
        }
        catch (Exception ex)
        {
            log.LogWarning("cluster: releasing the lease failed: {Reason}; it expires in {Seconds} s", ex.Message, _cluster.Lease.TotalSeconds);
        }
    }
}

/// <summary>The decision was not recorded (the store unreachable) but the lease still holds by our own clock: the batch goes.</summary>
public sealed class StoreUnavailableException(string message, Exception inner) : Exception(message, inner);
