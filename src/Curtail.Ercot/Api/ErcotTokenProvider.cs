using System.Net.Http.Json;
using System.Text.Json;
using Curtail.Core;

namespace Curtail.Ercot.Api;

/// <summary>
/// Gets the ID token ERCOT's Public API wants with every call (Azure B2C resource-owner password grant) and
/// renews it before it expires. The token and password are never logged or put in exception messages.
/// </summary>
public sealed class ErcotTokenProvider
{
    private readonly HttpClient _http;
    private readonly ErcotApiCredentials _credentials;
    private readonly ErcotApiOptions _options;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _token;
    private DateTimeOffset _expires;

    public ErcotTokenProvider(HttpClient http, ErcotApiCredentials credentials, ErcotApiOptions options, TimeProvider time)
    {
        _http = http;
        _credentials = credentials;
        _options = options;
        _time = time;
    }

    /// <summary>How many tokens were fetched (for tests and diagnostics).</summary>
    public int Fetches { get; private set; }

    public async Task<string> GetAsync(CancellationToken ct, bool forceRefresh = false)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (!forceRefresh && _token is not null && _time.GetUtcNow() < _expires - _options.TokenRefreshMargin) return _token;
            var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "password",
                ["username"] = _credentials.Username,
                ["password"] = _credentials.Password,
                ["response_type"] = "id_token",
                ["scope"] = $"openid {ErcotApiOptions.ClientId} offline_access",
                ["client_id"] = ErcotApiOptions.ClientId,
            });
            using var response = await _http.PostAsync(_options.TokenUrl, form, ct);
            if (!response.IsSuccessStatusCode)
                throw new InvalidInputException(_options.TokenUrl.GetLeftPart(UriPartial.Path), null,
                    $"token request refused with HTTP {(int)response.StatusCode}; check the ERCOT API username and password");
            JsonElement body;
            try { body = await response.Content.ReadFromJsonAsync<JsonElement>(ct); }
            catch (JsonException) { throw new InvalidInputException(_options.TokenUrl.GetLeftPart(UriPartial.Path), null, "token response is not JSON"); }
            if (!body.TryGetProperty("id_token", out var token) || token.ValueKind != JsonValueKind.String)
                throw new InvalidInputException(_options.TokenUrl.GetLeftPart(UriPartial.Path), null, "token response has no id_token");
            var lifetime = 3600.0;
            if (body.TryGetProperty("expires_in", out var e))
                lifetime = e.ValueKind == JsonValueKind.Number ? e.GetDouble() : double.TryParse(e.GetString(), System.Globalization.CultureInfo.InvariantCulture, out var s) ? s : lifetime;
            _token = token.GetString()!;
            _expires = _time.GetUtcNow() + TimeSpan.FromSeconds(lifetime);
            Fetches++;
            return _token;
        }
        finally
        {
            _gate.Release();
        }
    }
}
