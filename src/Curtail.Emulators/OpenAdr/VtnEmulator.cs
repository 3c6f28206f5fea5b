using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Curtail.Emulators.OpenAdr;

/// <summary>
/// An OpenADR 3.0.1 VTN on loopback (openadr3.yaml, grid-coordination/openadr3-specification): the client-credentials
/// token endpoint (/auth/token, form-encoded as RFC 6749), and /programs, /events, /reports and /vens with search
/// filters and skip/limit paging (limit at most 50). Objects are kept as JSON as clients send them, with the
/// VTN-provisioned id, createdDateTime, modificationDateTime and objectType added. Every path but the token needs a
/// bearer token it issued and that has not expired; errors are problem objects. Scopes are not enforced: any client it
/// knows may read and write everything (an operator publishes events with one client, the VEN reads them with another).
/// </summary>
public sealed class VtnEmulator : IAsyncDisposable
{
    public const string TokenPath = "/auth/token";
    public const int MaxLimit = 50;

    private readonly VtnEmulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (string Client, DateTimeOffset Expires)> _tokens = [];
    private readonly Dictionary<string, List<JsonObject>> _objects = new()
    {
        ["programs"] = [], ["events"] = [], ["reports"] = [], ["vens"] = [],
    };
    private int _nextId;
    private Task? _loop;

    public VtnEmulator(VtnEmulatorOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        foreach (var name in options.Programs) AddProgram(name);
    }

    public int Port { get; private set; }
    public string BaseUrl => $"http://127.0.0.1:{Port}";
    public string TokenUrl => BaseUrl + TokenPath;

    public int TokensIssued { get; private set; }

    /// <summary>The secret of a client the VTN knows (the demo hands it to the VEN and prints the operator's).</summary>
    public string Secret(string clientId) => _options.Clients[clientId];

    /// <summary>GET requests per collection path (programs, events, ...), for tests of paging.</summary>
    public IReadOnlyDictionary<string, int> Searches
    {
        get { lock (_lock) return new Dictionary<string, int>(_searches); }
    }

    private readonly Dictionary<string, int> _searches = [];

    public void Start()
    {
        Port = _options.Port != 0 ? _options.Port : LoopbackPort.Free();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(() => AcceptLoopAsync(_stop.Token));
    }

    /// <summary>Creates a program (as an operator would) and returns its id.</summary>
    public string AddProgram(string name, JsonArray? payloadDescriptors = null) => Create("programs", new JsonObject
    {
        ["programName"] = name,
        ["payloadDescriptors"] = payloadDescriptors ?? new JsonArray(
            new JsonObject { ["objectType"] = "EVENT_PAYLOAD_DESCRIPTOR", ["payloadType"] = "IMPORT_CAPACITY_LIMIT", ["units"] = "KW" },
            new JsonObject { ["objectType"] = "EVENT_PAYLOAD_DESCRIPTOR", ["payloadType"] = "PRICE", ["units"] = "KWH", ["currency"] = "USD" }),
    })["id"]!.GetValue<string>();

    public string? ProgramId(string name)
    {
        lock (_lock) return _objects["programs"].FirstOrDefault(p => p["programName"]?.GetValue<string>() == name)?["id"]?.GetValue<string>();
    }

    /// <summary>Publishes an event (programID and intervals required) and returns its id.</summary>
    public string PublishEvent(JsonObject e)
    {
        var problem = Validate("events", e);
        if (problem is not null) throw new ArgumentException(problem);
        return Create("events", e)["id"]!.GetValue<string>();
    }

    /// <summary>
    /// Replaces an event's content as an operator's PUT /events/{id} does (id and creation time kept, a new
    /// modificationDateTime): how a VTN changes an event already published.
    /// </summary>
    public void UpdateEvent(string id, JsonObject e)
    {
        if (Validate("events", e) is { } problem) throw new ArgumentException(problem);
        lock (_lock)
        {
            var list = _objects["events"];
            var existing = list.FirstOrDefault(o => o["id"]?.GetValue<string>() == id) ?? throw new ArgumentException($"no event '{id}'");
            var updated = (JsonObject)e.DeepClone();
            foreach (var kept in new[] { "id", "createdDateTime", "objectType" }) updated[kept] = existing[kept]?.DeepClone();
            updated["modificationDateTime"] = _time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
            list[list.IndexOf(existing)] = updated;
        }
    }

