using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Curtail.Miners.Protocols;
using Curtail.Miners.Protocols.Native;

namespace Curtail.Miners.Tests;

/// <summary>
/// The epoll loop that carries cgminer exchanges on Linux, against plain .NET socket servers on loopback that answer
/// in each way a firmware can: reply and close, reply with a NUL and stay open, reset, say nothing.
/// </summary>
public class EpollExchangerTests
{
    private static readonly byte[] Loopback = [127, 0, 0, 1];

    [Fact]
    public async Task The_server_sees_the_request_and_the_caller_gets_the_reply_when_the_server_closes()
    {
        if (EpollExchanger.Shared is not { } exchanger) return;
        await using var server = OneShotServer.Start(async (socket, request) =>
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes($"echo:{request}"));
            socket.Shutdown(SocketShutdown.Both);
        });

        using var reply = await exchanger.ExchangeAsync(Loopback, server.Port, """{"command":"summary"}"""u8.ToArray(), TimeSpan.FromSeconds(5), default);

        Assert.Equal("""echo:{"command":"summary"}""", Encoding.UTF8.GetString(reply.Memory.Span));
    }

    [Fact]
    public async Task A_NUL_ends_the_reply_even_if_the_server_keeps_the_connection_open()
    {
        if (EpollExchanger.Shared is not { } exchanger) return;
        await using var server = OneShotServer.Start(async (socket, _) =>
        {
            await socket.SendAsync("{\"STATUS\":[]}\0"u8.ToArray());
            await Task.Delay(TimeSpan.FromSeconds(10));
        });
        var watch = Stopwatch.StartNew();

        using var reply = await exchanger.ExchangeAsync(Loopback, server.Port, "{}"u8.ToArray(), TimeSpan.FromSeconds(5), default);

        Assert.Equal("{\"STATUS\":[]}\0", Encoding.UTF8.GetString(reply.Memory.Span));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task A_reply_larger_than_a_socket_buffer_arrives_whole()
    {
        if (EpollExchanger.Shared is not { } exchanger) return;
        var big = new byte[3_000_000];
        new Random(7).NextBytes(big);
        for (var i = 0; i < big.Length; i++) big[i] = (byte)('a' + big[i] % 26);
        await using var server = OneShotServer.Start(async (socket, _) =>
        {
            for (var sent = 0; sent < big.Length; sent += 100_000)
            {
                await socket.SendAsync(big.AsMemory(sent, Math.Min(100_000, big.Length - sent)));
                if (sent % 1_000_000 == 0) await Task.Delay(20);
            }
            socket.Shutdown(SocketShutdown.Both);
        });

        using var reply = await exchanger.ExchangeAsync(Loopback, server.Port, "{}"u8.ToArray(), TimeSpan.FromSeconds(10), default);

        Assert.True(reply.Memory.Span.SequenceEqual(big));
    }

    [Fact]
    public async Task A_request_larger_than_a_socket_buffer_is_written_whole_as_the_server_reads_it()
    {
        if (EpollExchanger.Shared is not { } exchanger) return;
        var request = Encoding.UTF8.GetBytes("{\"command\":\"" + new string('x', 8_000_000) + "\"}");
        await using var server = OneShotServer.Start(async (socket, text) =>
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(text.Length.ToString()));
            socket.Shutdown(SocketShutdown.Both);
        }, slowReader: true);

        using var reply = await exchanger.ExchangeAsync(Loopback, server.Port, request, TimeSpan.FromSeconds(20), default);

        Assert.Equal(request.Length.ToString(), Encoding.UTF8.GetString(reply.Memory.Span));
    }

    [Fact]
    public async Task A_closed_port_is_a_refused_connection()
    {
        if (EpollExchanger.Shared is not { } exchanger) return;
        var port = OneShotServer.FreePort();

        var ex = await Assert.ThrowsAsync<SocketException>(() => exchanger.ExchangeAsync(Loopback, port, "{}"u8.ToArray(), TimeSpan.FromSeconds(5), default));

        Assert.Equal(SocketError.ConnectionRefused, ex.SocketErrorCode);
    }

    [Fact]
    public async Task A_reset_is_a_reset_connection()
    {
        if (EpollExchanger.Shared is not { } exchanger) return;
        await using var server = OneShotServer.Start((socket, _) =>
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
            return Task.CompletedTask;
        });

        var ex = await Assert.ThrowsAsync<SocketException>(() => exchanger.ExchangeAsync(Loopback, server.Port, "{}"u8.ToArray(), TimeSpan.FromSeconds(5), default));

        Assert.Equal(SocketError.ConnectionReset, ex.SocketErrorCode);
    }

    [Fact]
    public async Task A_silent_server_times_out_near_the_deadline_and_a_cancelled_caller_is_cancelled()
    {
        if (EpollExchanger.Shared is not { } exchanger) return;
        await using var server = OneShotServer.Start((_, _) => Task.Delay(TimeSpan.FromSeconds(20)));

        var watch = Stopwatch.StartNew();
        var timedOut = await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            exchanger.ExchangeAsync(Loopback, server.Port, "{}"u8.ToArray(), TimeSpan.FromMilliseconds(300), default));
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(290), TimeSpan.FromSeconds(3));
        Assert.False(timedOut.CancellationToken.IsCancellationRequested);

        using var caller = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var cancelled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            exchanger.ExchangeAsync(Loopback, server.Port, "{}"u8.ToArray(), TimeSpan.FromSeconds(30), caller.Token));
        Assert.Equal(caller.Token, cancelled.CancellationToken);
    }

    [Fact]
    public async Task An_infinite_timeout_waits_for_a_slow_reply()
    {
        if (EpollExchanger.Shared is not { } exchanger) return;
        await using var server = OneShotServer.Start(async (socket, _) =>
        {
            await Task.Delay(300);
            await socket.SendAsync("{\"late\":true}\0"u8.ToArray());
            socket.Shutdown(SocketShutdown.Both);
        });

        using var reply = await exchanger.ExchangeAsync(Loopback, server.Port, "{}"u8.ToArray(), Timeout.InfiniteTimeSpan, default);

        Assert.Equal("{\"late\":true}\0", Encoding.UTF8.GetString(reply.Memory.Span));
    }

    [Fact]
    public async Task Two_thousand_exchanges_in_flight_all_get_their_own_reply()
    {
        if (EpollExchanger.Shared is not { } exchanger) return;
        await using var server = OneShotServer.Start(async (socket, request) =>
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(request + "\0"));
            socket.Shutdown(SocketShutdown.Both);
        }, backlog: 4096);

        var replies = await Task.WhenAll(Enumerable.Range(0, 2000).Select(async i =>
        {
            using var reply = await exchanger.ExchangeAsync(Loopback, server.Port, Encoding.UTF8.GetBytes($"{{\"id\":{i}}}"), TimeSpan.FromSeconds(30), default);
            return Encoding.UTF8.GetString(reply.Memory.Span);
        }));

        Assert.Equal(Enumerable.Range(0, 2000).Select(i => $"{{\"id\":{i}}}\0"), replies);
    }

    [Fact]
    public async Task Through_the_cgminer_client_failures_name_the_miner_and_the_port()
    {
        if (EpollExchanger.Shared is null) return;
        var closedPort = OneShotServer.FreePort();
        var refused = new CgminerClient("m-refused", "127.0.0.1", closedPort, TimeSpan.FromSeconds(2));
        var ex = await Assert.ThrowsAsync<MinerException>(() => refused.ReadAsync("summary", root => root.ToString()));
        Assert.Equal(MinerFailureKind.Connection, ex.Kind);
        Assert.Contains("m-refused", ex.Message);
        Assert.Contains($"port {closedPort}", ex.Message);

        await using var silent = OneShotServer.Start((_, _) => Task.Delay(TimeSpan.FromSeconds(20)));
        var slow = new CgminerClient("m-silent", "127.0.0.1", silent.Port, TimeSpan.FromMilliseconds(300));
        var timeout = await Assert.ThrowsAsync<MinerException>(() => slow.ReadAsync("summary", root => root.ToString()));
        Assert.Equal(MinerFailureKind.Timeout, timeout.Kind);

        await using var empty = OneShotServer.Start((socket, _) =>
        {
            socket.Shutdown(SocketShutdown.Both);
            return Task.CompletedTask;
        });
        var mute = new CgminerClient("m-empty", "127.0.0.1", empty.Port, TimeSpan.FromSeconds(2));
        var closed = await Assert.ThrowsAsync<MinerException>(() => mute.ReadAsync("summary", root => root.ToString()));
        Assert.Contains("closed without a reply", closed.Message);

        await using var garbled = OneShotServer.Start(async (socket, _) =>
        {
            await socket.SendAsync("not json at all\0"u8.ToArray());
            socket.Shutdown(SocketShutdown.Both);
        });
        var broken = new CgminerClient("m-garbled", "127.0.0.1", garbled.Port, TimeSpan.FromSeconds(2));
        var protocol = await Assert.ThrowsAsync<MinerException>(() => broken.ReadAsync("summary", root => root.ToString()));
        Assert.Equal(MinerFailureKind.Protocol, protocol.Kind);
    }

    /// <summary>A loopback server that reads one JSON request (to its closing brace) and hands it to a handler.</summary>
    private static class OneShotServer
    {
        public static LoopbackServer Start(Func<Socket, string, Task> handler, bool slowReader = false, int backlog = 512) =>
            LoopbackServer.Start(socket => ReadRequestAsync(socket, slowReader), handler, backlog);

        public static int FreePort() => LoopbackServer.FreePort();

        private static async Task<string> ReadRequestAsync(Socket socket, bool slow)
        {
            var text = new StringBuilder();
            var buffer = new byte[slow ? 4096 : 65536];
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer);
                if (n == 0) return text.ToString();
                text.Append(Encoding.UTF8.GetString(buffer, 0, n));
                if (text.Length > 0 && text[^1] == '}') return text.ToString();
                if (slow) await Task.Delay(1);
            }
        }
    }
}
