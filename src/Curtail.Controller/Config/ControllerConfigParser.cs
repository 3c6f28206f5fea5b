using System.Globalization;
using Curtail.Core;
using Curtail.Core.LoadFollowing;
using Curtail.Core.Sites;
using YamlDotNet.RepresentationModel;

namespace Curtail.Controller.Config;

/// <summary>Parses a site file with its `controller:` section (docs/controller.md); errors name the key and line.</summary>
public static class ControllerConfigParser
{
    private static readonly string[] Keys = ["listen", "tls", "auth", "storage", "tokens", "prices", "genset", "fleet", "cycle_minutes", "four_cp", "telemetry", "time", "retention_days", "audit_retention_days", "site_id", "cluster", "notify", "openadr"];

    public static ControllerConfig Load(string path, Func<string, string?>? environment = null)
    {
        if (!File.Exists(path)) throw new InvalidInputException(path, null, "config file not found");
        return Parse(File.ReadAllText(path), path, Path.GetDirectoryName(Path.GetFullPath(path))!, environment);
    }

    public static ControllerConfig Parse(string yaml, string source, string baseDirectory, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var site = SiteFileParser.Parse(yaml, source, ["controller"], out var sections, out var r);
        var config = new ControllerConfig { Site = site, Source = source };
        if (!sections.TryGetValue("controller", out var node)) return config;
        var map = r.Mapping(node, "controller", Keys);
        string Path(string p) => System.IO.Path.IsPathRooted(p) ? p : System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDirectory, p));

        if (r.Optional(map, "listen") is { } listen)
        {
            var url = r.String(listen, "controller.listen");
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                throw r.Error(listen, "controller.listen", $"expected an http or https URL such as http://127.0.0.1:8080, got '{url}'");
            config = config with { Listen = url };
        }
        if (r.Optional(map, "tls") is { } tls) config = config with { Tls = ParseTls(r, tls, environment, Path) };
        var https = config.Listen.StartsWith("https:", StringComparison.OrdinalIgnoreCase);
        if (https && config.Tls is null)
            throw r.Error(r.Optional(map, "listen")!, "controller.listen", "an https URL needs controller.tls: {certificate: FILE, key: FILE}");
        if (!https && config.Tls is not null)
            throw r.Error(r.Optional(map, "tls")!, "controller.tls", $"needs an https listen URL, got '{config.Listen}'");
        if (r.Optional(map, "auth") is { } auth) config = config with { AuthLimits = ParseAuthLimits(r, auth) };
        if (r.Optional(map, "storage") is { } storage)
        {
            var s = r.Mapping(storage, "controller.storage", "sqlite", "postgres", "postgres_env");
            var sqlite = r.Optional(s, "sqlite") is { } sq ? Path(r.String(sq, "controller.storage.sqlite")) : null;
            var pg = r.Optional(s, "postgres") is { } p ? r.String(p, "controller.storage.postgres")
                : r.Optional(s, "postgres_env") is { } pe ? environment(r.String(pe, "controller.storage.postgres_env"))
                    ?? throw r.Error(pe, "controller.storage.postgres_env", $"environment variable '{r.String(pe, "")}' is not set") : null;
            if ((sqlite is null) == (pg is null)) throw r.Error(storage, "controller.storage", "give exactly one of sqlite, postgres or postgres_env");
            config = config with { SqlitePath = sqlite, PostgresConnectionString = pg };
        }
        if (r.Optional(map, "site_id") is { } siteId)
        {
            var id = r.String(siteId, "controller.site_id");
            if (!ControllerConfig.IsValidSiteId(id))
                throw r.Error(siteId, "controller.site_id", $"expected 1..64 of a-z, 0-9, '-' and '_', got '{id}'");
            config = config with { SiteId = id };
        }
        if (r.Optional(map, "cluster") is { } cluster)
        {
            if (config.PostgresConnectionString is null)
                throw r.Error(cluster, "controller.cluster", "needs controller.storage: {postgres: ...} or {postgres_env: VAR}: the instances share that database");
            var parsed = ParseCluster(r, cluster);
            config = config with { Cluster = parsed, PostgresConnectionString = parsed.GuardConnection(config.PostgresConnectionString) };
        }
        if (r.Optional(map, "tokens") is { } tokens) config = config with { Tokens = ParseTokens(r, tokens, environment, Path) };
        if (r.Optional(map, "prices") is { } prices)
        {
            var p = r.Mapping(prices, "controller.prices", "base_url", "token_url", "stale_after_minutes");
            var baseUrl = r.String(r.Required(p, "controller.prices", "base_url"), "controller.prices.base_url");
            if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out _)) throw r.Error(p, "controller.prices.base_url", $"not a URL: '{baseUrl}'");
            config = config with
            {
                Prices = new PriceFeedConfig(baseUrl, r.Optional(p, "token_url") is { } t ? r.String(t, "controller.prices.token_url") : null,
                    TimeSpan.FromMinutes(Bounded(r, p, "controller.prices", "stale_after_minutes", 1, 1440) ?? 20)),
            };
        }
        if (r.Optional(map, "genset") is { } genset) config = config with { Genset = ParseGenset(r, genset) };
        if (r.Optional(map, "openadr") is { } openadr) config = config with { OpenAdr = OpenAdr.OpenAdrConfigParser.Parse(r, openadr, environment) };
        if (r.Optional(map, "notify") is { } notify) config = config with { Notify = Notifications.NotifyConfigParser.Parse(r, notify, environment, Path) };
        if (r.Optional(map, "fleet") is { } fleet) config = config with { FleetFile = Path(r.String(fleet, "controller.fleet")) };
        if (r.Optional(map, "cycle_minutes") is { } cycle)
        {
            var minutes = r.Number(cycle, "controller.cycle_minutes");
            if (minutes is <= 0 or > 60) throw r.Error(cycle, "controller.cycle_minutes", $"must be in (0, 60], got {minutes}");
            config = config with { CycleInterval = TimeSpan.FromMinutes(minutes) };
        }
        if (r.Optional(map, "retention_days") is { } retention)
        {
            var days = r.Number(retention, "controller.retention_days");
            if (days is < 1 or > 36_500) throw r.Error(retention, "controller.retention_days", $"must be 1..36500, got {days}");
            config = config with { DecisionRetention = TimeSpan.FromDays(days) };
        }
        if (r.Optional(map, "audit_retention_days") is { } auditRetention)
        {
            var days = r.Number(auditRetention, "controller.audit_retention_days");
            if (days is < 1 or > 36_500) throw r.Error(auditRetention, "controller.audit_retention_days", $"must be 1..36500, got {days}");
            config = config with { AuditRetention = TimeSpan.FromDays(days) };
        }
        if (r.Optional(map, "four_cp") is { } fourCp)
        {
            var f = r.Mapping(fourCp, "controller.four_cp", "months", "hours");
            config = config with { FourCp = new FourCpConfig(Integers(r, r.Required(f, "controller.four_cp", "months"), "controller.four_cp.months", 1, 12),
                Integers(r, r.Required(f, "controller.four_cp", "hours"), "controller.four_cp.hours", 0, 23)) };
        }
        if (r.Optional(map, "telemetry") is { } telemetry)
        {
            var t = r.Mapping(telemetry, "controller.telemetry", "otlp_endpoint", "protocol", "export_interval_seconds", "prometheus");
            if (r.Optional(t, "prometheus") is { } prometheusNode)
                config = config with
                {
                    PrometheusEndpoint = r.String(prometheusNode, "controller.telemetry.prometheus") switch
                    {
                        "true" => true,
                        "false" => false,
                        var other => throw r.Error(prometheusNode, "controller.telemetry.prometheus", $"must be true or false, got '{other}'"),
                    },
                };
            // Prometheus alone needs no OTLP endpoint; the other keys describe the OTLP export and need one.
            if (r.Optional(t, "otlp_endpoint") is { } endpointNode)
            {
                var endpoint = r.String(endpointNode, "controller.telemetry.otlp_endpoint");
                if (!Uri.TryCreate(endpoint, UriKind.Absolute, out _)) throw r.Error(endpointNode, "controller.telemetry.otlp_endpoint", $"not a URL: '{endpoint}'");
                var protocolNode = r.Optional(t, "protocol");
                var http = protocolNode is not null && r.String(protocolNode, "controller.telemetry.protocol") switch
                {
                    "grpc" => false,
                    "http" => true,
                    var other => throw r.Error(protocolNode, "controller.telemetry.protocol", $"must be grpc or http, got '{other}'"),
                };
                var interval = r.OptionalNumber(t, "controller.telemetry", "export_interval_seconds") ?? 60;
                if (interval is < 1 or > 3600) throw r.Error(t, "controller.telemetry.export_interval_seconds", $"must be 1..3600, got {interval}");
                config = config with { OtlpEndpoint = endpoint, OtlpHttp = http, OtlpExportInterval = TimeSpan.FromSeconds(interval) };
            }
            else if (r.Optional(t, "prometheus") is null || r.Optional(t, "protocol") is not null || r.Optional(t, "export_interval_seconds") is not null)
                r.Required(t, "controller.telemetry", "otlp_endpoint");
        }
        if (r.Optional(map, "time") is { } time)
        {
            var t = r.Mapping(time, "controller.time", "start", "speed");
            var startNode = r.Required(t, "controller.time", "start");
            if (!DateTimeOffset.TryParse(r.String(startNode, "controller.time.start"), CultureInfo.InvariantCulture, DateTimeStyles.None, out var start))
                throw r.Error(startNode, "controller.time.start", "expected an ISO-8601 time with offset, e.g. 2023-08-17T12:00:00-05:00");
            var speed = r.OptionalNumber(t, "controller.time", "speed") ?? 1;
            if (speed is <= 0 or > 100_000) throw r.Error(t, "controller.time.speed", $"must be in (0, 100000], got {speed}");
            config = config with { Time = new TimeConfig(start, speed) };
        }
        return config;
    }

    private static ClusterConfig ParseCluster(YamlNodeReader r, YamlNode node)
    {
        var c = r.Mapping(node, "controller.cluster", "instance_id", "checkin_seconds", "lease_seconds");
        var id = r.Optional(c, "instance_id") is { } i ? r.String(i, "controller.cluster.instance_id") : ClusterConfig.DefaultInstanceId();
        if (id.Length is 0 or > 80) throw r.Error(c, "controller.cluster.instance_id", $"must be 1..80 characters, got {id.Length}");
        var checkin = r.OptionalNumber(c, "controller.cluster", "checkin_seconds") ?? 5;
        if (checkin is < 1 or > 60) throw r.Error(c, "controller.cluster.checkin_seconds", $"must be 1..60, got {checkin}");
        var lease = r.OptionalNumber(c, "controller.cluster", "lease_seconds") ?? 3 * checkin;
        if (lease < 2 * checkin || lease > 600)
            throw r.Error(c, "controller.cluster.lease_seconds", $"must be at least twice checkin_seconds ({2 * checkin}) and at most 600, got {lease}");
        return new ClusterConfig(id, TimeSpan.FromSeconds(checkin), TimeSpan.FromSeconds(lease));
    }

    private static List<ApiToken> ParseTokens(YamlNodeReader r, YamlNode node, Func<string, string?> environment, Func<string, string> path)
    {
        if (node is not YamlSequenceNode seq) throw r.Error(node, "controller.tokens", "expected a list of {name, role, token_env | token_file}");
        var result = new List<ApiToken>();
        for (var i = 0; i < seq.Children.Count; i++)
        {
            var at = $"controller.tokens[{i}]";
            var t = r.Mapping(seq.Children[i], at, "name", "role", "token_env", "token_file", "expires");
            var nameNode = r.Required(t, at, "name");
            var name = r.String(nameNode, $"{at}.name");
            if (name.Length > 64) throw r.Error(nameNode, $"{at}.name", $"must be at most 64 characters, got {name.Length}");
            var roleNode = r.Required(t, at, "role");
            var role = r.String(roleNode, $"{at}.role") switch
            {
                "viewer" => ApiRole.Viewer,
                "trader" => ApiRole.Trader,
                "operator" => ApiRole.Operator,
                var other => throw r.Error(roleNode, $"{at}.role", $"must be viewer, trader or operator, got '{other}'"),
            };
            // Secrets never sit in the config file itself: they come from the environment or a file of their own.
            string secret;
            if (r.Optional(t, "token_env") is { } env)
                secret = environment(r.String(env, $"{at}.token_env")) ?? throw r.Error(env, $"{at}.token_env", $"environment variable '{r.String(env, "")}' is not set");
            else if (r.Optional(t, "token_file") is { } file)
            {
                var p = path(r.String(file, $"{at}.token_file"));
                secret = File.Exists(p) ? File.ReadAllText(p).Trim() : throw r.Error(file, $"{at}.token_file", $"file not found: {p}");
            }
            else throw r.Error(t, at, "give token_env or token_file");
            if (secret.Length < 16) throw r.Error(t, at, "the token must be at least 16 characters");
            result.Add(new ApiToken(name, role, secret) { Expires = r.Optional(t, "expires") is { } e ? IsoTime(r, e, $"{at}.expires") : null });
        }
        return result;
    }

    private static GensetConfig ParseGenset(YamlNodeReader r, YamlNode node)
    {
        var g = r.Mapping(node, "controller.genset", "endpoint", "map", "unit", "poll_ms", "load_following");
        var endpointNode = r.Required(g, "controller.genset", "endpoint");
        var endpoint = r.String(endpointNode, "controller.genset.endpoint");
        var colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint[(colon + 1)..], out var port) || port is <= 0 or > 65535)
            throw r.Error(endpointNode, "controller.genset.endpoint", $"expected HOST:PORT, got '{endpoint}'");
        var mapName = r.Optional(g, "map") is { } m ? r.String(m, "controller.genset.map") : "default";
        var unit = r.Optional(g, "unit") is { } u ? r.Integer(u, "controller.genset.unit") : 1;
        if (unit is < 0 or > 255) throw r.Error(g, "controller.genset.unit", $"must be 0..255, got {unit}");
        var pollMs = r.Optional(g, "poll_ms") is { } pm ? r.Integer(pm, "controller.genset.poll_ms") : 1000;
        if (pollMs is < 50 or > 60_000) throw r.Error(r.Optional(g, "poll_ms")!, "controller.genset.poll_ms", $"must be 50..60000, got {pollMs}");
        var poll = TimeSpan.FromMilliseconds(pollMs);
        var lf = new LoadFollowingSettings();
        if (r.Optional(g, "load_following") is { } lfNode)
        {
            var l = r.Mapping(lfNode, "controller.genset.load_following", "headroom", "max_step_load_pct", "settle_seconds", "frequency_floor_hz",
                "min_load_pct", "fail_safe", "safe_load_kw", "link_loss_seconds");
            const string at = "controller.genset.load_following";
            lf = lf with
            {
                Headroom = r.OptionalNumber(l, at, "headroom") ?? lf.Headroom,
                MaxStepLoadPct = r.OptionalNumber(l, at, "max_step_load_pct") ?? lf.MaxStepLoadPct,
                SettleTime = r.OptionalNumber(l, at, "settle_seconds") is { } s ? TimeSpan.FromSeconds(s) : lf.SettleTime,
                FrequencyFloorHz = r.OptionalNumber(l, at, "frequency_floor_hz") ?? lf.FrequencyFloorHz,
                MinLoadPct = r.OptionalNumber(l, at, "min_load_pct") ?? lf.MinLoadPct,
            };
            if (r.Optional(l, "fail_safe") is { } fs)
                lf = lf with
                {
                    FailSafe = r.String(fs, $"{at}.fail_safe") switch
                    {
                        "hold" => FailSafeMode.Hold,
                        "shed" => FailSafeMode.ShedToSafeLoad,
                        var other => throw r.Error(fs, $"{at}.fail_safe", $"must be hold or shed, got '{other}'"),
                    },
                };
            lf = ApplyOptional(r, l, at, lf);
            try
            {
                lf.Validate();
            }
            catch (ArgumentException ex)
            {
                throw r.Error(lfNode, at, ex.Message);
            }
        }
        return new GensetConfig(endpoint[..colon], port, mapName, (byte)unit, poll, lf);
    }

    private static LoadFollowingSettings ApplyOptional(YamlNodeReader r, YamlMappingNode l, string at, LoadFollowingSettings lf)
    {
        if (r.OptionalNumber(l, at, "safe_load_kw") is { } safe) lf = lf with { SafeLoadKw = safe };
        if (r.OptionalNumber(l, at, "link_loss_seconds") is { } loss) lf = lf with { LinkLossTimeout = TimeSpan.FromSeconds(loss) };
        return lf;
    }

    private static TlsConfig ParseTls(YamlNodeReader r, YamlNode node, Func<string, string?> environment, Func<string, string> path)
    {
        var t = r.Mapping(node, "controller.tls", "certificate", "key", "password_env");
        var certificateNode = r.Required(t, "controller.tls", "certificate");
        var certificate = ExistingFile(r, certificateNode, "controller.tls.certificate", path);
        var key = r.Optional(t, "key") is { } k ? ExistingFile(r, k, "controller.tls.key", path) : null;
        var passwordEnv = r.Optional(t, "password_env") is { } pe ? r.String(pe, "controller.tls.password_env") : null;
        if (passwordEnv is not null && environment(passwordEnv) is null)
            throw r.Error(r.Optional(t, "password_env")!, "controller.tls.password_env", $"environment variable '{passwordEnv}' is not set");
        var tls = new TlsConfig(certificate, key, passwordEnv);
        // Loaded once here so that a wrong file, key or password is reported with its key and line, not at startup.
        try
        {
            using var loaded = TlsCertificate.Load(tls, environment);
        }
        catch (InvalidInputException ex)
        {
            throw r.Error(certificateNode, "controller.tls.certificate", ex.Message);
        }
        return tls;
    }

    private static string ExistingFile(YamlNodeReader r, YamlNode node, string at, Func<string, string> path)
    {
        var file = path(r.String(node, at));
        return File.Exists(file) ? file : throw r.Error(node, at, $"file not found: {file}");
    }

    private static AuthLimits ParseAuthLimits(YamlNodeReader r, YamlNode node)
    {
        const string at = "controller.auth";
        var a = r.Mapping(node, at, "max_failures", "window_seconds", "lockout_seconds");
        var d = AuthLimits.Default;
        var maxFailures = r.Optional(a, "max_failures") is { } mf ? r.Integer(mf, $"{at}.max_failures") : d.MaxFailures;
        if (maxFailures is < 1 or > 1000) throw r.Error(r.Optional(a, "max_failures")!, $"{at}.max_failures", $"must be 1..1000, got {maxFailures}");
        return new AuthLimits(maxFailures,
            Bounded(r, a, at, "window_seconds", 1, 86_400) is { } w ? TimeSpan.FromSeconds(w) : d.Window,
            Bounded(r, a, at, "lockout_seconds", 1, 86_400) is { } l ? TimeSpan.FromSeconds(l) : d.Lockout);
    }

    /// <summary>An optional finite number within [min, max].</summary>
    private static double? Bounded(YamlNodeReader r, YamlMappingNode map, string path, string key, double min, double max)
    {
        if (r.OptionalNumber(map, path, key) is not { } v) return null;
        return v >= min && v <= max ? v : throw r.Error(r.Optional(map, key)!, YamlNodeReader.Join(path, key), $"must be {min}..{max}, got {v}");
    }

    /// <summary>An ISO-8601 time with its offset: a time without one would depend on the machine's zone.</summary>
    private static DateTimeOffset IsoTime(YamlNodeReader r, YamlNode node, string at)
    {
        var text = r.String(node, at);
        var hasOffset = text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');
        if (!hasOffset || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
            throw r.Error(node, at, $"expected an ISO-8601 time with offset, e.g. 2027-01-01T00:00:00Z, got '{text}'");
        return time;
    }

    private static int[] Integers(YamlNodeReader r, YamlNode node, string path, int min, int max)
    {
        if (node is not YamlSequenceNode seq || seq.Children.Count == 0) throw r.Error(node, path, "expected a non-empty list of whole numbers");
        return seq.Children.Select((c, i) =>
        {
            var v = r.Integer(c, $"{path}[{i}]");
            return v >= min && v <= max ? v : throw r.Error(c, $"{path}[{i}]", $"must be {min}..{max}, got {v}");
        }).ToArray();
    }
}
