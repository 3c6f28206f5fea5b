using System.Net;
using System.Net.Sockets;
using System.Text;
using Curtail.Miners.Protocols.Native;

namespace Curtail.Miners.Protocols;

/// <summary>
/// A web API's reply: status, body and header lines as sent. The body stays UTF-8 until someone asks for its text
/// (<see cref="Body"/>), and the header lines are read only when asked for: a read of 3,000 Braiins OS miners is
/// 12,000 replies, whose bodies only the JSON parser looks at and whose headers nobody does.
/// </summary>
public sealed class HttpReply
{
    private readonly ReadOnlyMemory<byte> _head;
    private IReadOnlyList<KeyValuePair<string, string>>? _headers;
    private string? _body;

    /// <param name="head">The header's lines after the status line (CRLF-separated), as received.</param>
    public HttpReply(HttpStatusCode status, ReadOnlyMemory<byte> utf8Body, ReadOnlyMemory<byte> head)
    {
        Status = status;
        Utf8Body = utf8Body;
        _head = head;
    }

    public HttpReply(HttpStatusCode status, string body, IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        Status = status;
        _body = body;
        Utf8Body = Encoding.UTF8.GetBytes(body);
        _headers = headers;
    }

    public HttpStatusCode Status { get; }

    public ReadOnlyMemory<byte> Utf8Body { get; }

    public string Body => _body ??= Encoding.UTF8.GetString(Utf8Body.Span);

    /// <summary>Every header line as (name, value), names as the server spelled them.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers => _headers ??= HttpWire.HeaderList(_head.Span);

    /// <summary>The values of every header line called <paramref name="name"/> (case-insensitive), in order.</summary>
    public IEnumerable<string> HeaderValues(string name) =>
        Headers.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value);

    /// <summary>The authentication challenges (WWW-Authenticate), each as its scheme and the rest of its line.</summary>
    public IEnumerable<(string Scheme, string Parameter)> Challenges() =>
        HeaderValues("WWW-Authenticate").Select(v =>
        {
            var space = v.IndexOf(' ');
            return space < 0 ? (v, "") : (v[..space], v[(space + 1)..].Trim());
        });
}

/// <summary>
/// Where a web-API miner is, worked out once per driver: its base URI, and for the epoll path its IPv4 address and
/// the Host header (a Uri and its parse per request were a tenth of a Braiins OS read's allocations).
/// </summary>
public sealed class WebTarget
{
    public WebTarget(Uri baseUri)
    {
        BaseUri = baseUri;
        HostHeader = baseUri.IsDefaultPort ? baseUri.Host : $"{baseUri.Host}:{baseUri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        if (baseUri.Scheme == Uri.UriSchemeHttp) Ipv4 = EpollExchanger.CarriedAddress(baseUri.Host);
    }

    public Uri BaseUri { get; }

    public int Port => BaseUri.Port;

    public string HostHeader { get; }

    /// <summary>The address's bytes when the epoll exchanger carries this target's requests, else null.</summary>
    public byte[]? Ipv4 { get; }
}

/// <summary>
/// The web-API miners' requests (Antminer CGI, Braiins REST, Vnish, ePIC, discovery's probes), each one exchange
/// under a deadline. To an IPv4 literal over plain HTTP on Linux it goes through the process's epoll loop
/// (<see cref="EpollExchanger"/>, as the cgminer exchanges do): the request's bytes out, the reply read until it is
/// whole. A read of 3,000 Braiins OS miners took half the CPU and a third of the allocations it took through
/// <see cref="HttpClient"/>, which made a connection object per request (docs/miners.md, "Ninth pass"). Anything
/// else (a host name, https, another OS, or <c>CURTAIL_EPOLL_EXCHANGES=0</c>) takes one shared HttpClient. Errors
/// become <see cref="MinerException"/>s naming the miner.
/// </summary>
public static class MinerHttp
{
    private static readonly HttpClient Client = new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = 4,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        UseCookies = false,
        AllowAutoRedirect = false,
        ConnectTimeout = TimeSpan.FromSeconds(5),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private static readonly ReplyEnd HttpReplyEnd = HttpWire.IsComplete;

