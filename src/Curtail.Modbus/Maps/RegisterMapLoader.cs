using System.Globalization;
using System.Reflection;
using Curtail.Core;
using Curtail.Core.LoadFollowing;
using Curtail.Modbus.Values;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Curtail.Modbus.Maps;

/// <summary>
/// Loads register maps: the templates shipped in this assembly (by name) or a user's YAML file. Every problem
/// throws <see cref="InvalidInputException"/> naming the file, line and key.
/// </summary>
public static class RegisterMapLoader
{
    private const string ResourcePrefix = "Curtail.Modbus.Maps.";

    /// <summary>Names of the shipped templates ("default", "dse-gencomm", ...).</summary>
    public static IReadOnlyList<string> TemplateNames { get; } = typeof(RegisterMapLoader).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".yaml", StringComparison.Ordinal))
        .Select(n => n[ResourcePrefix.Length..^5]).Order(StringComparer.Ordinal).ToArray();

    public static string TemplateText(string name)
    {
        using var stream = typeof(RegisterMapLoader).Assembly.GetManifestResourceStream(ResourcePrefix + name + ".yaml")
            ?? throw new InvalidInputException("--map", null, $"no map template '{name}'; shipped: {string.Join(", ", TemplateNames)}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public static RegisterMap LoadTemplate(string name) => Parse(TemplateText(name), $"template {name}");

    /// <summary>A shipped template by name, else a YAML file by path.</summary>
    public static RegisterMap Load(string nameOrPath)
    {
        if (TemplateNames.Contains(nameOrPath, StringComparer.Ordinal)) return LoadTemplate(nameOrPath);
        if (File.Exists(nameOrPath)) return Parse(File.ReadAllText(nameOrPath), nameOrPath);
        throw new InvalidInputException("--map", null, $"'{nameOrPath}' is neither a shipped map ({string.Join(", ", TemplateNames)}) nor a file");
    }

    public static RegisterMap Parse(string yaml, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            throw new InvalidInputException(source, (int)ex.Start.Line, $"YAML syntax: {ex.InnerException?.Message ?? ex.Message}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new InvalidInputException(source, 1, "expected a mapping with vendor, model and points");
        var ctx = new Context(source);
        ctx.CheckKeys(root, ["name", "vendor", "model", "partial", "partial_note", "source", "unit_id", "address_base", "word_order",
            "max_registers_per_read", "max_hole_registers", "response_timeout_ms", "poll_interval_ms", "points"]);
        var addressBase = ctx.Int(root, "address_base", 0, 0, 1);
        var wordOrder = ctx.Enum(root, "word_order", WordOrder.ABCD);
        if (ctx.Child(root, "points") is not YamlMappingNode pointsNode)
            throw new InvalidInputException(source, Line(root), "missing 'points' mapping");
        var points = new Dictionary<string, PointMap>(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in pointsNode.Children)
        {
            var name = ((YamlScalarNode)keyNode).Value ?? "";
            if (valueNode is not YamlMappingNode p) throw new InvalidInputException(source, Line(valueNode), $"point '{name}' must be a mapping");
            points[name] = ParsePoint(ctx, name, p, addressBase, wordOrder);
        }
        foreach (var required in RegisterMap.RequiredPoints)
            if (!points.ContainsKey(required))
                throw new InvalidInputException(source, Line(pointsNode), $"required point '{required}' missing (use 'constant:' for a nameplate value)");
        CheckEnums(ctx, points);
        var map = new RegisterMap
        {
            Name = ctx.String(root, "name") ?? Path.GetFileNameWithoutExtension(source),
            Vendor = ctx.String(root, "vendor") ?? throw new InvalidInputException(source, Line(root), "missing 'vendor'"),
            Model = ctx.String(root, "model") ?? throw new InvalidInputException(source, Line(root), "missing 'model'"),
            Partial = ctx.Bool(root, "partial", false),
            PartialNote = ctx.String(root, "partial_note"),
            Source = ctx.String(root, "source"),
            UnitId = (byte)ctx.Int(root, "unit_id", 1, 0, 255),
            AddressBase = addressBase,
            WordOrder = wordOrder,
            MaxRegistersPerRead = ctx.Int(root, "max_registers_per_read", 125, 1, 125),
            MaxHoleRegisters = ctx.Int(root, "max_hole_registers", 10, 0, 125),
            ResponseTimeout = TimeSpan.FromMilliseconds(ctx.Int(root, "response_timeout_ms", 500, 10, 60_000)),
            PollInterval = TimeSpan.FromMilliseconds(ctx.Int(root, "poll_interval_ms", 1000, 50, 3_600_000)),
            Points = points,
        };
        if (map.Partial && string.IsNullOrWhiteSpace(map.PartialNote))
            throw new InvalidInputException(source, Line(root), "'partial: true' needs a 'partial_note' saying what is missing");
        return map;
    }

    private static PointMap ParsePoint(Context ctx, string name, YamlMappingNode p, int addressBase, WordOrder defaultOrder)
    {
        ctx.CheckKeys(p, ["table", "address", "type", "scale", "offset", "word_order", "bit", "enum", "bits", "invalid", "min", "max", "constant", "unit", "note"]);
        var line = Line(p);
        var constant = ctx.Double(p, "constant");
        if (constant is not null)
            return new PointMap { Name = name, Constant = constant, Note = ctx.String(p, "note"), Line = line, Min = ctx.Double(p, "min"), Max = ctx.Double(p, "max") };
        var table = ctx.Enum(p, "table", ModbusTable.Holding);
        var addressNode = ctx.Child(p, "address") ?? throw new InvalidInputException(ctx.Source, line, $"point '{name}': needs 'address' (or 'constant')");
        var written = ctx.Int(p, "address", 0, addressBase, 65535 + addressBase);
        var type = ctx.Enum(p, "type", table is ModbusTable.Coil or ModbusTable.DiscreteInput ? PointType.Bool : PointType.U16);
        if (table is ModbusTable.Coil or ModbusTable.DiscreteInput && type != PointType.Bool)
            throw new InvalidInputException(ctx.Source, Line(addressNode), $"point '{name}': {table} points are type bool");
        var wire = written - addressBase;
        if (wire + RegisterCodec.RegisterCount(type) > 65536)
            throw new InvalidInputException(ctx.Source, Line(addressNode), $"point '{name}': address {written} + size runs past 65535");
        var scale = ctx.Double(p, "scale") ?? 1;
        if (scale == 0 || !double.IsFinite(scale)) throw new InvalidInputException(ctx.Source, line, $"point '{name}': scale must be a non-zero number");
        Dictionary<long, string>? enumMap = null;
        if (ctx.Child(p, "enum") is YamlMappingNode e)
            enumMap = e.Children.ToDictionary(kv => ctx.ParseLong(kv.Key, $"point '{name}' enum key"), kv => ((YamlScalarNode)kv.Value).Value ?? "");
        Dictionary<int, string>? bits = null;
        if (ctx.Child(p, "bits") is YamlMappingNode b)
            bits = b.Children.ToDictionary(kv => (int)ctx.ParseLong(kv.Key, $"point '{name}' bit number"), kv => ((YamlScalarNode)kv.Value).Value ?? "");
        var invalid = ctx.Child(p, "invalid") is YamlSequenceNode inv
            ? inv.Children.Select(n => (uint)ctx.ParseLong(n, $"point '{name}' invalid value")).ToArray()
            : [];
        var bit = ctx.Child(p, "bit") is null ? (int?)null : ctx.Int(p, "bit", 0, 0, 15);
        return new PointMap
        {
            Name = name, Table = table, Address = (ushort)wire, Type = type, Scale = scale, Offset = ctx.Double(p, "offset") ?? 0,
            WordOrder = ctx.Enum(p, "word_order", defaultOrder), Bit = bit, Enum = enumMap, Bits = bits, Invalid = invalid,
            Min = ctx.Double(p, "min"), Max = ctx.Double(p, "max"), Note = ctx.String(p, "note"), Line = line,
        };
    }

    private static void CheckEnums(Context ctx, Dictionary<string, PointMap> points)
    {
        if (points.GetValueOrDefault("engine_state")?.Enum is { } states)
            foreach (var s in states.Values)
                if (!TryEngineState(s, out _))
                    throw new InvalidInputException(ctx.Source, points["engine_state"].Line,
                        $"engine_state enum value '{s}' is not one of {string.Join(", ", EngineStateNames.Keys)}");
        if (points.GetValueOrDefault("alarms")?.Bits is { } alarms)
            foreach (var a in alarms.Values)
                if (!TryAlarm(a, out _))
                    throw new InvalidInputException(ctx.Source, points["alarms"].Line, $"alarm name '{a}' is not one of {string.Join(", ", AlarmNames.Keys)}");
    }

    public static readonly IReadOnlyDictionary<string, EngineState> EngineStateNames = new Dictionary<string, EngineState>(StringComparer.Ordinal)
    {
        ["stopped"] = EngineState.Stopped, ["starting"] = EngineState.Starting, ["running_unloaded"] = EngineState.RunningUnloaded,
        ["running_loaded"] = EngineState.RunningLoaded, ["cooling_down"] = EngineState.CoolingDown, ["stopping"] = EngineState.Stopping,
        ["shutdown"] = EngineState.Shutdown, ["not_ready"] = EngineState.NotReady,
    };

    public static readonly IReadOnlyDictionary<string, GensetAlarms> AlarmNames = new Dictionary<string, GensetAlarms>(StringComparer.Ordinal)
    {
        ["shutdown"] = GensetAlarms.Shutdown, ["warning"] = GensetAlarms.Warning, ["overload"] = GensetAlarms.Overload,
        ["under_frequency"] = GensetAlarms.UnderFrequency, ["over_frequency"] = GensetAlarms.OverFrequency,
        ["low_fuel_gas_pressure"] = GensetAlarms.LowFuelGasPressure, ["reverse_power"] = GensetAlarms.ReversePower,
        ["derate_active"] = GensetAlarms.DerateActive, ["ecu_comms_fault"] = GensetAlarms.EcuCommsFault,
        ["emergency_stop"] = GensetAlarms.EmergencyStop, ["under_load"] = GensetAlarms.UnderLoad,
    };

    public static bool TryEngineState(string name, out EngineState state) => EngineStateNames.TryGetValue(name, out state);
    public static bool TryAlarm(string name, out GensetAlarms alarm) => AlarmNames.TryGetValue(name, out alarm);

    private static int Line(YamlNode node) => (int)node.Start.Line;

    private sealed class Context(string source)
    {
        public string Source => source;

        public YamlNode? Child(YamlMappingNode node, string key) =>
            node.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

        public void CheckKeys(YamlMappingNode node, string[] allowed)
        {
            foreach (var k in node.Children.Keys)
                if (k is not YamlScalarNode { Value: { } key } || !allowed.Contains(key, StringComparer.Ordinal))
                    throw new InvalidInputException(source, Line(k), $"unknown key '{(k as YamlScalarNode)?.Value}'; allowed: {string.Join(", ", allowed)}");
        }

        public string? String(YamlMappingNode node, string key) => Child(node, key) is YamlScalarNode s ? s.Value : null;

        public bool Bool(YamlMappingNode node, string key, bool fallback)
        {
            if (Child(node, key) is not YamlScalarNode s) return fallback;
            return s.Value switch
            {
                "true" or "yes" => true,
                "false" or "no" => false,
                _ => throw new InvalidInputException(source, Line(s), $"'{key}' must be true or false, got '{s.Value}'"),
            };
        }

        public int Int(YamlMappingNode node, string key, int fallback, int min, int max)
        {
            if (Child(node, key) is not { } n) return fallback;
            var v = ParseLong(n, $"'{key}'");
            if (v < min || v > max) throw new InvalidInputException(source, Line(n), $"'{key}' must be {min}..{max}, got {v}");
            return (int)v;
        }

        public double? Double(YamlMappingNode node, string key)
        {
            if (Child(node, key) is not YamlScalarNode s) return null;
            if (double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)) return d;
            if (TryHex(s.Value, out var h)) return h;
            throw new InvalidInputException(source, Line(s), $"'{key}' must be a number, got '{s.Value}'");
        }

        public T Enum<T>(YamlMappingNode node, string key, T fallback) where T : struct, System.Enum
        {
            if (Child(node, key) is not YamlScalarNode s) return fallback;
            var text = (s.Value ?? "").Replace("_", "", StringComparison.Ordinal);
            if (System.Enum.TryParse<T>(text, ignoreCase: true, out var v) && !int.TryParse(text, out _)) return v;
            throw new InvalidInputException(source, Line(s), $"'{key}' must be one of {string.Join(", ", System.Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}, got '{s.Value}'");
        }

        public long ParseLong(YamlNode node, string what)
        {
            var text = (node as YamlScalarNode)?.Value;
            if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)) return v;
            if (TryHex(text, out var h)) return h;
            throw new InvalidInputException(source, Line(node), $"{what} must be an integer, got '{text}'");
        }

        private static bool TryHex(string? text, out long value)
        {
            value = 0;
            return text is not null && text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                && long.TryParse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out value);
        }
    }
}
