using System.Net;
using System.Net.Sockets;
using System.Text;
using Curtail.Miners.Protocols.Native;

namespace Curtail.Miners.Protocols;

/// <summary>A web API's reply: status, body as text, and the header lines as sent (names as the server spelled them).</summary>
public readonly record struct HttpReply(HttpStatusCode Status, string Body, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    /// <summary>The values of every header line called <paramref name="name"/> (case-insensitive), in order.</summary>
    public IEnumerable<string> HeaderValues(string name) =>
        (Headers ?? []).Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value);

    /// <summary>The authentication challenges (WWW-Authenticate), each as its scheme and the rest of its line.</summary>
    public IEnumerable<(string Scheme, string Parameter)> Challenges() =>
        HeaderValues("WWW-Authenticate").Select(v =>
        {
            var space = v.IndexOf(' ');
            return space < 0 ? (v, "") : (v[..space], v[(space + 1)..].Trim());
        });
}

/// <summary>
/// The web-API miners' requests (Antminer CGI, Braiins REST, Vnish, ePIC, discovery's probes), each one exchange
/// under a deadline. To an IPv4 literal over plain HTTP on Linux it goes through the process's epoll loop
/// (<see cref="EpollExchanger"/>, as the cgminer exchanges do): the request's bytes out, the reply read until it is
/// whole. That costs about a fifth of the memory and half the CPU of <see cref="HttpClient"/>'s per-host connection
/// pools at 3,000 Braiins OS miners (docs/miners.md, "Ninth pass"). Anything else (a host name, https, another OS, or
/// <c>CURTAIL_EPOLL_EXCHANGES=0</c>) takes one shared HttpClient. Errors become <see cref="MinerException"/>s naming
/// the miner.
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

    public static Task<HttpReply> SendAsync(string minerId, HttpMethod method, Uri uri, string? body,
        string? authorization, TimeSpan timeout, CancellationToken cancellationToken, string contentType = "application/json")
    {
        if (EpollExchanger.Shared is { } exchanger && uri.Scheme == Uri.UriSchemeHttp && uri.HostNameType == UriHostNameType.IPv4
            && IPAddress.TryParse(uri.Host, out var address))
            return SendByEpollAsync(exchanger, address, minerId, method, uri, body, authorization, timeout, cancellationToken, contentType);
        return SendByHttpClientAsync(minerId, method, uri, body, authorization, timeout, cancellationToken, contentType);
    }

    /// <summary>The exchange on the epoll loop (internal for the tests that hold both paths to one reply).</summary>
    internal static async Task<HttpReply> SendByEpollAsync(EpollExchanger exchanger, IPAddress address, string minerId,
        HttpMethod method, Uri uri, string? body, string? authorization, TimeSpan timeout, CancellationToken cancellationToken,
        string contentType = "application/json")
    {
        var request = HttpWire.Request(method.Method, uri, body, authorization, contentType);
        PooledReply reply;
        try
        {
            reply = await exchanger.ExchangeAsync(address.GetAddressBytes(), uri.Port, request, timeout, cancellationToken, HttpReplyEnd)
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MinerException(minerId, MinerFailureKind.Timeout, $"{method} {uri.AbsolutePath}: no reply within {timeout.TotalSeconds:0.#} s");
        }
        catch (SocketException ex)
        {
            throw new MinerException(minerId, MinerFailureKind.Connection, $"{method} {uri.AbsolutePath}: port {uri.Port}: {ex.SocketErrorCode}", ex);
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
                throw new MinerException(minerId, kind, $"{method} {uri.AbsolutePath}: {ex.Message}", ex);
            }
        }
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
            foreach (var (name, values) in response.Headers.NonValidated)
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
