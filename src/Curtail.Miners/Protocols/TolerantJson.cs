using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Curtail.Miners.Protocols;

/// <summary>
/// Parses the JSON that miner firmwares really emit. Repairs, in order, the quirks pyasic's _load_api_data
/// handles: trailing NULs, embedded newlines, a leading comma, "}{" between objects, "[,{", ",}" and ",]",
/// a missing comma between a string value and the next key (""temp0), and bare inf/nan numbers.
/// What it does not repair, it refuses: a key stated twice in one object (the reply says two things about one field,
/// e.g. two "Watts", and control must not guess which one the firmware meant; Python tools would silently keep the
/// last) and numbers that overflow a double (1e999) or are not numbers at all where one is read. Each refusal is a
/// <see cref="FormatException"/> that the drivers turn into that miner's protocol failure.
/// </summary>
public static class TolerantJson
{
    private static readonly JsonDocumentOptions Strict = new() { AllowTrailingCommas = true, AllowDuplicateProperties = false };

    /// <param name="source">What the reply answers, for the error message (e.g. "'summary' reply").</param>
    public static JsonObject ParseObject(string text, string source)
    {
        var cleaned = text.TrimEnd('\0', ' ', '\r', '\n', '\t').TrimStart('\0', ' ', '\r', '\n', '\t');
        if (TryParse(cleaned, out var node, out _)) return node;
        var repaired = Repair(cleaned);
        if (TryParse(repaired, out node, out var problem)) return node;
        var preview = cleaned.Length > 120 ? cleaned[..120] + "…" : cleaned;
        throw new FormatException($"{source} is not JSON even after repair ({problem}): {preview}");
    }

    /// <summary>
    /// The same from the reply's UTF-8 bytes: a well-formed reply (the usual case) is parsed straight from them, with
    /// no UTF-16 copy of a multi-kilobyte status reply; anything else takes the repairing path above.
    /// </summary>
    public static JsonObject ParseObject(ReadOnlySpan<byte> utf8, string source)
    {
        var cleaned = Trim(utf8);
        if (cleaned.Length > 0)
        {
            try
            {
                if (JsonNode.Parse(cleaned, documentOptions: Strict) is JsonObject o) return o;
            }
            catch (JsonException)
            {
                // Repaired (or refused with the reason) below.
            }
        }
        return ParseObject(Encoding.UTF8.GetString(utf8), source);
    }

    /// <summary>
    /// Parses a reply as a <see cref="JsonDocument"/> over <paramref name="utf8"/> itself (no copy, no node tree) and
    /// hands its root to <paramref name="read"/>, which must take what it needs before returning: the document is
    /// disposed after. Same rules as <see cref="ParseObject(string, string)"/>: a reply that is not well-formed JSON
    /// takes the repairing path, duplicate keys and non-objects are refused.
    /// </summary>
    public static T Read<T>(ReadOnlyMemory<byte> utf8, string source, Func<JsonElement, T> read)
    {
        using var document = ParseDocument(utf8, source);
        return read(document.RootElement);
    }

    /// <summary>
    /// The document behind <see cref="Read{T}"/>, for a caller that reads the root itself (no delegate per reply) and
    /// disposes it. Its root is always an object.
    /// </summary>
    public static JsonDocument ParseDocument(ReadOnlyMemory<byte> utf8, string source)
    {
        var span = utf8.Span;
        var start = 0;
        var end = span.Length;
        while (start < end && Blank(span[start])) start++;
        while (end > start && Blank(span[end - 1])) end--;
        var cleaned = utf8[start..end];
        JsonDocument? document = null;
        try
        {
            document = JsonDocument.Parse(cleaned, Strict);
        }
        catch (JsonException)
        {
            // Repaired (or refused with the reason) below.
        }
        if (document is null)
        {
            var repaired = Encoding.UTF8.GetBytes(ParseObject(Encoding.UTF8.GetString(utf8.Span), source).ToJsonString());
            document = JsonDocument.Parse(repaired, Strict);
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new FormatException($"{source} is not JSON even after repair (not an object)");
        }
        return document;
    }

    private static bool Blank(byte b) => b is 0 or (byte)' ' or (byte)'\r' or (byte)'\n' or (byte)'\t';

