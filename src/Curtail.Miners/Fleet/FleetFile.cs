using Curtail.Core.Fleet;
using System.Globalization;
using System.Net;
using Curtail.Core;
using Curtail.Miners.Drivers;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Curtail.Miners.Fleet;

/// <summary>
/// A site's miners, read from YAML. Entries list an address or a range (10.0.0.10-10.0.0.50, 10.0.0.10-50, or
/// host:20000-20099 for emulators), the family, the model and a credentials reference; secrets come from an
/// environment variable or a file, never from the fleet file itself, and never reach logs
/// (<see cref="MinerCredentials.ToString"/> hides them). Errors name the file, line and key.
/// <code>
/// credentials:
///   stock: { user: root, password_env: CURTAIL_ANTMINER_PASSWORD }
///   wm:    { user: admin, password_file: secrets/whatsminer.txt }
/// groups:
///   hall-a: { min_power_fraction: 0.2, min_on_minutes: 15, min_off_minutes: 10, prefer: throttle }
/// miners:
///   - { address: 10.0.0.10-10.0.0.49, family: antminer, model: S19j Pro, credentials: stock, group: hall-a }
///   - { address: 127.0.0.1:20000-20009, aux_port: 20010, family: luxos, model: S21 }
/// </code>
/// </summary>
public sealed record FleetFile(IReadOnlyList<MinerSpec> Miners, IReadOnlyDictionary<string, GroupConstraints> Groups)
{
    public const int MaxMinersPerEntry = 100_000;

