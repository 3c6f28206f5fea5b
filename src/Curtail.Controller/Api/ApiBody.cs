using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Curtail.Core;
using Microsoft.AspNetCore.Http;

namespace Curtail.Controller.Api;

/// <summary>A request body larger than <see cref="ApiLimits.MaxRequestBodyBytes"/>: answered 413, with nothing read into a request.</summary>
public sealed class RequestBodyTooLargeException(string message) : InvalidInputException("body", null, message);

/// <summary>
/// Reads a request body strictly: valid JSON, an object, only the request's own fields (each once), numbers as JSON
/// numbers (never "NaN" or "Infinity"). Anything else is an <see cref="InvalidInputException"/> naming the field.
/// </summary>
public static class ApiBody
{
    public static readonly JsonSerializerOptions JsonIn = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.Strict,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static async Task<T> ReadAsync<T>(HttpContext http)
    {
        JsonElement root;
        try
        {
            using var document = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
            root = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new InvalidInputException("body", (int?)ex.LineNumber + 1, $"not valid JSON for this request: {ex.Message}");
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new RequestBodyTooLargeException($"larger than {ApiLimits.MaxRequestBodyBytes} bytes");
        }
        if (root.ValueKind != JsonValueKind.Object) throw new InvalidInputException("body", null, $"must be a JSON object, got {root.ValueKind.ToString().ToLowerInvariant()}");
        RefuseUnknownAndRepeatedFields<T>(root);
        try
        {
            return root.Deserialize<T>(JsonIn) ?? throw new InvalidInputException("body", null, "the request needs a JSON body");
        }
        catch (JsonException ex)
        {
            throw ApiFieldError.From<T>(ex, root);
        }
    }

    /// <summary>The fields a request type accepts, as they are spelled on the wire.</summary>
    public static IReadOnlyList<string> FieldsOf<T>() => typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Select(p => JsonIn.PropertyNamingPolicy!.ConvertName(p.Name)).ToList();

    // A misspelt field silently ignored would leave a setting unchanged while the caller believes it applied.
    private static void RefuseUnknownAndRepeatedFields<T>(JsonElement root)
    {
        var known = FieldsOf<T>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var unknown = new List<string>();
        foreach (var property in root.EnumerateObject())
        {
            if (!known.Contains(property.Name)) unknown.Add(ApiLimits.Shorten(property.Name));
            else if (!seen.Add(property.Name)) throw new InvalidInputException(property.Name, null, "is given more than once");
        }
        if (unknown.Count > 0)
            throw new InvalidInputException(unknown[0], null,
                $"unknown field{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown.Select(u => $"'{u}'"))} (this request takes: {string.Join(", ", known)})");
    }
}
