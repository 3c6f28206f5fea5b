using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Curtail.Emulators.Miners;
using Curtail.Miners.Protocols.Native;

namespace Curtail.Emulators.Tests;

/// <summary>
/// The emulator's one-shot cgminer ports on its own epoll loops: the request forms, long replies, many clients at
/// once, the idle close, faults, the dialed address, and nothing left behind by a stop. Most cases run on both server
/// paths (epoll and .NET sockets), so the two are held to the same behaviour.
/// </summary>
public class EpollCgminerServerTests
{
    private static int _port = 17100 + Environment.ProcessId % 10 * 60; // a block of its own, below the benchmark fleet (20000-29999) and the ephemeral range

    private static MinerFleetEmulator Start(int count, bool epoll = true, TimeSpan? idle = null, IReadOnlyList<IPAddress>? alsoListenOn = null,
        int sendBuffer = 0)
    {
        var basePort = Interlocked.Add(ref _port, count) - count;
        var fleet = new MinerFleetEmulator(new FleetEmulatorOptions
        {
            Count = count, Mix = FleetEmulatorOptions.ParseMix("luxos"), BasePort = basePort, Seed = 11,
            EpollCgminerServers = epoll, AlsoListenOn = alsoListenOn ?? [], CgminerSendBufferBytes = sendBuffer,
            Timing = new EmulatorTiming { CgminerIdleTimeout = idle ?? TimeSpan.FromSeconds(10) },
        }, TimeProvider.System);
        fleet.Start();
        return fleet;
    }