    public static FleetFile Load(string path, Func<string, string?>? environment = null)
    {
        if (!File.Exists(path)) throw new InvalidInputException(path, null, "fleet file not found");
        return Parse(File.ReadAllText(path), path, Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", environment);
    }

    public static FleetFile Parse(string yaml, string source, string baseDirectory = ".", Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            throw new InvalidInputException(source, (int)ex.Start.Line, $"not valid YAML: {ex.Message}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new InvalidInputException(source, 1, "expected a mapping with 'miners:'");

        var reader = new Reader(source);
        var credentials = new Dictionary<string, MinerCredentials>(StringComparer.Ordinal);
        if (reader.Child(root, "credentials") is { } credNode)
        {
            foreach (var (key, value) in reader.Mapping(credNode, "credentials"))
                credentials[key] = reader.Credentials(value, key, baseDirectory, environment);
        }
        var groups = new Dictionary<string, GroupConstraints>(StringComparer.Ordinal);
        if (reader.Child(root, "groups") is { } groupsNode)
        {
            foreach (var (key, value) in reader.Mapping(groupsNode, "groups"))
                groups[key] = reader.Group(value, key);
        }
        if (reader.Child(root, "miners") is not YamlSequenceNode minersNode)
            throw new InvalidInputException(source, 1, "'miners:' must be a list of entries");
        var miners = new List<MinerSpec>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in minersNode.Children)
        {
            foreach (var spec in reader.Entry(entry, credentials, groups))
            {
                if (!ids.Add(spec.Id)) throw new InvalidInputException(source, Reader.Line(entry), $"miner '{spec.Id}' is listed twice");
                miners.Add(spec);
            }
        }
        return new FleetFile(miners, groups);
    }

    private sealed class Reader(string source)
    {
        public static int Line(YamlNode node) => (int)node.Start.Line;

        private InvalidInputException Error(YamlNode node, string message) => new(source, Line(node), message);

        public YamlNode? Child(YamlMappingNode map, string key) =>
            map.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

        public IEnumerable<(string Key, YamlNode Value)> Mapping(YamlNode node, string what)
        {
            if (node is not YamlMappingNode map) throw Error(node, $"'{what}' must be a mapping");
            return map.Children.Select(kv => (((YamlScalarNode)kv.Key).Value ?? "", kv.Value));
        }

        private string? Text(YamlMappingNode map, string key)
        {
            var node = Child(map, key);
            if (node is null) return null;
            if (node is not YamlScalarNode s) throw Error(node, $"'{key}' must be a single value");
            return s.Value;
        }

        private double? Number(YamlMappingNode map, string key)
        {
            var text = Text(map, key);
            if (text is null) return null;
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                throw Error(Child(map, key)!, $"'{key}' must be a number, got '{text}'");
            // NaN would slip past every range check below ("NaN < 0" is false) and reach the dispatcher.
            if (!double.IsFinite(v)) throw Error(Child(map, key)!, $"'{key}' must be a finite number, got '{text}'");
            return v;
        }

        private double? NumberIn(YamlMappingNode map, string key, double min, double max, string where)
        {
            var v = Number(map, key);
            return v is null || (v >= min && v <= max) ? v : throw Error(Child(map, key)!, $"{where}: {key} must be within [{min}, {max}], got {v}");
        }

        public MinerCredentials Credentials(YamlNode node, string name, string baseDirectory, Func<string, string?> environment)
        {
            if (node is not YamlMappingNode map) throw Error(node, $"credentials '{name}' must be a mapping");
            if (Child(map, "password") is { } inline)
                throw Error(inline, $"credentials '{name}': inline passwords are not allowed; use password_env or password_file");
            var user = Text(map, "user") ?? "";
            if (Text(map, "password_env") is { } variable)
            {
                var value = environment(variable);
                if (value is null) throw Error(map, $"credentials '{name}': environment variable {variable} is not set");
                return new MinerCredentials(user, value);
            }
            if (Text(map, "password_file") is { } file)
            {
                var full = Path.IsPathRooted(file) ? file : Path.Combine(baseDirectory, file);
                if (!File.Exists(full)) throw Error(map, $"credentials '{name}': password file {file} not found");
                return new MinerCredentials(user, File.ReadAllText(full).TrimEnd('\r', '\n'));
            }
            throw Error(map, $"credentials '{name}': give password_env or password_file");
        }

        public GroupConstraints Group(YamlNode node, string name)
        {
            if (node is not YamlMappingNode map) throw Error(node, $"group '{name}' must be a mapping");
            var fraction = Number(map, "min_power_fraction") ?? 0;
            if (fraction is < 0 or > 1) throw Error(map, $"group '{name}': min_power_fraction must be within 0-1, got {fraction}");
            var prefer = (Text(map, "prefer") ?? "sleep").ToLowerInvariant() switch
            {
                "sleep" => PowerPreference.Sleep,
                "throttle" => PowerPreference.Throttle,
                var other => throw Error(map, $"group '{name}': prefer must be sleep or throttle, got '{other}'"),
            };
            var shedText = Text(map, "shed");
            var shed = shedText is null ? ShedMode.Sleep : ShedModes.Parse(shedText)
                ?? throw Error(map, $"group '{name}': shed must be sleep, power_target or hashboards, got '{shedText}'");
            var floorW = NumberIn(map, "shed_floor_w", 0, 100_000, $"group '{name}'");
            var floorBoards = NumberIn(map, "shed_floor_boards", 1, 16, $"group '{name}'");
            if (floorBoards is { } fb && fb != Math.Floor(fb)) throw Error(map, $"group '{name}': shed_floor_boards must be a whole number, got {fb}");
            if (floorW is not null && shed != ShedMode.PowerTarget) throw Error(map, $"group '{name}': shed_floor_w applies to shed: power_target only");
            if (floorBoards is not null && shed != ShedMode.Hashboards) throw Error(map, $"group '{name}': shed_floor_boards applies to shed: hashboards only");
            return new GroupConstraints(name, fraction, TimeSpan.FromMinutes(NumberIn(map, "min_on_minutes", 0, 1440, $"group '{name}'") ?? 0),
                TimeSpan.FromMinutes(NumberIn(map, "min_off_minutes", 0, 1440, $"group '{name}'") ?? 0), prefer)
            {
                Shed = shed, ShedGiven = shedText is not null, ShedFloorW = floorW, ShedFloorBoards = floorBoards is { } b ? (int)b : 1,
            };
        }

        public IEnumerable<MinerSpec> Entry(YamlNode node, IReadOnlyDictionary<string, MinerCredentials> credentials,
            IReadOnlyDictionary<string, GroupConstraints> groups)
        {
            if (node is not YamlMappingNode map) throw Error(node, "each miner entry must be a mapping");
            var familyText = Text(map, "family") ?? throw Error(map, "miner entry lacks 'family'");
            var family = ParseFamily(familyText) ?? throw Error(map,
                $"unknown family '{familyText}' (antminer, luxos, whatsminer, whatsminer3, braiins, vnish, epic, avalon, cgminer)");
            var modelText = Text(map, "model") ?? throw Error(map, "miner entry lacks 'model'");
            var model = ModelCatalog.Find(modelText) ?? throw Error(map,
                $"unknown model '{modelText}' (known: {string.Join(", ", ModelCatalog.All.Select(m => m.Name))})");
            var credentialName = Text(map, "credentials");
            MinerCredentials creds;
            if (credentialName is null) creds = MinerCredentials.Default(family);
            else if (!credentials.TryGetValue(credentialName, out creds!))
                throw Error(map, $"credentials '{credentialName}' are not defined under 'credentials:'");
            var group = Text(map, "group") ?? "default";
            if (group != "default" && !groups.ContainsKey(group)) throw Error(map, $"group '{group}' is not defined under 'groups:'");
            var address = Text(map, "address") ?? throw Error(map, "miner entry lacks 'address'");
            var auxStart = NumberIn(map, "aux_port", 1, 65535, "miner entry") is { } a
                ? a == Math.Floor(a) ? (int)a : throw Error(Child(map, "aux_port")!, $"miner entry: aux_port must be a whole number, got {a}")
                : (int?)null;
            var name = Text(map, "name");
            var index = 0;
            foreach (var (host, port) in ExpandAddress(address, family, map))
            {
                int? aux = auxStart is { } s ? s + index : MinerEndpoint.DefaultAuxPort(family);
                var endpoint = new MinerEndpoint(host, port, aux);
                var id = name is null ? $"{host}:{port}" : $"{name}{index}";
                yield return new MinerSpec(id, family, endpoint, model, creds, group);
                index++;
            }
        }

        private IEnumerable<(string Host, int Port)> ExpandAddress(string address, MinerFamily family, YamlMappingNode map) =>
            AddressRange.Expand(address, MinerEndpoint.DefaultPort(family), message => Error(map, message));
    }

    public static MinerFamily? ParseFamily(string text) => text.Trim().ToLowerInvariant() switch
    {
        "antminer" or "antminer-stock" or "stock" => MinerFamily.AntminerStock,
        "luxos" => MinerFamily.LuxOs,
        "whatsminer" or "whatsminer2" or "whatsminer-v2" => MinerFamily.WhatsminerV2,
        "whatsminer3" or "whatsminer-v3" => MinerFamily.WhatsminerV3,
        "braiins" or "braiins-os" or "bos" => MinerFamily.BraiinsOs,
        "vnish" => MinerFamily.Vnish,
        "epic" or "epic-umc" or "powerplay" => MinerFamily.Epic,
        "avalon" or "canaan" => MinerFamily.Avalon,
        "cgminer" => MinerFamily.Cgminer,
        _ => null,
    };

    /// <summary>Builds drivers for every miner.</summary>
    public IReadOnlyList<FleetMember> CreateMembers(TimeProvider time, DriverOptions? options = null) =>
        Miners.Select(m => new FleetMember(MinerFactory.Create(m, time, options), m.Group)).ToList();

    /// <summary>
    /// Writes a fleet file for an emulated fleet. Miners whose password is not the public firmware default point
    /// at <paramref name="passwordFile"/> (written separately), so the secret never sits in the fleet file.
    /// </summary>
    public static string Describe(IReadOnlyList<MinerSpec> miners, string passwordFile = "fleet.password")
    {
        var sb = new System.Text.StringBuilder("# Curtail fleet file\n");
        var custom = miners.Where(m => m.Credentials != MinerCredentials.Default(m.Family)).Select(m => m.Credentials.User).Distinct().ToList();
        if (custom.Count > 0)
        {
            sb.Append("credentials:\n");
            foreach (var user in custom) sb.Append(CultureInfo.InvariantCulture, $"  emulated-{user}: {{ user: {user}, password_file: \"{passwordFile}\" }}\n");
        }
        sb.Append("miners:\n");
        foreach (var m in miners)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  - {{ address: \"{m.Endpoint.Host}:{m.Endpoint.Port}\", family: {FamilyKey(m.Family)}, model: \"{m.Model.Name}\"");
            if (m.Endpoint.AuxPort is { } aux) sb.Append(CultureInfo.InvariantCulture, $", aux_port: {aux}");
            if (m.Credentials != MinerCredentials.Default(m.Family)) sb.Append(CultureInfo.InvariantCulture, $", credentials: emulated-{m.Credentials.User}");
            sb.Append(" }\n");
        }
        return sb.ToString();
    }

    public static string FamilyKey(MinerFamily family) => family switch
    {
        MinerFamily.AntminerStock => "antminer",
        MinerFamily.LuxOs => "luxos",
        MinerFamily.WhatsminerV2 => "whatsminer",
        MinerFamily.WhatsminerV3 => "whatsminer3",
        MinerFamily.BraiinsOs => "braiins",
        MinerFamily.Vnish => "vnish",
        MinerFamily.Epic => "epic",
        MinerFamily.Avalon => "avalon",
        _ => "cgminer",
    };
}
