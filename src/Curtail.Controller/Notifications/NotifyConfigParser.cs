using System.Text.Json;
using Curtail.Core.Sites;
using YamlDotNet.RepresentationModel;

namespace Curtail.Controller.Notifications;

/// <summary>
/// Parses `controller.notify:` (docs/notifications.md). Secrets (URLs with tokens, SMTP passwords) may be given in the
/// file, or better by `*_env` (an environment variable) or `*_file` (a file beside the config); errors name the key
/// and line, never the secret.
/// </summary>
public static class NotifyConfigParser
{
    public static NotifyConfig Parse(YamlNodeReader r, YamlNode node, Func<string, string?> environment, Func<string, string> path)
    {
        const string at = "controller.notify";
        var map = r.Mapping(node, at, "sinks", "miners_failing_percent", "max_attempts", "first_retry_seconds", "timeout_seconds");
        var sinksNode = r.Required(map, at, "sinks");
        if (sinksNode is not YamlSequenceNode seq || seq.Children.Count == 0)
            throw r.Error(sinksNode, $"{at}.sinks", "expected a list of sinks, each {type: webhook|ntfy|slack|smtp, …}");
        var sinks = new List<NotifySink>();
        for (var i = 0; i < seq.Children.Count; i++) sinks.Add(ParseSink(r, seq.Children[i], $"{at}.sinks[{i}]", environment, path));
        var names = sinks.GroupBy(s => s.Name).FirstOrDefault(g => g.Count() > 1);
        if (names is not null) throw r.Error(sinksNode, $"{at}.sinks", $"two sinks are named '{names.Key}'");
        return new NotifyConfig(sinks)
        {
            MinersFailingPercent = r.OptionalNumberIn(map, at, "miners_failing_percent", 0, 100) ?? 10,
            MaxAttempts = (int)(r.OptionalNumberIn(map, at, "max_attempts", 1, 20) ?? 5),
            FirstRetry = TimeSpan.FromSeconds(r.OptionalNumberIn(map, at, "first_retry_seconds", 0.01, 3600) ?? 2),
            Timeout = TimeSpan.FromSeconds(r.OptionalNumberIn(map, at, "timeout_seconds", 0.1, 120) ?? 10),
        };
    }

    private static NotifySink ParseSink(YamlNodeReader r, YamlNode node, string at, Func<string, string?> environment, Func<string, string> path)
    {
        var map = r.Mapping(node, at, "name", "type", "events", "url", "url_env", "url_file", "token_env", "token_file",
            "host", "port", "from", "to", "user", "password_env", "password_file", "starttls");
        var typeNode = r.Required(map, at, "type");
        var kind = r.String(typeNode, $"{at}.type") switch
        {
            "webhook" => SinkKind.Webhook,
            "ntfy" => SinkKind.Ntfy,
            "slack" => SinkKind.Slack,
            "smtp" or "email" => SinkKind.Smtp,
            var other => throw r.Error(typeNode, $"{at}.type", $"must be webhook, ntfy, slack or smtp, got '{other}'"),
        };
        var name = r.Optional(map, "name") is { } n ? r.String(n, $"{at}.name", 64) : kind.ToString().ToLowerInvariant();
        var events = r.Optional(map, "events") is { } e ? Events(r, e, $"{at}.events") : Enum.GetValues<NotifyEvent>().ToHashSet();
        var sink = new NotifySink(name, kind, events)
        {
            Token = Secret(r, map, at, "token", environment, path, inline: false),
        };
        if (kind == SinkKind.Smtp)
        {
            var host = r.String(r.Required(map, at, "host"), $"{at}.host");
            var port = r.Optional(map, "port") is { } p ? (int)r.NumberIn(p, $"{at}.port", 1, 65535) : 25;
            var from = Address(r, r.Required(map, at, "from"), $"{at}.from");
            var toNode = r.Required(map, at, "to");
            var to = toNode is YamlSequenceNode list ? list.Children.Select((c, i) => Address(r, c, $"{at}.to[{i}]")).ToList() : [Address(r, toNode, $"{at}.to")];
            if (to.Count == 0) throw r.Error(toNode, $"{at}.to", "give at least one address");
            var user = r.Optional(map, "user") is { } u ? r.String(u, $"{at}.user") : null;
            var password = Secret(r, map, at, "password", environment, path, inline: false);
            if ((user is null) != (password is null)) throw r.Error(map, at, "give both user and password_env/password_file, or neither");
            var startTls = r.Optional(map, "starttls") is { } st && Bool(r, st, $"{at}.starttls");
            return sink with { Smtp = new SmtpSettings(host, port, from, to, user, password, startTls) };
        }
        var url = Secret(r, map, at, "url", environment, path, inline: true) ?? throw r.Error(map, at, "give url, url_env or url_file");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw r.Error(map, $"{at}.url", "expected an http or https URL (not shown: it may hold a secret)");
        return sink with { Url = uri };
    }

    /// <summary>A secret from `key` (when inline is allowed), `key_env` or `key_file`; null when none is given.</summary>
    private static string? Secret(YamlNodeReader r, YamlMappingNode map, string at, string key, Func<string, string?> environment, Func<string, string> path, bool inline)
    {
        if (inline && r.Optional(map, key) is { } v) return r.String(v, $"{at}.{key}");
        if (r.Optional(map, key + "_env") is { } env)
        {
            var variable = r.String(env, $"{at}.{key}_env");
            return environment(variable) is { Length: > 0 } value ? value.Trim() : throw r.Error(env, $"{at}.{key}_env", $"environment variable '{variable}' is not set");
        }
        if (r.Optional(map, key + "_file") is { } file)
        {
            var p = path(r.String(file, $"{at}.{key}_file"));
            return File.Exists(p) ? File.ReadAllText(p).Trim() : throw r.Error(file, $"{at}.{key}_file", $"file not found: {p}");
        }
        return null;
    }

    private static HashSet<NotifyEvent> Events(YamlNodeReader r, YamlNode node, string at)
    {
        if (node is not YamlSequenceNode seq) throw r.Error(node, at, $"expected a list of events: {string.Join(", ", EventNames)}");
        var result = new HashSet<NotifyEvent>();
        for (var i = 0; i < seq.Children.Count; i++)
        {
            var text = r.String(seq.Children[i], $"{at}[{i}]");
            if (text == "all") result.UnionWith(Enum.GetValues<NotifyEvent>());
            else if (Enum.GetValues<NotifyEvent>().FirstOrDefault(e => Name(e) == text) is var e && Name(e) == text) result.Add(e);
            else throw r.Error(seq.Children[i], $"{at}[{i}]", $"unknown event '{text}'; one of all, {string.Join(", ", EventNames)}");
        }
        return result;
    }

    public static string Name(NotifyEvent e) => JsonNamingPolicy.SnakeCaseLower.ConvertName(e.ToString());

    private static IEnumerable<string> EventNames => Enum.GetValues<NotifyEvent>().Select(Name);

    private static string Address(YamlNodeReader r, YamlNode node, string at)
    {
        var a = r.String(node, at);
        // One address, no display name or line breaks: it goes into an SMTP command line.
        if (a.Length > 254 || a.Count(c => c == '@') != 1 || a.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '<' or '>'))
            throw r.Error(node, at, $"not an e-mail address: '{a}'");
        return a;
    }

    private static bool Bool(YamlNodeReader r, YamlNode node, string at) => r.String(node, at) switch
    {
        "true" or "yes" => true,
        "false" or "no" => false,
        var other => throw r.Error(node, at, $"expected true or false, got '{other}'"),
    };
}