    /// <summary>One request to a full URI (discovery's probes); a driver keeps a <see cref="WebTarget"/> instead.</summary>
    public static Task<HttpReply> SendAsync(string minerId, HttpMethod method, Uri uri, string? body,
        string? authorization, TimeSpan timeout, CancellationToken cancellationToken, string contentType = "application/json") =>
        SendAsync(minerId, new WebTarget(new Uri(uri.GetLeftPart(UriPartial.Authority) + "/")), method, uri.PathAndQuery, body,
            authorization, timeout, cancellationToken, contentType);

    /// <param name="pathAndQuery">The path from the target's root, e.g. "/api/v1/miner/stats".</param>
    public static Task<HttpReply> SendAsync(string minerId, WebTarget target, HttpMethod method, string pathAndQuery, string? body,
        string? authorization, TimeSpan timeout, CancellationToken cancellationToken, string contentType = "application/json")
    {
        if (EpollExchanger.Shared is { } exchanger && target.Ipv4 is not null)
            return SendByEpollAsync(exchanger, target, minerId, method, pathAndQuery, body, authorization, timeout, cancellationToken, contentType);
        return SendByHttpClientAsync(minerId, method, new Uri(target.BaseUri, pathAndQuery), body, authorization, timeout, cancellationToken,
            contentType);
    }

    /// <summary>The exchange on the epoll loop (internal for the tests that hold both paths to one reply).</summary>
    internal static async Task<HttpReply> SendByEpollAsync(EpollExchanger exchanger, WebTarget target, string minerId,
        HttpMethod method, string pathAndQuery, string? body, string? authorization, TimeSpan timeout, CancellationToken cancellationToken,
        string contentType = "application/json")
    {
        var request = HttpWire.Request(method.Method, pathAndQuery, target.HostHeader, body, authorization, contentType);
        var path = PathOf(pathAndQuery);
        PooledReply reply;
        try
        {
            reply = await exchanger.ExchangeAsync(target.Ipv4, target.Port, request, timeout, cancellationToken, HttpReplyEnd)
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MinerException(minerId, MinerFailureKind.Timeout, $"{method} {path}: no reply within {timeout.TotalSeconds:0.#} s");
        }
        catch (SocketException ex)
        {
            throw new MinerException(minerId, MinerFailureKind.Connection, $"{method} {path}: port {target.Port}: {ex.SocketErrorCode}", ex);
        }
        using (reply)
        {
            try
            {
                return HttpWire.Parse(reply.Memory.Span);
            }
            catch (FormatException ex)
            {
                // A reply the server cut short (it closed inside the header or the body) is a lost connection; a
                // whole one that cannot be read is the firmware's.
                var kind = HttpWire.IsComplete(reply.Memory.Span) ? MinerFailureKind.Protocol : MinerFailureKind.Connection;
                throw new MinerException(minerId, kind, $"{method} {path}: {ex.Message}", ex);
            }
        }
    }

    private static string PathOf(string pathAndQuery)
    {
        var query = pathAndQuery.IndexOf('?');
        return query < 0 ? pathAndQuery : pathAndQuery[..query];
    }

    internal static async Task<HttpReply> SendByHttpClientAsync(string minerId, HttpMethod method, Uri uri, string? body,
        string? authorization, TimeSpan timeout, CancellationToken cancellationToken, string contentType = "application/json")
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        using var request = new HttpRequestMessage(method, uri);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, contentType);
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        try
        {
            using var response = await Client.SendAsync(request, HttpCompletionOption.ResponseContentRead, cts.Token).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(cts.Token).ConfigureAwait(false);
            var headers = new List<KeyValuePair<string, string>>();
            // HttpClient keeps the body's headers (Content-Type, Content-Length) apart; a reply has them all.
            foreach (var (name, values) in response.Headers.NonValidated.Concat(response.Content.Headers.NonValidated))
                foreach (var value in values) headers.Add(new(name, value));
            return new HttpReply(response.StatusCode, text, headers);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MinerException(minerId, MinerFailureKind.Timeout,
                $"{method} {uri.AbsolutePath}: no reply within {timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            var kind = ex.InnerException is SocketException or IOException || ex.HttpRequestError is HttpRequestError.ConnectionError
                ? MinerFailureKind.Connection
                : MinerFailureKind.Protocol;
            throw new MinerException(minerId, kind, $"{method} {uri.AbsolutePath}: {ex.Message}", ex);
        }
    }
}
