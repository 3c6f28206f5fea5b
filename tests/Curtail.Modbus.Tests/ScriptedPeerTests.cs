using System.Net.Sockets;
using Curtail.Modbus.Client;
using Curtail.Modbus.Protocol;

namespace Curtail.Modbus.Tests;

/// <summary>Our client against peers that misbehave on purpose: late and wrong transaction ids, malformed frames,
/// exception replies, half-open sockets, closing after each reply, out-of-order pipelined replies.</summary>
public class ScriptedPeerTests
{
    private static ModbusTcpClient Client(int port, int timeoutMs = 5000, int maxOutstanding = 1, int timeoutsBeforeReconnect = 2) =>
        new(new ModbusClientOptions
        {
            Host = "127.0.0.1", Port = port, ResponseTimeout = TimeSpan.FromMilliseconds(timeoutMs),
            MaxOutstanding = maxOutstanding, TimeoutsBeforeReconnect = timeoutsBeforeReconnect,
        });

    [Fact]
    public async Task Late_reply_after_a_timeout_is_discarded_not_taken_as_the_next_answer()
    {
        await using var server = new ScriptedServer(async (r, s) =>
        {
            if (r.Index == 0) await Task.Delay(2500);   // answer the first request too late
            await s.WriteAsync(ScriptedServer.Frame(r.Tid, r.Unit, ScriptedServer.Registers(3, (ushort)(100 + r.Index))));
        });
        await using var client = Client(server.Port, timeoutMs: 1000, timeoutsBeforeReconnect: 5);
        await Assert.ThrowsAsync<ModbusTimeoutException>(() => client.ReadHoldingRegistersAsync(1, 0, 1));
        for (var i = 0; i < 100 && client.DiscardedReplies == 0; i++) await Task.Delay(50);   // the late reply (value 100) arrives
        var second = await client.ReadHoldingRegistersAsync(1, 0, 1);
        Assert.Equal((ushort)101, second[0]);
        Assert.Equal(1, client.DiscardedReplies);
        Assert.Equal(1, client.ConnectCount);
    }

    [Fact]
    public async Task Reply_with_a_wrong_transaction_id_is_never_accepted()
    {
        await using var server = new ScriptedServer((r, s) =>
            s.WriteAsync(ScriptedServer.Frame((ushort)(r.Tid + 1), r.Unit, ScriptedServer.Registers(3, 7))).AsTask());
        await using var client = Client(server.Port, timeoutMs: 150);
        await Assert.ThrowsAsync<ModbusTimeoutException>(() => client.ReadHoldingRegistersAsync(1, 0, 1));
        Assert.Equal(1, client.DiscardedReplies);
    }

    [Theory]
    [InlineData("protocol-id")]
    [InlineData("length-zero")]
    [InlineData("byte-count")]
    [InlineData("wrong-function")]
    [InlineData("wrong-unit")]
    public async Task Malformed_replies_raise_protocol_errors_and_the_client_recovers(string kind)
    {
        await using var server = new ScriptedServer(async (r, s) =>
        {
            var good = ScriptedServer.Frame(r.Tid, r.Unit, ScriptedServer.Registers(3, 42));
            byte[] frame = r.Index > 0 ? good : kind switch
            {
                "protocol-id" => ScriptedServer.Frame(r.Tid, r.Unit, ScriptedServer.Registers(3, 42), protocolId: 7),
                "length-zero" => ScriptedServer.Frame(r.Tid, r.Unit, [], length: 0),
                "byte-count" => ScriptedServer.Frame(r.Tid, r.Unit, [3, 4, 0, 42]),
                "wrong-function" => ScriptedServer.Frame(r.Tid, r.Unit, ScriptedServer.Registers(4, 42)),
                _ => ScriptedServer.Frame(r.Tid, (byte)(r.Unit + 1), ScriptedServer.Registers(3, 42)),
            };
            await s.WriteAsync(frame);
        });
        await using var client = Client(server.Port);
        await Assert.ThrowsAsync<ModbusProtocolException>(() => client.ReadHoldingRegistersAsync(1, 0, 1));
        Assert.Equal((ushort)42, (await client.ReadHoldingRegistersAsync(1, 0, 1))[0]);
    }

