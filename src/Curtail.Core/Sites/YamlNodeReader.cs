using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Curtail.Core.Sites;

/// <summary>
/// Strict reading of a YAML mapping: every error names the file, the key path (e.g. <c>fleet[2].count</c>) and the
/// line, and keys the schema does not know are refused rather than silently ignored (a typo must not change a result).
/// </summary>
public sealed class YamlNodeReader(string source)
{
    public string Source => source;

    public InvalidInputException Error(YamlNode node, string path, string message) =>
        new(source, (int)node.Start.Line, $"{path}: {message}");

    public YamlMappingNode Mapping(YamlNode node, string path, params string[] allowedKeys)
    {
        if (node is not YamlMappingNode map) throw Error(node, path, "expected a mapping of keys");
        foreach (var key in map.Children.Keys)
        {
            var name = ((YamlScalarNode)key).Value ?? "";
            if (!allowedKeys.Contains(name))
                throw Error(key, Join(path, name), $"unknown key '{name}' (expected one of: {string.Join(", ", allowedKeys)})");
        }
        return map;
    }

    public YamlNode? Optional(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var v) && !IsNull(v) ? v : null;

    public YamlNode Required(YamlMappingNode map, string path, string key) =>
        Optional(map, key) ?? throw Error(map, Join(path, key), "is required");

    public string String(YamlNode node, string path)
    {
        if (node is not YamlScalarNode { Value: { } s } || s.Length == 0) throw Error(node, path, "expected a non-empty text value");
        return s;
    }

    /// <summary>A non-empty text of at most <paramref name="maxLength"/> characters: names end up in every status and record.</summary>
    public string String(YamlNode node, string path, int maxLength)
    {
        var s = String(node, path);
        return s.Length <= maxLength ? s : throw Error(node, path, $"must be at most {maxLength} characters, got {s.Length}");
    }

    public double Number(YamlNode node, string path)
    {
        if (node is YamlScalarNode { Value: { } s } && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
            return double.IsFinite(d) ? d : throw Error(node, path, $"must be a finite number, got '{s}'");
        throw Error(node, path, $"expected a number, got '{(node as YamlScalarNode)?.Value ?? node.NodeType.ToString()}'");
    }

    /// <summary>A finite number within [min, max]; the error names the range.</summary>
    public double NumberIn(YamlNode node, string path, double min, double max)
    {
        var v = Number(node, path);
        return v >= min && v <= max ? v : throw Error(node, path, $"must be within [{min}, {max}], got {v}");
    }

    public double? OptionalNumberIn(YamlMappingNode map, string path, string key, double min, double max) =>
        Optional(map, key) is { } n ? NumberIn(n, Join(path, key), min, max) : null;

    public int Integer(YamlNode node, string path)
    {
        if (node is YamlScalarNode { Value: { } s } && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i))
            return i;
        throw Error(node, path, $"expected a whole number, got '{(node as YamlScalarNode)?.Value ?? node.NodeType.ToString()}'");
    }

    public double? OptionalNumber(YamlMappingNode map, string path, string key) =>
        Optional(map, key) is { } n ? Number(n, Join(path, key)) : null;

    public double NonNegative(YamlMappingNode map, string path, string key, double fallback, double max = double.MaxValue)
    {
        if (Optional(map, key) is not { } n) return fallback;
        var v = Number(n, Join(path, key));
        if (v < 0) throw Error(n, Join(path, key), $"must not be negative, got {v}");
        return v <= max ? v : throw Error(n, Join(path, key), $"must be at most {max}, got {v}");
    }

    public static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Value: null or "~" or "null" or "" } scalar && scalar.Style == YamlDotNet.Core.ScalarStyle.Plain;
}
