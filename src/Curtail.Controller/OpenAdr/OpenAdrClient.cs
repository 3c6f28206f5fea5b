using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Curtail.Controller.OpenAdr;

/// <summary>A VTN answered with an error, or not at all: the request, the status and the VTN's problem text.</summary>
public sealed class OpenAdrException(string message, HttpStatusCode? status = null, Exception? inner = null) : Exception(message, inner)
{
    public HttpStatusCode? Status { get; } = status;
}

/// <summary>
/// An OpenADR 3.0 VEN's side of the VTN's REST API (openadr3.yaml 3.0.1): a bearer token from the OAuth 2
/// client-credentials flow, kept until shortly before it expires and fetched again after a 401; programs and events
/// read page by page (skip/limit, at most 50 per page as the spec allows); the VEN registered by name; reports posted.
/// </summary>
public sealed class OpenAdrClient(HttpClient http, OpenAdrConfig config, TimeProvider time)
{
    /// <summary>The spec's maximum page size for searches.</summary>
    public const int PageSize = 50;

    private readonly SemaphoreSlim _tokenLock = new(1, 1);
    private string? _token;
    private DateTimeOffset _tokenExpires;

    public int TokensFetched { get; private set; }

    public async Task<string> TokenAsync(CancellationToken ct, bool refresh = false)
    {
        await _tokenLock.WaitAsync(ct);
        try
        {
            if (!refresh && _token is not null && time.GetUtcNow() < _tokenExpires) return _token;
            using var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials", ["client_id"] = config.ClientId, ["client_secret"] = config.ClientSecret,
            });
            using var response = await Send(() => http.PostAsync(config.EffectiveTokenUrl, form, ct), "POST", config.EffectiveTokenUrl);
            var body = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
                throw new OpenAdrException($"OpenADR token request to {config.EffectiveTokenUrl} for client '{config.ClientId}' refused: HTTP {(int)response.StatusCode} {Shorten(body)}", response.StatusCode);
            var token = Parse<OadrTokenResponse>(body, config.EffectiveTokenUrl);
            if (string.IsNullOrEmpty(token.AccessToken) || !string.Equals(token.TokenType, "Bearer", StringComparison.OrdinalIgnoreCase))
                throw new OpenAdrException($"OpenADR token response from {config.EffectiveTokenUrl} has no bearer access_token (token_type '{token.TokenType}')");
            // A minute's margin (or a tenth of a short lifetime), so a token never expires between being read and being used.
            var lifetime = TimeSpan.FromSeconds(token.ExpiresIn is > 0 ? token.ExpiresIn.Value : 3600);
            _tokenExpires = time.GetUtcNow() + lifetime - TimeSpan.FromTicks(Math.Min(TimeSpan.TicksPerMinute, lifetime.Ticks / 10));
            _token = token.AccessToken;
            TokensFetched++;
            return _token;
        }
        finally
        {
            _tokenLock.Release();
        }
    }

    public Task<IReadOnlyList<OadrProgram>> ProgramsAsync(CancellationToken ct) => SearchAsync<OadrProgram>("programs", [], ct);

    public Task<IReadOnlyList<OadrEvent>> EventsAsync(string programId, CancellationToken ct) =>
        SearchAsync<OadrEvent>("events", [("programID", programId)], ct);

    public Task<IReadOnlyList<OadrReport>> ReportsAsync(string eventId, string clientName, CancellationToken ct) =>
        SearchAsync<OadrReport>("reports", [("eventID", eventId), ("clientName", clientName)], ct);

    public async Task<OadrReport> PostReportAsync(OadrReport report, CancellationToken ct) =>
        await SendJsonAsync<OadrReport>(HttpMethod.Post, "reports", report, ct);

    /// <summary>The VEN object of this VEN's name, created when the VTN does not have it yet.</summary>
    public async Task<OadrVen> EnsureVenAsync(CancellationToken ct)
    {
        var vens = await SearchAsync<OadrVen>("vens", [("venName", config.VenName)], ct);
        return vens.FirstOrDefault(v => v.VenName == config.VenName)
            ?? await SendJsonAsync<OadrVen>(HttpMethod.Post, "vens", new OadrVen { VenName = config.VenName }, ct);
    }

    /// <summary>Every page of a search, in the VTN's order.</summary>
    private async Task<IReadOnlyList<T>> SearchAsync<T>(string path, IReadOnlyList<(string Key, string Value)> query, CancellationToken ct)
    {
        var all = new List<T>();
        for (var skip = 0; ; skip += PageSize)
        {
            var q = string.Join('&', query.Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}").Append($"skip={skip}").Append($"limit={PageSize}"));
            var page = await SendJsonAsync<List<T>>(HttpMethod.Get, $"{path}?{q}", null, ct);
            all.AddRange(page);
            if (page.Count < PageSize) return all;
            if (all.Count > 100_000) throw new OpenAdrException($"OpenADR {path}: more than 100000 objects; the VTN's paging does not end");
        }
    }

    private async Task<T> SendJsonAsync<T>(HttpMethod method, string relative, object? body, CancellationToken ct)
    {
        var url = config.VtnUrl.TrimEnd('/') + "/" + relative;
        for (var attempt = 0; ; attempt++)
        {
            var token = await TokenAsync(ct, refresh: attempt > 0);
            using var request = new HttpRequestMessage(method, url);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (body is not null) request.Content = JsonContent.Create(body, body.GetType(), options: OadrJson.Options);
            using var response = await Send(() => http.SendAsync(request, ct), method.Method, url);
            var text = await response.Content.ReadAsStringAsync(ct);
            // An expired or revoked token: fetch a new one once, then give up with the VTN's words.
            if (response.StatusCode == HttpStatusCode.Unauthorized && attempt == 0) continue;
            if (!response.IsSuccessStatusCode)
                throw new OpenAdrException($"OpenADR {method} {url}: HTTP {(int)response.StatusCode} {Problem(text)}", response.StatusCode);
            return Parse<T>(text, url);
        }
    }

    private static async Task<HttpResponseMessage> Send(Func<Task<HttpResponseMessage>> send, string method, string url)
    {
        try
        {
            return await send();
        }
        catch (HttpRequestException ex)
        {
            throw new OpenAdrException($"OpenADR {method} {url}: {ex.Message}", null, ex);
        }
        catch (TaskCanceledException ex) when (ex.InnerException is TimeoutException)
        {
            throw new OpenAdrException($"OpenADR {method} {url}: no answer in time", null, ex);
        }
    }

    private static T Parse<T>(string text, string url)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(text, OadrJson.Options) ?? throw new OpenAdrException($"OpenADR {url}: empty answer");
        }
        catch (JsonException ex)
        {
            throw new OpenAdrException($"OpenADR {url}: answer is not the expected JSON ({ex.Message}): {Shorten(text)}", null, ex);
        }
    }

    private static string Problem(string text)
    {
        try
        {
            var p = JsonSerializer.Deserialize<OadrProblem>(text, OadrJson.Options);
            if (p?.Title is not null || p?.Detail is not null) return $"{p.Title}: {p.Detail}".Trim(' ', ':');
        }
        catch (JsonException)
        {
        }
        return Shorten(text);
    }

    private static string Shorten(string text) => text.Length > 300 ? text[..300] + "…" : text;
}
