using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Curtail.Core;

namespace Curtail.Cli.Commands;

/// <summary>The CLI side of the controller's REST API: the same validation, audit and roles apply, server-side.</summary>
internal static class ControllerClient
{
    public static readonly Option<string> Url = new("--url") { Description = "Controller address (or the CURTAIL_URL environment variable).", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CURTAIL_URL") ?? "http://127.0.0.1:8080" };
    public static readonly Option<string?> Token = new("--token") { Description = "API token (default: the CURTAIL_TOKEN environment variable, so it stays out of shell history)." };

    /// <summary>`--json`: the API's JSON instead of the table a terminal gets (redirected output is always JSON).</summary>
    public static Option<bool> JsonOption(Command c)
    {
        var json = new Option<bool>("--json") { Description = "Print the API's JSON instead of a table (redirected output is JSON anyway)." };
        c.Options.Add(json);
        return json;
    }

    public static Command With(Command c, bool write)
    {
        c.Options.Add(Url);
        if (write) c.Options.Add(Token);
        return c;
    }

    /// <summary>Sends the request and prints the reply: as indented JSON, or through <paramref name="render"/> when given.</summary>
    public static async Task<int> SendAsync(ParseResult p, HttpMethod method, string path, object? body, CancellationToken ct,
        Action<JsonElement, TextWriter>? render = null)
    {
        using var http = new HttpClient { BaseAddress = new Uri(p.GetValue(Url)!), Timeout = TimeSpan.FromSeconds(30) };
        var request = new HttpRequestMessage(method, path);
        if (method != HttpMethod.Get)
        {
            var token = p.GetValue(Token) ?? Environment.GetEnvironmentVariable("CURTAIL_TOKEN")
                ?? throw new InvalidInputException("--token", null, "this changes the controller: give --token or set CURTAIL_TOKEN");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        if (body is not null) request.Content = JsonContent.Create(body, options: JsonOutput.Options);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct);
        }
        catch (HttpRequestException ex)
        {
            throw new InvalidOperationException($"cannot reach the controller at {http.BaseAddress}: {ex.Message}");
        }
        var text = await response.Content.ReadAsStringAsync(ct);
        var output = p.InvocationConfiguration.Output;
        if (!response.IsSuccessStatusCode)
        {
            var error = TryError(text) ?? text;
            p.InvocationConfiguration.Error.WriteLine($"error: {(int)response.StatusCode} {response.ReasonPhrase}: {error}");
            return (int)response.StatusCode is >= 400 and < 500 ? CurtailApp.ExitBadInput : CurtailApp.ExitFailure;
        }
        if (text.Length == 0) return CurtailApp.ExitOk;
        if (render is null) output.WriteLine(Pretty(text));
        else render(JsonDocument.Parse(text).RootElement, output);
        return CurtailApp.ExitOk;
    }

    private static string? TryError(string text)
    {
        try
        {
            return JsonDocument.Parse(text).RootElement.TryGetProperty("error", out var e) ? e.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // Times keep their "+00:00" and text its quotes: this is read by people and scripts, never pasted into HTML.
    private static readonly JsonSerializerOptions PrettyOptions = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Pretty(string json)
    {
        try
        {
            return JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement, PrettyOptions);
        }
        catch (JsonException)
        {
            return json;
        }
    }
}