    /// <summary>Deletes an event: how a VTN cancels it.</summary>
    public bool DeleteEvent(string id)
    {
        lock (_lock) return _objects["events"].RemoveAll(o => o["id"]?.GetValue<string>() == id) > 0;
    }

    public IReadOnlyList<JsonObject> Reports
    {
        get { lock (_lock) return _objects["reports"].Select(r => (JsonObject)r.DeepClone()).ToList(); }
    }

    public IReadOnlyList<JsonObject> Vens
    {
        get { lock (_lock) return _objects["vens"].Select(r => (JsonObject)r.DeepClone()).ToList(); }
    }

    private JsonObject Create(string collection, JsonObject o)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
            o = (JsonObject)o.DeepClone();
            o["id"] = $"{collection.TrimEnd('s')}-{++_nextId}";
            o["createdDateTime"] = now;
            o["modificationDateTime"] = now;
            o["objectType"] = collection.TrimEnd('s').ToUpperInvariant();
            _objects[collection].Add(o);
            return (JsonObject)o.DeepClone();
        }
    }

    private async Task AcceptLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            _ = Task.Run(() => Serve(context), ct);
        }
    }

    private void Serve(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            var (status, body) = Handle(context.Request);
            var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
            response.StatusCode = status;
            response.ContentType = "application/json";
            response.ContentLength64 = bytes.Length;
            response.OutputStream.Write(bytes);
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException)
        {
            // The client went away.
        }
        finally
        {
            try { response.Close(); } catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException) { }
        }
    }

    private static (int, JsonNode) Problem(int status, string title, string detail) =>
        (status, new JsonObject { ["type"] = "about:blank", ["title"] = title, ["status"] = status, ["detail"] = detail });

    private (int Status, JsonNode Body) Handle(HttpListenerRequest request)
    {
        var path = request.Url!.AbsolutePath.TrimEnd('/');
        string text;
        using (var reader = new StreamReader(request.InputStream, Encoding.UTF8)) text = reader.ReadToEnd();
        if (path == TokenPath) return request.HttpMethod == "POST" ? Token(text) : Problem(405, "Method Not Allowed", "POST a client_credentials form");
        if (!Authorized(request.Headers["Authorization"])) return Problem(401, "Unauthorized", "a bearer token from /auth/token is required");
        var parts = path.Trim('/').Split('/');
        if (parts.Length is < 1 or > 2 || !_objects.ContainsKey(parts[0])) return Problem(404, "Not Found", $"no resource {path}");
        var collection = parts[0];
        var id = parts.Length == 2 ? parts[1] : null;
        JsonObject? body = null;
        if (request.HttpMethod is "POST" or "PUT")
        {
            try { body = JsonNode.Parse(text) as JsonObject; }
            catch (JsonException ex) { return Problem(400, "Bad Request", $"body is not JSON: {ex.Message}"); }
            if (body is null) return Problem(400, "Bad Request", "body must be a JSON object");
            if (Validate(collection, body) is { } problem) return Problem(400, "Bad Request", problem);
        }
        lock (_lock)
        {
            var list = _objects[collection];
            var existing = id is null ? null : list.FirstOrDefault(o => o["id"]?.GetValue<string>() == id);
            switch (request.HttpMethod, id)
            {
                case ("GET", null): return Search(collection, list, request.QueryString);
                case ("POST", null): return (201, Create(collection, body!));
                case ("GET", _): return existing is null ? Problem(404, "Not Found", $"no {collection} '{id}'") : (200, existing.DeepClone());
                case ("PUT", _) when existing is not null:
                    var updated = (JsonObject)body!.DeepClone();
                    foreach (var kept in new[] { "id", "createdDateTime", "objectType" }) updated[kept] = existing[kept]?.DeepClone();
                    updated["modificationDateTime"] = _time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
                    list[list.IndexOf(existing)] = updated;
                    return (200, updated.DeepClone());
                case ("DELETE", _) when existing is not null:
                    list.Remove(existing);
                    return (200, existing.DeepClone());
                case ("PUT" or "DELETE", _): return Problem(404, "Not Found", $"no {collection} '{id}'");
                default: return Problem(405, "Method Not Allowed", $"{request.HttpMethod} {path}");
            }
        }
    }

    private (int, JsonNode) Search(string collection, List<JsonObject> list, System.Collections.Specialized.NameValueCollection q)
    {
        _searches[collection] = _searches.GetValueOrDefault(collection) + 1;
        if (!Int(q["skip"], 0, out var skip) || skip < 0) return Problem(400, "Bad Request", $"skip must be a whole number >= 0, got '{q["skip"]}'");
        if (!Int(q["limit"], MaxLimit, out var limit) || limit is < 0 or > MaxLimit) return Problem(400, "Bad Request", $"limit must be 0..{MaxLimit}, got '{q["limit"]}'");
        IEnumerable<JsonObject> found = list;
        foreach (var (param, field) in new[] { ("programID", "programID"), ("eventID", "eventID"), ("clientName", "clientName"), ("venName", "venName") })
            if (q[param] is { } value) found = found.Where(o => o[field]?.GetValue<string>() == value);
        return (200, new JsonArray(found.Skip(skip).Take(limit).Select(o => o.DeepClone()).ToArray()));
    }

    private static bool Int(string? text, int fallback, out int value)
    {
        if (text is null) { value = fallback; return true; }
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>The spec's required properties of what a client creates; null when it has them.</summary>
    private string? Validate(string collection, JsonObject o)
    {
        string[] required = collection switch
        {
            "programs" => ["programName"],
            "events" => ["programID", "intervals"],
            "reports" => ["programID", "eventID", "clientName", "resources"],
            "vens" => ["venName"],
            _ => [],
        };
        if (required.FirstOrDefault(k => o[k] is null) is { } missing) return $"{collection.TrimEnd('s')} needs {missing}";
        if (collection is "events" or "reports")
        {
            var programId = o["programID"]!.GetValueKind() == JsonValueKind.String ? o["programID"]!.GetValue<string>() : "";
            lock (_lock)
                if (!_objects["programs"].Any(p => p["id"]?.GetValue<string>() == programId)) return $"no program '{programId}'";
        }
        return null;
    }

    private (int, JsonNode) Token(string form)
    {
        var fields = form.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(kv => kv.Split('=', 2))
            .ToDictionary(kv => Uri.UnescapeDataString(kv[0].Replace('+', ' ')), kv => kv.Length > 1 ? Uri.UnescapeDataString(kv[1].Replace('+', ' ')) : "");
        if (fields.GetValueOrDefault("grant_type") != "client_credentials")
            return (400, new JsonObject { ["error"] = "unsupported_grant_type", ["error_description"] = "grant_type must be client_credentials" });
        var client = fields.GetValueOrDefault("client_id");
        if (client is null || !_options.Clients.TryGetValue(client, out var secret) || secret != fields.GetValueOrDefault("client_secret"))
            return (400, new JsonObject { ["error"] = "invalid_client", ["error_description"] = "client authentication failed" });
        var token = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        lock (_lock)
        {
            _tokens[token] = (client, _time.GetUtcNow() + _options.TokenLifetime);
            TokensIssued++;
        }
        return (200, new JsonObject { ["access_token"] = token, ["token_type"] = "Bearer", ["expires_in"] = (int)_options.TokenLifetime.TotalSeconds });
    }

    private bool Authorized(string? header)
    {
        if (header is null || !header.StartsWith("Bearer ", StringComparison.Ordinal)) return false;
        lock (_lock) return _tokens.TryGetValue(header[7..], out var t) && _time.GetUtcNow() < t.Expires;
    }

    /// <summary>Revokes every token issued (as a VTN restart would): clients must fetch new ones.</summary>
    public void RevokeTokens()
    {
        lock (_lock) _tokens.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { _listener.Stop(); _listener.Close(); } catch (ObjectDisposedException) { }
        if (_loop is not null) await _loop;
        _stop.Dispose();
    }
}
