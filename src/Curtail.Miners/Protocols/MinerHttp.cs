using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace Curtail.Miners.Protocols;

public readonly record struct HttpReply(HttpStatusCode Status, string Body, HttpResponseHeaders Headers);

/// <summary>
/// One shared HttpClient for every web-API miner (Antminer CGI, Braiins REST, Vnish): connection pooling across
/// thousands of hosts without a handler per miner. Errors become <see cref="MinerException"/>s naming the miner.
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

    public static async Task<HttpReply> SendAsync(string minerId, HttpMethod method, Uri uri, string? body,
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
            return new HttpReply(response.StatusCode, text, response.Headers);
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
