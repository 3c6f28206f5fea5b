using Curtail.Core.LoadFollowing;
using Curtail.Modbus.Client;
using Curtail.Modbus.Gensets;
using Curtail.Modbus.Maps;
using Curtail.Modbus.Protocol;

namespace Curtail.Modbus.Tests.Interop;

/// <summary>Our client against servers no one here wrote: libmodbus 3.1.6 (C) and Debian python3-pymodbus 3.0.</summary>
public class PeerServerInteropTests
{
    private static ModbusTcpClient Client(string peer) => new(new ModbusClientOptions
    {
        Host = "127.0.0.1", Port = InteropEnvironment.PeerPort(peer), ResponseTimeout = TimeSpan.FromSeconds(3),
    });

    [InteropTheory]
    [InlineData("libmodbus", "default")]
    [InlineData("libmodbus", "default-float")]
    [InlineData("pymodbus", "default")]
    [InlineData("pymodbus", "default-float")]
    public async Task Genset_snapshot_from_the_peer_matches_the_reference_values(string peer, string map)
    {
        await using var client = Client(peer);
        var reader = new GensetReader(client, RegisterMapLoader.LoadTemplate(map));
        var r = await reader.ReadAsync();
        Assert.Equal(812.5, r.ActivePowerKw!.Value, 3);
        Assert.Equal(1000, r.RatedPowerKw!.Value, 3);
        Assert.Equal(950, r.AvailablePowerKw!.Value, 3);
        Assert.Equal(60, r.FrequencyHz!.Value, 3);
        Assert.Equal(EngineState.RunningLoaded, r.EngineState);
        Assert.True(r.BreakerClosed);
        Assert.NotNull(r.Heartbeat);
    }

    [InteropTheory]
    [InlineData("libmodbus")]
    [InlineData("pymodbus")]
    public async Task Every_function_code_and_the_exception_replies(string peer)
    {
        await using var client = Client(peer);
        Assert.Equal(125, (await client.ReadHoldingRegistersAsync(1, 0, 125)).Length);
        Assert.Equal(6000, (await client.ReadInputRegistersAsync(1, 13, 1))[0]);
        var inputs = await client.ReadInputsAsync(1, 0, 3);
        Assert.Equal(new[] { true, true, false }, inputs);
        await client.WriteSingleRegisterAsync(1, 130, 0xBEEF);
        Assert.Equal(0xBEEF, (await client.ReadHoldingRegistersAsync(1, 130, 1))[0]);
        await client.WriteMultipleRegistersAsync(1, 150, [11, 22, 33]);
        Assert.Equal([11, 22, 33], (await client.ReadHoldingRegistersAsync(1, 150, 3)).Select(v => (int)v));
        await client.WriteMultipleRegistersAsync(1, 160, new ushort[123]);
        await client.WriteSingleCoilAsync(1, 9, true);
        await client.WriteMultipleCoilsAsync(1, 0, [true, false, true]);
        var coils = await client.ReadCoilsAsync(1, 0, 10);
        Assert.Equal(new[] { true, false, true }, coils[..3]);
        Assert.True(coils[9]);
        Assert.Equal([7, 8], (await client.ReadWriteMultipleRegistersAsync(1, 120, 2, 120, [7, 8])).Select(v => (int)v));

        await Assert.ThrowsAsync<ModbusIllegalDataValueException>(() => client.TransactAsync(1, [0x03, 0, 0, 0, 126]));
        await Assert.ThrowsAsync<ModbusIllegalDataAddressException>(() => client.ReadHoldingRegistersAsync(1, 5000, 1));
        await Assert.ThrowsAsync<ModbusIllegalDataAddressException>(() => client.WriteMultipleRegistersAsync(1, 299, [1, 2]));
        // After exception replies the link is still good.
        Assert.Single(await client.ReadHoldingRegistersAsync(1, 0, 1));
    }

    [InteropFact]
    public async Task Libmodbus_rejects_a_bad_coil_value_and_an_unknown_function()
    {
        await using var client = Client("libmodbus");
        await Assert.ThrowsAsync<ModbusIllegalDataValueException>(() => client.TransactAsync(1, [0x05, 0, 9, 0x12, 0x34]));
        await Assert.ThrowsAsync<ModbusIllegalFunctionException>(() => client.TransactAsync(1, [0x2B, 0x0E, 0x01, 0x00]));
    }

    [InteropTheory]
    [InlineData("libmodbus")]
    [InlineData("pymodbus")]
    public async Task Heartbeat_moves_between_polls_and_pipelined_reads_match_their_ids(string peer)
    {
        await using var client = new ModbusTcpClient(new ModbusClientOptions
        {
            Host = "127.0.0.1", Port = InteropEnvironment.PeerPort(peer), ResponseTimeout = TimeSpan.FromSeconds(3), MaxOutstanding = 4,
        });
        var reads = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => client.ReadHoldingRegistersAsync(1, (ushort)(13 + i % 2), 1)));
        for (var i = 0; i < 8; i++) Assert.Equal(i % 2 == 0 ? 6000 : 4800, reads[i][0]);
    }
}