    /// <summary><see cref="Number(JsonNode?)"/> for a <see cref="JsonElement"/> (absent = default element).</summary>
    public static double? Number(JsonElement e, string where)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Undefined or JsonValueKind.Null:
                return null;
            case JsonValueKind.Number:
                return e.TryGetDouble(out var d) && double.IsFinite(d)
                    ? d
                    : throw new FormatException($"number {Preview(e.GetRawText())} at {where} is out of range");
            case JsonValueKind.String:
                var s = e.GetString()!;
                var digits = new string(s.TakeWhile(ch => char.IsDigit(ch) || ch is '.' or '-' or '+' or 'e' or 'E').ToArray());
                if (double.TryParse(digits, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out d))
                    return double.IsFinite(d) ? d : throw new FormatException($"number {Preview(e.GetRawText())} at {where} is out of range");
                return null;
            case JsonValueKind.True:
                return 1;
            case JsonValueKind.False:
                return 0;
            default:
                throw new FormatException($"expected a number at {where}, got {e.ValueKind}");
        }
    }

    /// <summary><see cref="Text(JsonNode?)"/> for a <see cref="JsonElement"/> (absent = default element).</summary>
    public static string? Text(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Undefined or JsonValueKind.Null => null,
        JsonValueKind.String => e.GetString(),
        _ => e.GetRawText(),
    };

    /// <summary>A property of an object element, or the default (Undefined) element.</summary>
    public static JsonElement Get(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? v : default;

    /// <summary><see cref="First(JsonObject, string)"/> for a <see cref="JsonElement"/>.</summary>
    public static JsonElement First(JsonElement reply, string section)
    {
        var node = Get(reply, section);
        if (node.ValueKind == JsonValueKind.Undefined) node = Get(reply, section.ToLowerInvariant());
        return node.ValueKind switch
        {
            JsonValueKind.Array when node.GetArrayLength() > 0 && node[0].ValueKind == JsonValueKind.Object => node[0],
            JsonValueKind.Object => node,
            _ => default,
        };
    }

    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> s)
    {
        var start = 0;
        var end = s.Length;
        while (start < end && Blank(s[start])) start++;
        while (end > start && Blank(s[end - 1])) end--;
        return s[start..end];
    }

    private static bool TryParse(string text, out JsonObject node, out string problem)
    {
        node = null!;
        problem = "empty";
        if (text.Length == 0) return false;
        try
        {
            if (JsonNode.Parse(text, documentOptions: Strict) is JsonObject o)
            {
                node = o;
                return true;
            }
            problem = "not an object";
        }
        catch (JsonException ex)
        {
            problem = ex.Message;
        }
        return false;
    }

    /// <summary>One pass outside string literals, plus the missing-comma fix that needs the literal boundaries.</summary>
    public static string Repair(string text)
    {
        var s = text.Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal);
        s = s.TrimStart(',', ' ');
        var sb = new StringBuilder(s.Length + 16);
        var inString = false;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (inString)
            {
                sb.Append(c);
                if (c == '\\' && i + 1 < s.Length) sb.Append(s[++i]);
                else if (c == '"')
                {
                    inString = false;
                    // ""temp0 : a string value immediately followed by the next key's quote.
                    if (i + 1 < s.Length && s[i + 1] == '"') sb.Append(',');
                }
                continue;
            }
            switch (c)
            {
                case '"':
                    inString = true;
                    sb.Append(c);
                    break;
                case '}' when NextNonSpace(s, i + 1) == '{':
                    sb.Append("},");
                    break;
                case ',' when NextNonSpace(s, i + 1) is '}' or ']':
                    break;
                case ',' when PrevNonSpace(sb) is '[' or '{' or ',':
                    break;
                default:
                    if (IsBareWord(s, i, "inf") || IsBareWord(s, i, "nan"))
                    {
                        sb.Append("null");
                        i += 2;
                    }
                    else if (IsBareWord(s, i, "-inf"))
                    {
                        sb.Append("null");
                        i += 3;
                    }
                    else sb.Append(c);
                    break;
            }
        }
        return sb.ToString();
    }

    private static char NextNonSpace(string s, int from)
    {
        for (var i = from; i < s.Length; i++) if (!char.IsWhiteSpace(s[i])) return s[i];
        return '\0';
    }

    private static char PrevNonSpace(StringBuilder sb)
    {
        for (var i = sb.Length - 1; i >= 0; i--) if (!char.IsWhiteSpace(sb[i])) return sb[i];
        return '\0';
    }

    private static bool IsBareWord(string s, int i, string word) =>
        string.CompareOrdinal(s, i, word, 0, word.Length) == 0
        && (i + word.Length >= s.Length || !char.IsLetterOrDigit(s[i + word.Length]))
        && (i == 0 || !char.IsLetterOrDigit(s[i - 1]));

    /// <summary>
    /// A number that firmwares send as a number or a numeric string ("3250 W"); null when absent or a non-numeric
    /// string ("", "N/A"). A value that overflows a double (1e999 parses as infinity), or an object or array where a
    /// number belongs, is a <see cref="FormatException"/>: read as 0 or null it would pass for a sleeping miner.
    /// </summary>
    public static double? Number(JsonNode? node)
    {
        if (node is null) return null;
        if (node is not JsonValue v) throw new FormatException($"expected a number at {node.GetPath()}, got {node.GetValueKind()}");
        if (v.TryGetValue<double>(out var d)) return Finite(d, v);
        if (v.TryGetValue<long>(out var l)) return l;
        if (v.TryGetValue<string>(out var s))
        {
            var digits = new string(s.TakeWhile(ch => char.IsDigit(ch) || ch is '.' or '-' or '+' or 'e' or 'E').ToArray());
            if (double.TryParse(digits, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out d)) return Finite(d, v);
        }
        if (v.TryGetValue<bool>(out var b)) return b ? 1 : 0;
        return null;
    }

    private static double Finite(double value, JsonValue node) => double.IsFinite(value)
        ? value
        : throw new FormatException($"number {Preview(node.ToJsonString())} at {node.GetPath()} is out of range");

    private static string Preview(string s) => s.Length > 40 ? s[..40] + "…" : s;

    public static string? Text(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v => v.ToJsonString(),
        null => null,
        _ => node.ToJsonString(),
    };

    /// <summary>First element of a section that firmwares return either as an array or as a bare object.</summary>
    public static JsonObject? First(JsonObject reply, string section)
    {
        var node = reply[section] ?? reply[section.ToLowerInvariant()];
        return node switch
        {
            JsonArray a when a.Count > 0 => a[0] as JsonObject,
            JsonObject o => o,
            _ => null,
        };
    }
}
