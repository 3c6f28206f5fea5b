using Curtail.Modbus.Client;
using Curtail.Modbus.Protocol;
using Curtail.Modbus.Server;

namespace Curtail.Modbus.Tests;

/// <summary>Our client against our server over loopback: every function code, unit-id modes, server-side limits.</summary>
public class ClientServerTests
{
    private static async Task<(ModbusTcpServer Server, ModbusTcpClient Client)> Start(ModbusServerOptions? options = null, int timeoutMs = 5000)
    {
        var store = new ModbusDataStore(16, 16, 300, 300);
        for (var i = 0; i < 300; i++) store.InputRegisters[i] = (ushort)(1000 + i);
        var server = new ModbusTcpServer(store, options);
        server.Start();
        var client = new ModbusTcpClient(new ModbusClientOptions { Host = "127.0.0.1", Port = server.Port, ResponseTimeout = TimeSpan.FromMilliseconds(timeoutMs) });
        await Task.Yield();
        return (server, client);
    }

    [Fact]
    public async Task Every_function_code_round_trips()
    {
        var (server, client) = await Start();
        await using var _ = server;
        await using var __ = client;
        await client.WriteMultipleRegistersAsync(1, 10, [1, 2, 3]);
        Assert.Equal([1, 2, 3], await client.ReadHoldingRegistersAsync(1, 10, 3));
        await client.WriteSingleRegisterAsync(1, 11, 0xBEEF);
        Assert.Equal((ushort)0xBEEF, (await client.ReadHoldingRegistersAsync(1, 11, 1))[0]);
        Assert.Equal([1000, 1001, 1002], (await client.ReadInputRegistersAsync(1, 0, 3)).Select(v => (int)v));
        await client.WriteSingleCoilAsync(1, 3, true);
        await client.WriteMultipleCoilsAsync(1, 5, [true, false, true]);
        var coils = await client.ReadCoilsAsync(1, 0, 8);
        Assert.Equal(new[] { false, false, false, true, false, true, false, true }, coils);
        server.Store.DiscreteInputs[2] = true;
        var inputs = await client.ReadInputsAsync(1, 0, 3);
        Assert.Equal(new[] { false, false, true }, inputs);
        Assert.Equal([7, 8, 3], (await client.ReadWriteMultipleRegistersAsync(1, 10, 3, 10, [7, 8])).Select(v => (int)v));
        var full = await client.ReadHoldingRegistersAsync(1, 0, 125);
        Assert.Equal(125, full.Length);
        await client.WriteMultipleRegistersAsync(1, 150, new ushort[123]);
    }

    [Fact]
    public async Task Server_side_limits_come_back_as_typed_exceptions()
    {
        var (server, client) = await Start();
        await using var _ = server;
        await using var __ = client;
        await Assert.ThrowsAsync<ModbusIllegalDataAddressException>(() => client.ReadHoldingRegistersAsync(1, 5000, 1));
        await Assert.ThrowsAsync<ModbusIllegalDataAddressException>(() => client.WriteMultipleRegistersAsync(1, 299, [1, 2]));
        var unsupported = await Assert.ThrowsAsync<ModbusIllegalFunctionException>(() => client.TransactAsync(1, [0x2B, 0x0E, 0x01, 0x00]));
        Assert.Equal(0x2B, unsupported.FunctionCode);
        await Assert.ThrowsAsync<ModbusIllegalDataValueException>(() => client.TransactAsync(1, [0x03, 0, 0, 0, 126]));
        await Assert.ThrowsAsync<ModbusIllegalDataValueException>(() => client.TransactAsync(1, [0x05, 0, 9, 0x12, 0x34]));
    }

