using System.Globalization;
using Curtail.Core.Sites;
using YamlDotNet.RepresentationModel;

namespace Curtail.Controller.OpenAdr;

/// <summary>Parses `controller.openadr:` (docs/openadr.md); errors name the key and line, never the secret.</summary>
public static class OpenAdrConfigParser
{
    private static readonly string[] Units = ["KW", "MW", "W"];

    public static OpenAdrConfig Parse(YamlNodeReader r, YamlNode node, Func<string, string?> environment)
    {
        const string at = "controller.openadr";
        var map = r.Mapping(node, at, "vtn_url", "client_id", "client_secret_env", "token_url", "programs", "poll_seconds", "ven_name");
        var vtnNode = r.Required(map, at, "vtn_url");
        var vtn = Url(r, vtnNode, $"{at}.vtn_url");
        var clientId = r.String(r.Required(map, at, "client_id"), $"{at}.client_id", 4096);
        var secretNode = r.Required(map, at, "client_secret_env");
        var variable = r.String(secretNode, $"{at}.client_secret_env");
        var secret = environment(variable);
        if (string.IsNullOrEmpty(secret)) throw r.Error(secretNode, $"{at}.client_secret_env", $"environment variable '{variable}' is not set");
        var venName = r.String(r.Required(map, at, "ven_name"), $"{at}.ven_name", 128);
        var programsNode = r.Required(map, at, "programs");
        if (programsNode is not YamlSequenceNode seq || seq.Children.Count == 0)
            throw r.Error(programsNode, $"{at}.programs", "expected a list of programs, each {name: PROGRAM_NAME, simple_levels?, limit_units?, deadline_minutes?, sb6?, test?}");
        var programs = seq.Children.Select((p, i) => Program(r, p, $"{at}.programs[{i}]")).ToList();
        if (programs.GroupBy(p => p.Name).FirstOrDefault(g => g.Count() > 1) is { } dup)
            throw r.Error(programsNode, $"{at}.programs", $"program '{dup.Key}' is listed twice");
        return new OpenAdrConfig(vtn, clientId, secret, venName)
        {
            TokenUrl = r.Optional(map, "token_url") is { } t ? Url(r, t, $"{at}.token_url") : null,
            Programs = programs,
            PollInterval = TimeSpan.FromSeconds(r.OptionalNumberIn(map, at, "poll_seconds", 1, 3600) ?? 30),
        };
    }

    private static OpenAdrProgramConfig Program(YamlNodeReader r, YamlNode node, string at)
    {
        var map = r.Mapping(node, at, "name", "simple_levels", "limit_units", "deadline_minutes", "sb6", "test");
        var program = new OpenAdrProgramConfig(r.String(r.Required(map, at, "name"), $"{at}.name", 128))
        {
            Deadline = TimeSpan.FromMinutes(r.OptionalNumberIn(map, at, "deadline_minutes", 0, 1440) ?? 10),
            Sb6 = r.Optional(map, "sb6") is { } s && Bool(r, s, $"{at}.sb6"),
            Test = r.Optional(map, "test") is { } t && Bool(r, t, $"{at}.test"),
        };
        if (r.Optional(map, "limit_units") is { } u)
        {
            var units = r.String(u, $"{at}.limit_units").ToUpperInvariant();
            if (!Units.Contains(units)) throw r.Error(u, $"{at}.limit_units", $"must be KW, MW or W, got '{r.String(u, "")}'");
            program = program with { LimitUnits = units };
        }
        if (r.Optional(map, "simple_levels") is { } levelsNode)
        {
            if (program.Sb6) throw r.Error(levelsNode, $"{at}.simple_levels", "an sb6 program's events are directives: they carry IMPORT_CAPACITY_LIMIT, not SIMPLE levels");
            var levels = r.Mapping(levelsNode, $"{at}.simple_levels", "1", "2", "3");
            var actions = new Dictionary<int, SimpleLevelAction>();
            foreach (var (key, value) in levels.Children)
            {
                var level = int.Parse(((YamlScalarNode)key).Value!, CultureInfo.InvariantCulture);
                var lat = $"{at}.simple_levels.{level}";
                var a = r.Mapping(value, lat, "target_mw", "reduction_mw", "curtail_percent");
                var action = new SimpleLevelAction(r.OptionalNumberIn(a, lat, "target_mw", 0, 100_000), r.OptionalNumberIn(a, lat, "reduction_mw", 0, 100_000),
                    r.OptionalNumberIn(a, lat, "curtail_percent", 0, 100));
                if (new[] { action.TargetMw, action.ReductionMw, action.CurtailPercent }.Count(v => v is not null) != 1)
                    throw r.Error(value, lat, "give exactly one of target_mw, reduction_mw or curtail_percent");
                actions[level] = action;
            }
            program = program with { SimpleLevels = actions };
        }
        return program;
    }

    private static string Url(YamlNodeReader r, YamlNode node, string at)
    {
        var url = r.String(node, at);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw r.Error(node, at, $"expected an http or https URL, got '{url}'");
        return url;
    }

    private static bool Bool(YamlNodeReader r, YamlNode node, string at) => r.String(node, at) switch
    {
        "true" => true,
        "false" => false,
        var other => throw r.Error(node, at, $"must be true or false, got '{other}'"),
    };
}
