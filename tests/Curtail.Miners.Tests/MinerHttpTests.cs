using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Curtail.Miners.Protocols;
using Curtail.Miners.Protocols.Native;

namespace Curtail.Miners.Tests;

/// <summary>
/// A web-API request on the epoll loop and through HttpClient give the same reply, and each way a web server can
/// answer ends as it should: a whole reply on a connection left open, a chunked one, one cut short, one that is not HTTP.
/// </summary>
public class MinerHttpTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Both_paths_give_the_emulated_web_miners_the_same_request_and_get_the_same_reply()
    {
        if (EpollExchanger.Shared is not { } exchanger) return;
        await using var fleet = TestFleet.Start(MinerFamily.AntminerStock, 1, out _);
        var endpoint = fleet.Miners[0].Endpoint;
        var target = new WebTarget(new Uri($"http://{endpoint.Host}:{endpoint.Port}/"));
        const string path = "/cgi-bin/get_system_info.cgi";

        var byEpoll = await MinerHttp.SendByEpollAsync(exchanger, target, "am-0", HttpMethod.Get, path, null, null, Timeout, default);
        var byClient = await MinerHttp.SendByHttpClientAsync("am-0", HttpMethod.Get, new Uri(target.BaseUri, path), null, null, Timeout, default);

        Assert.Equal(HttpStatusCode.Unauthorized, byEpoll.Status);
        Assert.Equal(byClient.Status, byEpoll.Status);
        Assert.Equal(byClient.Body, byEpoll.Body);
        var challenge = Assert.Single(byEpoll.Challenges());
        Assert.Equal("Digest", challenge.Scheme);
        Assert.Contains("realm=\"antMiner", challenge.Parameter);
        Assert.Equal(byClient.Challenges(), byEpoll.Challenges());
        Assert.Equal(byClient.HeaderValues("Content-Type"), byEpoll.HeaderValues("content-type"));
    }

    [Fact]
    public async Task A_whole_reply_ends_the_exchange_though_the_server_keeps_the_connection_open()
    {
        if (EpollExchanger.Shared is not { } exchanger) return;
        string? seen = null;
        await using var server = RawServer.Start(async (socket, request) =>
        {
            seen = request;
            await socket.SendAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"));
            await Task.Delay(50);
            await socket.SendAsync("{}"u8.ToArray());
            await Task.Delay(TimeSpan.FromSeconds(10));
        });
        var watch = Stopwatch.StartNew();

        var reply = await MinerHttp.SendByEpollAsync(exchanger, Local(server.Port), "bos-0", HttpMethod.Put, "/api/v1/actions/pause", "{}", "tok", Timeout, default);

        Assert.Equal("{}", reply.Body);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"took {watch.Elapsed}");
        Assert.StartsWith("PUT /api/v1/actions/pause HTTP/1.1\r\n", seen);
        Assert.Contains("\r\nAuthorization: tok\r\n", seen);
        Assert.EndsWith("\r\n\r\n{}", seen);
    }

    [Fact]
    public async Task A_chunked_reply_sent_in_pieces_arrives_whole()
    {
        if (EpollExchanger.Shared is not { } exchanger) return;
        await using var server = RawServer.Start(async (socket, _) =>
        {
            foreach (var piece in new[] { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"", "\r\n3\r\n:1}\r\n", "0\r\n\r\n" })
            {
                await socket.SendAsync(Encoding.ASCII.GetBytes(piece));
                await Task.Delay(30);
            }
            await Task.Delay(TimeSpan.FromSeconds(10));
        });

        var reply = await MinerHttp.SendByEpollAsync(exchanger, Local(server.Port), "bos-0", HttpMethod.Get, "/api/v1/miner/stats", null, null, Timeout, default);

        Assert.Equal("{\"a\":1}", reply.Body);
    }

    [Fact]
    public async Task A_reply_cut_short_is_a_lost_connection_and_one_that_is_not_http_is_the_firmwares_fault()
    {
        if (EpollExchanger.Shared is not { } exchanger) return;
        await using var cut = RawServer.Start(async (socket, _) =>
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"a\""));
            socket.Shutdown(SocketShutdown.Both);
        });
        await using var garbage = RawServer.Start(async (socket, _) =>
        {
            await socket.SendAsync("{\"STATUS\":[{\"STATUS\":\"S\"}]}\0"u8.ToArray());
            socket.Shutdown(SocketShutdown.Both);
        });

        var lost = await Assert.ThrowsAsync<MinerException>(() => MinerHttp.SendByEpollAsync(exchanger, Local(cut.Port), "bos-1", HttpMethod.Get, "/api/v1/miner/details", null, null, Timeout, default));
        var wrong = await Assert.ThrowsAsync<MinerException>(() => MinerHttp.SendByEpollAsync(exchanger, Local(garbage.Port), "bos-2", HttpMethod.Get, "/api/v1/miner/details", null, null, Timeout, default));

        Assert.Equal(MinerFailureKind.Connection, lost.Kind);
        Assert.Contains("bos-1", lost.Message);
        Assert.Contains("cut short: 4 of 100 bytes", lost.Message);
        Assert.Equal(MinerFailureKind.Protocol, wrong.Kind);
        Assert.Contains("/api/v1/miner/details: not an HTTP status line", wrong.Message);
    }

    [Fact]
    public async Task A_silent_server_times_out_and_a_closed_port_is_refused()
    {
        if (EpollExchanger.Shared is not { } exchanger) return;
        await using var silent = RawServer.Start((_, _) => Task.Delay(TimeSpan.FromSeconds(10)));
        var closedPort = LoopbackServer.FreePort();

        var timeout = await Assert.ThrowsAsync<MinerException>(() => MinerHttp.SendByEpollAsync(exchanger, Local(silent.Port), "am-1", HttpMethod.Get, "/", null, null, TimeSpan.FromMilliseconds(300), default));
        var refused = await Assert.ThrowsAsync<MinerException>(() => MinerHttp.SendByEpollAsync(exchanger, Local(closedPort), "am-2", HttpMethod.Get, "/", null, null, Timeout, default));

        Assert.Equal(MinerFailureKind.Timeout, timeout.Kind);
        Assert.Contains("no reply within 0.3 s", timeout.Message);
        Assert.Equal(MinerFailureKind.Connection, refused.Kind);
        Assert.Contains("ConnectionRefused", refused.Message);
    }

    private static WebTarget Local(int port) => new(new Uri($"http://127.0.0.1:{port}/"));

    /// <summary>A loopback server that reads one HTTP request (header and Content-Length body) and hands it over as text.</summary>
    private static class RawServer
    {
        public static LoopbackServer Start(Func<Socket, string, Task> handler) => LoopbackServer.Start(ReadRequestAsync, handler);

        private static async Task<string> ReadRequestAsync(Socket socket)
        {
            var text = new StringBuilder();
            var buffer = new byte[4096];
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer);
                if (n == 0) return text.ToString();
                text.Append(Encoding.UTF8.GetString(buffer, 0, n));
                var s = text.ToString();
                var end = s.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (end < 0) continue;
                var length = s.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) is { } line
                    ? int.Parse(line["Content-Length:".Length..].Trim()) : 0;
                if (Encoding.UTF8.GetByteCount(s[(end + 4)..]) >= length) return s;
            }
        }
    }
}
