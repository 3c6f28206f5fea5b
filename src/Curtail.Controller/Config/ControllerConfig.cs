using Curtail.Core.LoadFollowing;
using Curtail.Core.Sites;

namespace Curtail.Controller.Config;

public enum ApiRole
{
    Viewer = 0,
    Trader = 1,
    Operator = 2,
}

public sealed record ApiToken(string Name, ApiRole Role, string Secret)
{
    /// <summary>When the token stops being accepted (`expires:` in the config); null = never.</summary>
    public DateTimeOffset? Expires { get; init; }

    public override string ToString() => $"{Name} ({Role}, token hidden)";
}

/// <summary>After <see cref="MaxFailures"/> failed authentications within <see cref="Window"/>, an address is refused for <see cref="Lockout"/>.</summary>
public sealed record AuthLimits(int MaxFailures, TimeSpan Window, TimeSpan Lockout)
{
    public static readonly AuthLimits Default = new(10, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5));
}

/// <summary>
/// HTTPS for the API: a PEM certificate with its PEM key (<see cref="KeyPath"/>), or a PKCS#12 file whose password (if
/// any) is in the environment variable <see cref="PasswordEnv"/>.
/// </summary>
public sealed record TlsConfig(string CertificatePath, string? KeyPath, string? PasswordEnv);

public sealed record GensetConfig(string Host, int Port, string Map, byte Unit, TimeSpan PollInterval, LoadFollowingSettings LoadFollowing);

public sealed record PriceFeedConfig(string BaseUrl, string? TokenUrl, TimeSpan StaleAfter);

/// <summary>Local hours (CPT, hour starting) of the months when likely 4CP intervals are curtailed.</summary>
public sealed record FourCpConfig(IReadOnlyList<int> Months, IReadOnlyList<int> Hours);

/// <summary>Run the service in accelerated time from <see cref="Start"/> (demo and tests); null = real time.</summary>
public sealed record TimeConfig(DateTimeOffset Start, double Speed);

/// <summary>The `controller:` section of a site file: how `curtail run` reaches devices, stores records and serves the API.</summary>
public sealed record ControllerConfig
{
    public required SiteDefinition Site { get; init; }
    public string Source { get; init; } = "";
    public string Listen { get; init; } = "http://127.0.0.1:8080";
    public string? SqlitePath { get; init; } = "curtail.db";
    public string? PostgresConnectionString { get; init; }
    public IReadOnlyList<ApiToken> Tokens { get; init; } = [];
    public AuthLimits AuthLimits { get; init; } = AuthLimits.Default;

    /// <summary>Required when <see cref="Listen"/> is an https URL.</summary>
    public TlsConfig? Tls { get; init; }
    public PriceFeedConfig? Prices { get; init; }
    public GensetConfig? Genset { get; init; }
    public string? FleetFile { get; init; }
    public TimeSpan CycleInterval { get; init; } = TimeSpan.FromMinutes(5);
    public FourCpConfig? FourCp { get; init; }
    public string? OtlpEndpoint { get; init; }

    /// <summary>OTLP over gRPC (port 4317, the default) or HTTP/protobuf (port 4318, `/v1/metrics` and `/v1/traces`).</summary>
    public bool OtlpHttp { get; init; }

    public TimeSpan OtlpExportInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Serve the metrics at <c>GET /metrics</c> in Prometheus text format (on unless <c>telemetry.prometheus: false</c>).</summary>
    public bool PrometheusEndpoint { get; init; } = true;
    public TimeConfig? Time { get; init; }

    /// <summary>Where alarms, curtailments and dispatches are sent (webhook, ntfy, Slack, e-mail); null = nowhere.</summary>
    public Notifications.NotifyConfig? Notify { get; init; }
    public string? HashpriceFile { get; init; }

    /// <summary>The OpenADR 3 VTN this site's VEN polls for events (docs/openadr.md); null = none.</summary>
    public OpenAdr.OpenAdrConfig? OpenAdr { get; init; }

    /// <summary>How long decision records, and the audit rows of the miner commands they sent, are kept (DR records are kept for good).</summary>
    public TimeSpan DecisionRetention { get; init; } = TimeSpan.FromDays(400);

    /// <summary>How long the audit rows of changes (strikes, overrides, events through the API) are kept: ten years unless configured.</summary>
    public TimeSpan AuditRetention { get; init; } = TimeSpan.FromDays(3650);

    /// <summary>The key of this site's rows in a store that serves several sites (`controller.site_id`, else from the name).</summary>
    public string SiteId
    {
        get => _siteId ?? SiteIdFromName(Site.Name);
        init => _siteId = value;
    }

    private readonly string? _siteId;

    /// <summary>Two or more controllers of this site on one PostgreSQL (`controller.cluster`); null = a single controller.</summary>
    public ClusterConfig? Cluster { get; init; }

    public static bool IsValidSiteId(string id) => id.Length is > 0 and <= 64 && id.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_');

    /// <summary>"Fault-injection site" → "fault-injection-site": lower-case letters and digits, runs of anything else as one '-'.</summary>
    public static string SiteIdFromName(string name)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var c in name.ToLowerInvariant())
        {
            if (c is (>= 'a' and <= 'z') or (>= '0' and <= '9')) sb.Append(c);
            else if (sb.Length > 0 && sb[^1] != '-') sb.Append('-');
        }
        var id = sb.ToString().Trim('-');
        return id.Length == 0 ? "site" : id[..Math.Min(64, id.Length)];
    }
}

/// <summary>
/// One instance of a clustered site controller: its name among the site's instances, how often it checks in (Quartz's
/// cluster check-in and the lease renewal) and how long its lease lasts unrenewed before a standby may take over.
/// </summary>
public sealed record ClusterConfig(string InstanceId, TimeSpan Checkin, TimeSpan Lease)
{
    /// <summary>Host name and process id: unique among the processes of one host, readable in `/api/cluster`.</summary>
    public static string DefaultInstanceId() => $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>
    /// The shared database's connection string as every instance must use it. A frozen instance (SIGSTOP, a paused VM,
    /// a stalled host) keeps its sessions open, and a row lock it took mid-transaction (Quartz's QRTZ_LOCKS rows, the
    /// lease row) would stay held for as long as it is frozen: the standby's scheduler and every API call that asks it
    /// for a cycle would wait with it. The server ends a session left idle inside a transaction for one lease, so a
    /// frozen leader delays a takeover by at most a lease and never wedges the site.
    /// </summary>
    public string GuardConnection(string connectionString)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        builder.Options = $"{builder.Options} -c idle_in_transaction_session_timeout={(long)Lease.TotalMilliseconds}".Trim();
        return builder.ConnectionString;
    }
}