    private static async Task<Socket> ConnectAsync(int port, IPAddress? address = null, int receiveBuffer = 0)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (receiveBuffer > 0) socket.ReceiveBufferSize = receiveBuffer;
        await socket.ConnectAsync(new IPEndPoint(address ?? IPAddress.Loopback, port));
        return socket;
    }

    /// <summary>Reads until the server closes; the bytes read (the reply ends with its NUL).</summary>
    private static async Task<byte[]> ReadToEndAsync(Socket socket, TimeSpan wait)
    {
        using var deadline = new CancellationTokenSource(wait);
        var received = new MemoryStream();
        var buffer = new byte[8192];
        while (true)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            if (n == 0) return received.ToArray();
            received.Write(buffer, 0, n);
        }
    }

    private static JsonObject ParseReply(byte[] bytes)
    {
        Assert.True(bytes.Length > 1, "no reply");
        Assert.Equal(0, bytes[^1]); // cgminer ends its reply with a NUL
        return Assert.IsType<JsonObject>(JsonNode.Parse(Encoding.UTF8.GetString(bytes, 0, bytes.Length - 1)));
    }

    private static async Task<JsonObject> ExchangeAsync(int port, string request, IPAddress? address = null)
    {
        using var socket = await ConnectAsync(port, address);
        await socket.SendAsync(Encoding.UTF8.GetBytes(request), SocketFlags.None);
        return ParseReply(await ReadToEndAsync(socket, TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [InlineData(true, "{\"command\":\"version\"}")]             // a JSON object, no newline, no half-close
    [InlineData(false, "{\"command\":\"version\"}")]
    [InlineData(true, "version\n")]                             // plain text ended by a newline
    [InlineData(false, "version\n")]
    [InlineData(true, "{\"command\":\"ver\\\"}{sion\"}")]        // braces and an escaped quote inside a string do not end it
    [InlineData(false, "{\"command\":\"ver\\\"}{sion\"}")]
    public async Task A_complete_request_is_answered_without_the_client_closing_its_side(bool epoll, string request)
    {
        await using var fleet = Start(1, epoll);
        var reply = await ExchangeAsync(fleet.Miners[0].Endpoint.Port, request);
        var expected = request.Contains("ver\\\"") ? 14 : 22; // an unknown command, or the version
        Assert.Equal(expected, (int)reply["STATUS"]![0]!["Code"]!);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_half_close_ends_a_request_without_newline_and_a_split_request_waits_for_its_rest(bool epoll)
    {
        await using var fleet = Start(1, epoll);
        var port = fleet.Miners[0].Endpoint.Port;

        using (var socket = await ConnectAsync(port))
        {
            await socket.SendAsync("summary"u8.ToArray(), SocketFlags.None);
            await Task.Delay(100); // the server has the bytes and must not answer before the half-close
            Assert.Equal(0, socket.Available);
            socket.Shutdown(SocketShutdown.Send);
            Assert.Equal("Summary", (string?)ParseReply(await ReadToEndAsync(socket, TimeSpan.FromSeconds(5)))["STATUS"]![0]!["Msg"]);
        }

        using (var socket = await ConnectAsync(port))
        {
            await socket.SendAsync("{\"command\":\"su"u8.ToArray(), SocketFlags.None);
            await Task.Delay(200);
            Assert.Equal(0, socket.Available);
            await socket.SendAsync("mmary\"}"u8.ToArray(), SocketFlags.None);
            Assert.Equal("Summary", (string?)ParseReply(await ReadToEndAsync(socket, TimeSpan.FromSeconds(5)))["STATUS"]![0]!["Msg"]);
        }
    }

    [Fact]
    public async Task A_multi_command_merges_its_parts()
    {
        await using var fleet = Start(1);
        var reply = await ExchangeAsync(fleet.Miners[0].Endpoint.Port, "{\"command\":\"version+summary+power\"}");
        Assert.Equal(22, (int)reply["version"]![0]!["STATUS"]![0]!["Code"]!);
        Assert.Equal(11, (int)reply["summary"]![0]!["STATUS"]![0]!["Code"]!);
        Assert.Equal(fleet.Miners[0].PowerW, (double)reply["power"]![0]!["POWER"]![0]!["Watts"]!, 0);
    }

    [Fact]
    public async Task A_reply_longer_than_the_socket_buffer_arrives_whole_to_a_slow_reader()
    {
        await using var fleet = Start(1, sendBuffer: 8192);
        // 9,000 distinct parts, each answered "access denied": a reply of about a megabyte from a 60 kB request.
        var parts = Enumerable.Range(0, 9000).Select(i => "x" + i).ToList();
        var request = "{\"command\":\"" + string.Join('+', parts) + "\"}";
        Assert.True(request.Length < CgminerRequestScanner.MaxRequestBytes);
        var partialBefore = EpollCgminerServers.PartialSends;
        using var socket = await ConnectAsync(fleet.Miners[0].Endpoint.Port, receiveBuffer: 4096);
        await socket.SendAsync(Encoding.UTF8.GetBytes(request), SocketFlags.None);
        await Task.Delay(300); // the server's first send fills the buffers; the rest must wait for this reader
        var reply = ParseReply(await ReadToEndAsync(socket, TimeSpan.FromSeconds(20)));
        Assert.Equal(parts.Count + 1, reply.Count); // every part, and the id
        Assert.Equal(45, (int)reply["x8999"]![0]!["STATUS"]![0]!["Code"]!);
        Assert.True(EpollCgminerServers.PartialSends > partialBefore, "the reply went out in one send: the partial-send path was not exercised");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Five_hundred_clients_at_once_each_get_their_reply(bool epoll)
    {
        await using var fleet = Start(10, epoll);
        var replies = await Task.WhenAll(Enumerable.Range(0, 500).Select(i =>
            ExchangeAsync(fleet.Miners[i % 10].Endpoint.Port, i % 2 == 0 ? "{\"command\":\"summary\"}" : "summary\n")));
        Assert.All(replies, r => Assert.Equal("Summary", (string?)r["STATUS"]![0]!["Msg"]));
        Assert.Equal(500, fleet.Miners.Sum(m => m.StatusReadCount));
    }

    [Theory]
    [InlineData(true, "")]
    [InlineData(true, "{\"command\":")]  // a request begun and never finished
    [InlineData(false, "")]
    public async Task A_client_that_sends_no_complete_request_is_closed_after_the_idle_time(bool epoll, string partial)
    {
        // On the epoll path a client that sends nothing at all reaches accept only after the kernel's deferred-accept
        // retry (about 1 s, TCP_DEFER_ACCEPT), and its idle time starts there: hence the 3 s bound.
        var idle = TimeSpan.FromMilliseconds(400);
        await using var fleet = Start(1, epoll, idle);
        using var socket = await ConnectAsync(fleet.Miners[0].Endpoint.Port);
        if (partial.Length > 0) await socket.SendAsync(Encoding.UTF8.GetBytes(partial), SocketFlags.None);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var bytes = await ReadToEndAsync(socket, TimeSpan.FromSeconds(5));
        Assert.Empty(bytes);
        Assert.InRange(watch.Elapsed, idle - TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task Faults_switched_on_a_miner_still_play_on_the_epoll_path()
    {
        await using var fleet = Start(1);
        var miner = fleet.Miners[0];
        var port = miner.Endpoint.Port;

        miner.Fault = MinerFaultSwitch.Reset;
        using (var socket = await ConnectAsync(port))
        {
            await socket.SendAsync("{\"command\":\"summary\"}"u8.ToArray(), SocketFlags.None);
            var ex = await Assert.ThrowsAsync<SocketException>(() => ReadToEndAsync(socket, TimeSpan.FromSeconds(5)));
            Assert.Equal(SocketError.ConnectionReset, ex.SocketErrorCode);
        }

        miner.Fault = MinerFaultSwitch.Silence;
        using (var socket = await ConnectAsync(port))
        {
            await socket.SendAsync("{\"command\":\"summary\"}"u8.ToArray(), SocketFlags.None);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ReadToEndAsync(socket, TimeSpan.FromMilliseconds(500)));
        }

        miner.Fault = MinerFaultSwitch.Malformed; // the reply cut off halfway
        using (var socket = await ConnectAsync(port))
        {
            await socket.SendAsync("{\"command\":\"summary\"}"u8.ToArray(), SocketFlags.None);
            var bytes = await ReadToEndAsync(socket, TimeSpan.FromSeconds(5));
            Assert.ThrowsAny<System.Text.Json.JsonException>(() => ParseReply(bytes));
        }

        miner.Fault = MinerFaultSwitch.None;
        miner.Faults = new FaultInjection { MalformedProbability = 1 }; // one of the repairable firmware quirks
        using (var socket = await ConnectAsync(port))
        {
            await socket.SendAsync("{\"command\":\"summary\"}"u8.ToArray(), SocketFlags.None);
            var bytes = await ReadToEndAsync(socket, TimeSpan.FromSeconds(5));
            Assert.ThrowsAny<System.Text.Json.JsonException>(() => ParseReply(bytes));
            Assert.Equal("Summary", (string?)Curtail.Miners.Protocols.TolerantJson.ParseObject(Encoding.UTF8.GetString(bytes).TrimEnd((char)0), "the test miner")["STATUS"]![0]!["Msg"]);
        }

        miner.Faults = FaultInjection.None;
        Assert.Equal("Summary", (string?)(await ExchangeAsync(port, "{\"command\":\"summary\"}"))["STATUS"]![0]!["Msg"]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Writes_are_counted_by_the_address_the_client_dialed(bool epoll)
    {
        var second = IPAddress.Parse("127.0.0.2");
        await using var fleet = Start(1, epoll, alsoListenOn: [second]);
        var miner = fleet.Miners[0];
        var port = miner.Endpoint.Port;
        var logon = await ExchangeAsync(port, "{\"command\":\"logon\"}", second);
        var session = (string)logon["SESSION"]![0]!["SessionID"]!;

        await ExchangeAsync(port, $"{{\"command\":\"curtail\",\"parameter\":\"{session},sleep\"}}", second);
        await ExchangeAsync(port, $"{{\"command\":\"curtail\",\"parameter\":\"{session},wakeup\"}}", second);
        await ExchangeAsync(port, $"{{\"command\":\"curtail\",\"parameter\":\"{session},sleep\"}}");

        Assert.Equal(2, miner.WritesBySource["127.0.0.2"]);
        Assert.Equal(1, miner.WritesBySource["127.0.0.1"]);
        Assert.Equal(2, miner.WritesBySource.Count);
    }
}

/// <summary>Counts threads and descriptors of the whole process, so it runs alone.</summary>
[CollectionDefinition(nameof(ProcessWideCounts), DisableParallelization = true)]
public sealed class ProcessWideCounts;

[Collection(nameof(ProcessWideCounts))]
public class EpollCgminerServerLifetimeTests
{
    private static int LoopThreads() => Directory.EnumerateDirectories("/proc/self/task")
        .Count(t => File.Exists(Path.Combine(t, "comm")) && ReadOrEmpty(Path.Combine(t, "comm")).Trim() == "cgminer-epoll");

    /// <summary>
    /// The loop threads once they reach the expected count or 2 s pass: Join returns when a thread's managed code ends,
    /// a moment before the kernel drops the thread.
    /// </summary>
    private static async Task<int> LoopThreadsSettledAsync(int expected)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var count = LoopThreads();
        while (count != expected && watch.Elapsed < TimeSpan.FromSeconds(2))
        {
            await Task.Delay(20);
            count = LoopThreads();
        }
        return count;
    }

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return ""; // the thread ended while we looked
        }
    }

    private static int OpenDescriptors() => Directory.EnumerateFileSystemEntries("/proc/self/fd").Count();

    [Fact]
    public async Task Stopping_leaves_no_listener_connection_or_loop_thread_behind_and_the_ports_can_be_bound_again()
    {
        if (!LinuxSockets.IsSupported) return; // the .NET path elsewhere; nothing of the loops to check
        var basePort = 17750 + Environment.ProcessId % 10 * 25; // a block of its own, below the benchmark fleet and the ephemeral range
        var options = new FleetEmulatorOptions { Count = 20, Mix = FleetEmulatorOptions.ParseMix("luxos"), BasePort = basePort, Seed = 2 };
        var threadsBefore = LoopThreads();
        var descriptorsBefore = OpenDescriptors();

        for (var round = 0; round < 3; round++)
        {
            var fleet = new MinerFleetEmulator(options, TimeProvider.System);
            fleet.Start();
            Assert.Equal(threadsBefore + Environment.ProcessorCount, LoopThreads());
            Assert.True(OpenDescriptors() >= descriptorsBefore + 20);
            // A connection waiting for the rest of its request when the emulator stops is closed with it.
            using var waiting = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await waiting.ConnectAsync(new IPEndPoint(IPAddress.Loopback, basePort));
            await waiting.SendAsync("{\"command\":"u8.ToArray(), SocketFlags.None);
            await Task.Delay(100);
            await fleet.StopAsync();

            Assert.Equal(threadsBefore, await LoopThreadsSettledAsync(threadsBefore));
            Assert.Equal(0, await waiting.ReceiveAsync(new byte[16], SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(5)));
            var refused = await Assert.ThrowsAsync<SocketException>(async () =>
            {
                using var late = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await late.ConnectAsync(new IPEndPoint(IPAddress.Loopback, basePort + 19));
            });
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }
        Assert.InRange(OpenDescriptors(), 0, descriptorsBefore + 4); // the runtime may open a few of its own
    }
}