    [Fact]
    public async Task Unit_ids_are_answered_per_mode()
    {
        var (server, client) = await Start(new ModbusServerOptions { UnitId = 3 });
        await using var _ = server;
        await using var __ = client;
        Assert.Single(await client.ReadHoldingRegistersAsync(3, 0, 1));
        Assert.Single(await client.ReadHoldingRegistersAsync(0xFF, 0, 1));
        await Assert.ThrowsAsync<ModbusGatewayException>(() => client.ReadHoldingRegistersAsync(4, 0, 1));

        var (server2, client2) = await Start(new ModbusServerOptions { UnitId = 3, UnitIdMode = UnitIdMode.DropOthers }, timeoutMs: 1000);
        await using var ___ = server2;
        await using var ____ = client2;
        await Assert.ThrowsAsync<ModbusTimeoutException>(() => client2.ReadHoldingRegistersAsync(4, 0, 1));
        Assert.Single(await client2.ReadHoldingRegistersAsync(3, 0, 1));

        var (server3, client3) = await Start(new ModbusServerOptions { UnitId = 3, UnitIdMode = UnitIdMode.AnswerAny });
        await using var _5 = server3;
        await using var _6 = client3;
        Assert.Single(await client3.ReadHoldingRegistersAsync(77, 0, 1));
    }

    [Fact]
    public async Task Server_drops_oversized_frames_and_ignores_nonzero_protocol_ids()
    {
        var (server, client) = await Start();
        await using var _ = server;
        await using var __ = client;
        using var raw = new System.Net.Sockets.TcpClient();
        await raw.ConnectAsync("127.0.0.1", server.Port);
        var s = raw.GetStream();
        // protocol id 7: discarded without reply; then a good request is answered on the same socket
        await s.WriteAsync(ScriptedServer.Frame(1, 1, [0x03, 0, 0, 0, 1], protocolId: 7));
        await s.WriteAsync(ScriptedServer.Frame(2, 1, [0x03, 0, 0, 0, 1]));
        var reply = new byte[11];
        await s.ReadExactlyAsync(reply);
        Assert.Equal(2, reply[1]);
        // 261-byte ADU (FC16 x 124): connection closed, as libmodbus does
        var big = new byte[1 + 2 + 2 + 1 + 248];
        big[0] = 0x10; big[4] = 124; big[5] = 248;
        await s.WriteAsync(ScriptedServer.Frame(3, 1, big));
        var n = await s.ReadAsync(new byte[16]).AsTask().WaitAsync(TimeSpan.FromSeconds(2));
        Assert.Equal(0, n);
    }

    [Fact]
    public async Task Server_closes_a_partial_frame_after_the_frame_timeout()
    {
        var (server, client) = await Start(new ModbusServerOptions { FrameTimeout = TimeSpan.FromMilliseconds(200) });
        await using var _ = server;
        await using var __ = client;
        using var raw = new System.Net.Sockets.TcpClient();
        await raw.ConnectAsync("127.0.0.1", server.Port);
        var s = raw.GetStream();
        await s.WriteAsync(new byte[] { 0, 1, 0 });
        var n = await s.ReadAsync(new byte[16]).AsTask().WaitAsync(TimeSpan.FromSeconds(3));
        Assert.Equal(0, n);
        // other clients are not stalled meanwhile
        Assert.Single(await client.ReadHoldingRegistersAsync(1, 0, 1));
    }

    [Fact]
    public async Task Bind_failure_is_loud()
    {
        var (server, client) = await Start();
        await using var _ = server;
        await using var __ = client;
        var second = new ModbusTcpServer(new ModbusDataStore(1, 1, 1, 1), new ModbusServerOptions { Port = server.Port });
        // ReuseAddress lets a TIME_WAIT port be reused, but not a port with a live listener on Linux.
        Assert.Throws<ModbusConnectionException>(second.Start);
    }
}

public class ClientHostNameTests
{
    [Fact]
    public async Task Localhost_connects_whichever_loopback_family_answers()
    {
        await using var server = new ModbusTcpServer(new ModbusDataStore(1, 1, 10, 10));
        server.Start();
        await using var client = new ModbusTcpClient(new ModbusClientOptions { Host = "localhost", Port = server.Port, ResponseTimeout = TimeSpan.FromSeconds(5) });
        Assert.Equal(10, (await client.ReadHoldingRegistersAsync(1, 0, 10)).Length);
    }
}
