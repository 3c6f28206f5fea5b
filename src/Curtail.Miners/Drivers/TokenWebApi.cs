using System.Net;
using System.Text.Json;
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
    private readonly WebTarget _web;
    private readonly Func<(string Path, string Body)> _login;
    private readonly string _scheme;
    private readonly TimeSpan _timeout;
    private readonly SemaphoreSlim _loginGate = new(1, 1);
    private string? _token;

    public TokenWebApi(string minerId, Uri baseUri, Func<(string Path, string Body)> login, string scheme, TimeSpan timeout)
    {
        _minerId = minerId;
        _web = new WebTarget(baseUri);
        _login = login;
        _scheme = scheme;
        _timeout = timeout;
    }

    public async Task<JsonNode> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken ct)
    {
        var reply = await ExchangeAsync(method, path, body?.ToJsonString(), ct).ConfigureAwait(false);
        if (reply.Utf8Body.Span.Trim(" \t\r\n"u8).IsEmpty) return new JsonObject();
        try
        {
            var trimmed = reply.Body.TrimStart();
            return trimmed.StartsWith('[')
                ? JsonNode.Parse(trimmed, documentOptions: new System.Text.Json.JsonDocumentOptions { AllowDuplicateProperties = false }) ?? new JsonArray()
                : TolerantJson.ParseObject(reply.Utf8Body.Span, $"{method} {path} reply");
        }
        catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException)
        {
            throw new MinerException(_minerId, MinerFailureKind.Protocol, $"{path}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// A request whose reply (a JSON object) is read by <paramref name="read"/> from a document over its bytes, with no
    /// node tree: a fleet's reads come this way. An empty reply reads as <c>{}</c>.
    /// </summary>
    public async Task<T> ReadAsync<T>(HttpMethod method, string path, Func<JsonElement, T> read, CancellationToken ct)
    {
        var reply = await ExchangeAsync(method, path, null, ct).ConfigureAwait(false);
        var utf8 = reply.Utf8Body.Span.Trim(" \t\r\n"u8).IsEmpty ? "{}"u8.ToArray() : reply.Utf8Body;
        try
        {
            using var document = TolerantJson.ParseDocument(utf8, $"{method} {path} reply");
            return read(document.RootElement);
        }
        catch (FormatException ex)
        {
            throw new MinerException(_minerId, MinerFailureKind.Protocol, $"{path}: {ex.Message}", ex);
        }
    }

    /// <summary>One request with the token, logging in again once on 401; a status of 400 or more is the miner's refusal.</summary>
    private async Task<HttpReply> ExchangeAsync(HttpMethod method, string path, string? body, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var token = await TokenAsync(forceNew: attempt > 0, ct).ConfigureAwait(false);
            var reply = await MinerHttp.SendAsync(_minerId, _web, method, path, body, _scheme + token, _timeout, ct).ConfigureAwait(false);
            if (reply.Status == HttpStatusCode.Unauthorized && attempt == 0) continue;
            if (reply.Status == HttpStatusCode.Unauthorized)
                throw new MinerException(_minerId, MinerFailureKind.Authentication, $"{path}: token refused right after login");
            if ((int)reply.Status >= 400)
                throw new MinerException(_minerId, MinerFailureKind.Rejected, $"{method} {path}: HTTP {(int)reply.Status} {Trim(reply.Body)}");
            return reply;
        }
    }

    private static string Trim(string s) => s.Length > 160 ? s[..160] + "…" : s;

    /// <summary>The token, logging in first when there is none or it was refused; once known, no wait on the login gate.</summary>
    private ValueTask<string> TokenAsync(bool forceNew, CancellationToken ct) =>
        !forceNew && Volatile.Read(ref _token) is { } known ? ValueTask.FromResult(known) : new ValueTask<string>(LogInAsync(forceNew, ct));

    private async Task<string> LogInAsync(bool forceNew, CancellationToken ct)
    {
        await _loginGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!forceNew && _token is not null) return _token;
            var (path, body) = _login();
            var reply = await MinerHttp.SendAsync(_minerId, _web, HttpMethod.Post, path, body, null, _timeout, ct).ConfigureAwait(false);
            if (reply.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                throw new MinerException(_minerId, MinerFailureKind.Authentication, $"login at {path} refused (HTTP {(int)reply.Status}): check credentials");
            if (reply.Status != HttpStatusCode.OK)
                throw new MinerException(_minerId, MinerFailureKind.Rejected, $"login at {path}: HTTP {(int)reply.Status} (REST login path differs by firmware version)");
            JsonObject json;
            try
            {
                json = TolerantJson.ParseObject(reply.Utf8Body.Span, $"login {path} reply");
            }
            catch (FormatException ex)
            {
                throw new MinerException(_minerId, MinerFailureKind.Protocol, ex.Message, ex);
            }
            var token = TolerantJson.Text(json["token"]) ?? throw new MinerException(_minerId, MinerFailureKind.Protocol, $"{path}: reply has no token");
            Volatile.Write(ref _token, token);
            return token;
        }
        finally
        {
            _loginGate.Release();
        }
    }
}
