using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Curtail.Core.LoadFollowing;

namespace Curtail.Controller.Api;

/// <summary>
/// The API's one JSON shape: snake_case keys, enums as snake_case strings, times as ISO 8601, numbers without binary
/// noise (124.6, not 124.60000000000001). Decision records are written in it, and records written by older versions
/// (camelCase keys, enums as numbers, "long ago") are brought to it when read (<see cref="Migrate"/>).
/// </summary>
public static class ApiJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        // Served as application/json, never inlined in HTML: "+00:00" and quotes in stored values stay readable.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower), new RoundedDouble() },
    };

    /// <summary>A .NET name (an enum's, or one stored by older versions: "Trader", "WhatsminerV2") in the API's enum style.</summary>
    public static string Snake(string name) => JsonNamingPolicy.SnakeCaseLower.ConvertName(name);

    /// <summary>12 significant digits: more than any measured or priced quantity has, fewer than a double's noise.</summary>
    public static double Round(double v) => double.IsFinite(v) ? double.Parse(v.ToString("G12", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : v;

    private sealed class RoundedDouble : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String
                ? double.Parse(reader.GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture)
                : reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            // A value not known (NaN: no genset reading yet) is null, as everywhere else, not the string "NaN".
            if (double.IsFinite(value)) writer.WriteNumberValue(Round(value));
            else writer.WriteNullValue();
        }
    }

    /// <summary>
    /// A stored record in today's shape: keys to snake_case, numbers rounded, "long ago" to null, groups' reasons to
    /// snake_case, and the genset's engine state, alarms and issues from the numbers older records hold to the names the status shows.
    /// </summary>
    public static JsonNode? Migrate(string json) => Migrate(JsonNode.Parse(json), null);

    private static JsonNode? Migrate(JsonNode? node, string? key)
    {
        switch (node)
        {
            case JsonObject o:
                var result = new JsonObject();
                foreach (var (k, v) in o.ToList())
                {
                    var name = JsonNamingPolicy.SnakeCaseLower.ConvertName(k);
                    result[name] = Migrate(v?.DeepClone(), name);
                }
                return result;
            case JsonArray a:
                return new JsonArray(a.Select(x => Migrate(x?.DeepClone(), null)).ToArray());
            case JsonValue v when v.GetValueKind() == JsonValueKind.Number:
                var number = v.GetValue<double>();
                return key switch
                {
                    "engine_state" => JsonSerializer.SerializeToNode((EngineState)(int)number, Options),
                    "alarms" => JsonSerializer.SerializeToNode((GensetAlarms)(int)number, Options),
                    "issues" => JsonSerializer.SerializeToNode((ReadingIssues)(int)number, Options),
                    _ => JsonValue.Create(Round(number)),
                };
            case JsonValue v when key == "since" && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() == "long ago":
                return null;
            // A group's reason as older versions wrote it ("HysteresisHold"); free-text reasons (overrides) are left alone.
            case JsonValue v when key == "reason" && v.GetValueKind() == JsonValueKind.String
                                  && Enum.TryParse<Curtail.Core.Decisions.DecisionReason>(v.GetValue<string>(), out _) && v.GetValue<string>().All(char.IsAsciiLetter):
                return JsonValue.Create(Snake(v.GetValue<string>()));
            default:
                return node;
        }
    }
}