    [Theory]
    [InlineData(0x01, typeof(ModbusIllegalFunctionException))]
    [InlineData(0x02, typeof(ModbusIllegalDataAddressException))]
    [InlineData(0x03, typeof(ModbusIllegalDataValueException))]
    [InlineData(0x06, typeof(ModbusServerBusyException))]
    [InlineData(0x0B, typeof(ModbusGatewayException))]
    [InlineData(0x04, typeof(ModbusServerException))]
    public async Task Exception_replies_map_to_typed_exceptions(byte code, Type expected)
    {
        await using var server = new ScriptedServer((r, s) => s.WriteAsync(ScriptedServer.Frame(r.Tid, r.Unit, [0x83, code])).AsTask());
        await using var client = Client(server.Port);
        var ex = await Assert.ThrowsAnyAsync<ModbusServerException>(() => client.ReadHoldingRegistersAsync(9, 0, 1));
        Assert.IsType(expected, ex);
        Assert.Equal((ModbusExceptionCode)code, ex.ExceptionCode);
        Assert.Equal(9, ex.UnitId);
        Assert.Equal(3, ex.FunctionCode);
        Assert.True(client.IsConnected);   // an exception reply is an answer: the link stays
    }

    [Fact]
    public async Task Half_open_peer_times_out_and_the_link_is_remade()
    {
        await using var server = new ScriptedServer((r, s) => Task.CompletedTask);   // reads, never answers
        await using var client = Client(server.Port, timeoutMs: 100, timeoutsBeforeReconnect: 2);
        await Assert.ThrowsAsync<ModbusTimeoutException>(() => client.ReadHoldingRegistersAsync(1, 0, 1));
        Assert.True(client.IsConnected);
        await Assert.ThrowsAsync<ModbusTimeoutException>(() => client.ReadHoldingRegistersAsync(1, 0, 1));
        Assert.False(client.IsConnected);
        await Assert.ThrowsAsync<ModbusTimeoutException>(() => client.ReadHoldingRegistersAsync(1, 0, 1));
        Assert.Equal(2, client.ConnectCount);
        Assert.Equal(2, server.Connections);
    }

