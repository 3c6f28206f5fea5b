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
    public TimeConfig? Time { get; init; }

    /// <summary>Where alarms, curtailments and dispatches are sent (webhook, ntfy, Slack, e-mail); null = nowhere.</summary>
    public Notifications.NotifyConfig? Notify { get; init; }
    public string? HashpriceFile { get; init; }

    /// <summary>How long decision records are kept (audit and demand-response records are kept for good).</summary>
    public TimeSpan DecisionRetention { get; init; } = TimeSpan.FromDays(400);
}
