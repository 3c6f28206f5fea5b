using System.Reflection;
using System.Text.Json;
using Curtail.Core;

namespace Curtail.Controller.Api;

/// <summary>
/// Turns a request body that is valid JSON but has a value of the wrong type into an error naming the field, what
/// it must be and what was sent (`test: must be true or false, got "yes"`), rather than the serializer's CLR type names.
/// </summary>
public static class ApiFieldError
{
    public static InvalidInputException From<T>(JsonException ex, JsonElement body)
    {
        var field = FieldOf(ex.Path);
        var property = field is null ? null : typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .FirstOrDefault(p => ControllerApi.JsonOut.PropertyNamingPolicy!.ConvertName(p.Name) == field);
        if (field is null || property is null)
            return new InvalidInputException("body", (int?)ex.LineNumber + 1, $"not valid for this request: {ex.Message}");
        var sent = body.ValueKind == JsonValueKind.Object && body.TryGetProperty(field, out var v) ? v.GetRawText() : "another type";
        return new InvalidInputException(field, null, $"must be {Expected(property.PropertyType)}, got {sent}");
    }

    /// <summary>The top-level member a serializer path points into: "$.test" and "$.release_at" name fields; "$" does not.</summary>
    private static string? FieldOf(string? path)
    {
        if (path is null || !path.StartsWith("$.", StringComparison.Ordinal)) return null;
        var rest = path[2..];
        var end = rest.IndexOfAny(['.', '[']);
        return end < 0 ? rest : rest[..end];
    }

    private static string Expected(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t == typeof(bool)) return "true or false";
        if (t == typeof(int) || t == typeof(long)) return "a whole number";
        if (t == typeof(double) || t == typeof(decimal) || t == typeof(float)) return "a number";
        if (t == typeof(DateTimeOffset) || t == typeof(DateTime)) return "an ISO-8601 time with its offset (2023-08-17T16:30:00-05:00)";
        if (t == typeof(string)) return "a string";
        return $"a {t.Name}";
    }
}