    [Fact]
    public async Task Peer_that_closes_after_each_reply_is_reconnected_transparently()
    {
        await using var server = new ScriptedServer(async (r, s) =>
        {
            await s.WriteAsync(ScriptedServer.Frame(r.Tid, r.Unit, ScriptedServer.Registers(3, (ushort)r.Index)));
            s.Close();
        });
        await using var client = Client(server.Port);
        var seen = new List<ushort>();
        for (var i = 0; i < 5; i++)
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    seen.Add((await client.ReadHoldingRegistersAsync(1, 0, 1))[0]);
                    break;
                }
                catch (ModbusConnectionException) when (attempt < 3)
                {
                    // The close can race the next send; the request after it reconnects.
                }
            }
        }
        Assert.Equal([0, 1, 2, 3, 4], seen);
        Assert.True(server.Connections >= 5);
    }

    [Fact]
    public async Task Pipelined_requests_are_matched_by_transaction_id_even_when_answered_out_of_order()
    {
        var held = new List<(ushort Tid, byte Unit, ushort Start)>();
        await using var server = new ScriptedServer(async (r, s) =>
        {
            lock (held) held.Add((r.Tid, r.Unit, (ushort)(r.Pdu[1] << 8 | r.Pdu[2])));
            if (r.Index % 3 != 2) return;
            (ushort Tid, byte Unit, ushort Start)[] batch;
            lock (held) { batch = [.. held]; held.Clear(); }
            foreach (var h in batch.Reverse())   // LIFO, as jsmodbus does
                await s.WriteAsync(ScriptedServer.Frame(h.Tid, h.Unit, ScriptedServer.Registers(3, (ushort)(h.Start * 10))));
        });
        await using var client = Client(server.Port, timeoutMs: 2000, maxOutstanding: 3);
        var results = await Task.WhenAll(
            client.ReadHoldingRegistersAsync(1, 1, 1), client.ReadHoldingRegistersAsync(1, 2, 1), client.ReadHoldingRegistersAsync(1, 3, 1));
        Assert.Equal([10, 20, 30], results.Select(r => (int)r[0]));
    }

    [Fact]
    public async Task Only_one_request_is_in_flight_by_default()
    {
        var inFlight = 0;
        var maxSeen = 0;
        await using var server = new ScriptedServer(async (r, s) =>
        {
            var n = Interlocked.Increment(ref inFlight);
            maxSeen = Math.Max(maxSeen, n);
            await Task.Delay(20);
            Interlocked.Decrement(ref inFlight);
            await s.WriteAsync(ScriptedServer.Frame(r.Tid, r.Unit, ScriptedServer.Registers(3, 1)));
        });
        await using var client = Client(server.Port, timeoutMs: 2000);
        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => client.ReadHoldingRegistersAsync(1, 0, 1)));
        Assert.Equal(1, maxSeen);
        Assert.Equal(5, server.Requests);
    }

    [Fact]
    public async Task Transaction_ids_increase_per_request()
    {
        var tids = new List<ushort>();
        await using var server = new ScriptedServer((r, s) =>
        {
            lock (tids) tids.Add(r.Tid);
            return s.WriteAsync(ScriptedServer.Frame(r.Tid, r.Unit, ScriptedServer.Registers(3, 1))).AsTask();
        });
        await using var client = Client(server.Port);
        for (var i = 0; i < 3; i++) await client.ReadHoldingRegistersAsync(1, 0, 1);
        Assert.Equal([1, 2, 3], tids.Select(t => (int)t));
    }

    [Fact]
    public async Task Refused_connect_backs_off_before_the_next_attempt()
    {
        var time = new Core.Time.ManualTimeProvider();
        int port;
        using (var probe = new TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }
        await using var client = new ModbusTcpClient(new ModbusClientOptions { Host = "127.0.0.1", Port = port }, time);
        var first = await Assert.ThrowsAsync<ModbusConnectionException>(() => client.ReadHoldingRegistersAsync(1, 0, 1));
        Assert.Contains("connect failed", first.Message);
        var during = await Assert.ThrowsAsync<ModbusConnectionException>(() => client.ReadHoldingRegistersAsync(1, 0, 1));
        Assert.Contains("next attempt in 200 ms", during.Message);
        time.Advance(TimeSpan.FromMilliseconds(200));
        var second = await Assert.ThrowsAsync<ModbusConnectionException>(() => client.ReadHoldingRegistersAsync(1, 0, 1));
        Assert.Contains("connect failed", second.Message);
        var longer = await Assert.ThrowsAsync<ModbusConnectionException>(() => client.ReadHoldingRegistersAsync(1, 0, 1));
        Assert.Contains("next attempt in 400 ms", longer.Message);
    }

    [Fact]
    public async Task Arguments_beyond_protocol_limits_are_refused_before_sending()
    {
        await using var server = new ScriptedServer((r, s) => Task.CompletedTask);
        await using var client = Client(server.Port);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.ReadHoldingRegistersAsync(1, 0, 126));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.ReadCoilsAsync(1, 0, 2001));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.WriteMultipleRegistersAsync(1, 0, new ushort[124]));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.WriteMultipleCoilsAsync(1, 0, new bool[1969]));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.ReadWriteMultipleRegistersAsync(1, 0, 1, 0, new ushort[122]));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.ReadHoldingRegistersAsync(1, 65535, 2));
        Assert.Equal(0, server.Requests);
    }
}
