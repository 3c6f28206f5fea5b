using System.Net;
using System.Text.Json.Nodes;
using Curtail.Miners.Protocols;

namespace Curtail.Miners.Drivers;

/// <summary>
/// A JSON web API behind a login token (Braiins REST, Vnish): logs in lazily, sends the token in Authorization,
/// and on 401 logs in again once (the token expired or the miner rebooted).
/// </summary>
internal sealed class TokenWebApi
{
    private readonly string _minerId;
    private readonly Uri _base;
    private readonly Func<(string Path, string Body)> _login;
    private readonly string _scheme;
    private readonly TimeSpan _timeout;
    private readonly SemaphoreSlim _loginGate = new(1, 1);
    private string? _token;

    public TokenWebApi(string minerId, Uri baseUri, Func<(string Path, string Body)> login, string scheme, TimeSpan timeout)
    {
        _minerId = minerId;
        _base = baseUri;
        _login = login;
        _scheme = scheme;
        _timeout = timeout;
    }

    public async Task<JsonNode> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var token = await TokenAsync(forceNew: attempt > 0, ct).ConfigureAwait(false);
            var reply = await MinerHttp.SendAsync(_minerId, method, new Uri(_base, path), body?.ToJsonString(),
                _scheme + token, _timeout, ct).ConfigureAwait(false);
            if (reply.Status == HttpStatusCode.Unauthorized && attempt == 0) continue;
            if (reply.Status == HttpStatusCode.Unauthorized)
                throw new MinerException(_minerId, MinerFailureKind.Authentication, $"{path}: token refused right after login");
            if ((int)reply.Status >= 400)
                throw new MinerException(_minerId, MinerFailureKind.Rejected, $"{method} {path}: HTTP {(int)reply.Status} {Trim(reply.Body)}");
            if (string.IsNullOrWhiteSpace(reply.Body)) return new JsonObject();
            try
            {
                var trimmed = reply.Body.TrimStart();
                return trimmed.StartsWith('[')
                    ? JsonNode.Parse(trimmed, documentOptions: new System.Text.Json.JsonDocumentOptions { AllowDuplicateProperties = false }) ?? new JsonArray()
                    : TolerantJson.ParseObject(reply.Body, $"{method} {path} reply");
            }
            catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException)
            {
                throw new MinerException(_minerId, MinerFailureKind.Protocol, $"{path}: {ex.Message}", ex);
            }
        }
    }

    private static string Trim(string s) => s.Length > 160 ? s[..160] + "…" : s;

    private async Task<string> TokenAsync(bool forceNew, CancellationToken ct)
    {
        await _loginGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!forceNew && _token is not null) return _token;
            var (path, body) = _login();
            var reply = await MinerHttp.SendAsync(_minerId, HttpMethod.Post, new Uri(_base, path), body, null, _timeout, ct).ConfigureAwait(false);
            if (reply.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                throw new MinerException(_minerId, MinerFailureKind.Authentication, $"login at {path} refused (HTTP {(int)reply.Status}): check credentials");
            if (reply.Status != HttpStatusCode.OK)
                throw new MinerException(_minerId, MinerFailureKind.Rejected, $"login at {path}: HTTP {(int)reply.Status} (REST login path differs by firmware version)");
            JsonObject json;
            try
            {
                json = TolerantJson.ParseObject(reply.Body, $"login {path} reply");
            }
            catch (FormatException ex)
            {
                throw new MinerException(_minerId, MinerFailureKind.Protocol, ex.Message, ex);
            }
            _token = TolerantJson.Text(json["token"]) ?? throw new MinerException(_minerId, MinerFailureKind.Protocol, $"{path}: reply has no token");
            return _token;
        }
        finally
        {
            _loginGate.Release();
        }
    }
}
