using Curtail.Core.LoadFollowing;
using Curtail.Core.Time;
using Curtail.Modbus.Client;
using Curtail.Modbus.Gensets;
using Curtail.Modbus.Maps;
using Curtail.Modbus.Server;
using Curtail.Modbus.Values;

namespace Curtail.Modbus.Tests;

public class GensetReaderTests
{
    /// <summary>Registers 0-32 exactly as the independent peers serve them (modbus.md §2.8 defaults).</summary>
    private static ushort[] ReferenceRegisters()
    {
        var r = new ushort[300];
        r[0] = 1; r[1] = 3; r[2] = 1; r[3] = 0;
        void Put32(int a, uint v) { r[a] = (ushort)(v >> 16); r[a + 1] = (ushort)v; }
        Put32(4, 8125); Put32(6, 10000); Put32(8, 9500); Put32(10, 2100);
        r[12] = 968; r[13] = 6000; r[30] = 17; r[31] = 150; r[32] = 300;
        for (var k = 0; k < 2; k++)
        {
            float[] f = [812.5f, 950f, 60f, 1000f];
            for (var i = 0; i < 4; i++)
                RegisterCodec.Encode(f[i], PointType.F32, k == 0 ? WordOrder.ABCD : WordOrder.CDAB, r.AsSpan(200 + 20 * k + 2 * i, 2));
        }
        return r;
    }

    private static async Task<(ModbusTcpServer, ModbusTcpClient)> Serve(ushort[] registers)
    {
        var store = new ModbusDataStore(16, 16, 300, 300);
        registers.CopyTo(store.HoldingRegisters, 0);
        registers.CopyTo(store.InputRegisters, 0);
        store.DiscreteInputs[0] = store.DiscreteInputs[1] = true;
        var server = new ModbusTcpServer(store);
        server.Start();
        await Task.Yield();
        return (server, new ModbusTcpClient(new ModbusClientOptions { Host = "127.0.0.1", Port = server.Port, ResponseTimeout = TimeSpan.FromSeconds(5) }));
    }

    [Theory]
    [InlineData("default")]
    [InlineData("default-float")]
    public async Task Default_map_reads_the_reference_values(string mapName)
    {
        var (server, client) = await Serve(ReferenceRegisters());
        await using var _ = server;
        await using var __ = client;
        var reader = new GensetReader(client, RegisterMapLoader.LoadTemplate(mapName));
        var r = await reader.ReadAsync();
        Assert.Equal(812.5, r.ActivePowerKw!.Value, 6);
        Assert.Equal(1000, r.RatedPowerKw!.Value, 6);
        Assert.Equal(950, r.AvailablePowerKw!.Value, 6);
        Assert.Equal(60, r.FrequencyHz!.Value, 6);
        Assert.Equal(EngineState.RunningLoaded, r.EngineState);
        Assert.True(r.BreakerClosed);
        Assert.Equal(17, r.Heartbeat);
        Assert.Equal(ReadingIssues.None, r.Issues & ~ReadingIssues.AvailableAssumedRated);
    }

    [Fact]
    public async Task Alarm_bits_out_of_range_values_and_unknown_states_are_flagged()
    {
        var regs = ReferenceRegisters();
        regs[3] = 0b0000_0000_1000_0101;   // shutdown, overload, derate
        regs[13] = 9999;                   // 99.99 Hz: implausible
        regs[1] = 42;                      // not in the enum
        var (server, client) = await Serve(regs);
        await using var _ = server;
        await using var __ = client;
        var r = await new GensetReader(client, RegisterMapLoader.LoadTemplate("default")).ReadAsync();
        Assert.Equal(GensetAlarms.Shutdown | GensetAlarms.Overload | GensetAlarms.DerateActive, r.Alarms);
        Assert.Null(r.FrequencyHz);
        Assert.True(r.Issues.HasFlag(ReadingIssues.OutOfRange));
        Assert.Contains(r.Problems, p => p.StartsWith("frequency_hz: 99.99 outside [40, 70]"));
        Assert.Equal(EngineState.Unknown, r.EngineState);
        Assert.Contains(r.Problems, p => p.Contains("raw value 42"));
        Assert.False(r.IsUsableAt(r.TimeRead, TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public void Dse_sentinels_decode_as_no_value_and_missing_available_falls_back_to_rated()
    {
        var map = RegisterMapLoader.LoadTemplate("dse-gencomm");
        var reader = new GensetReader(new NoClient(), map, time: new ManualTimeProvider());
        var words = new Dictionary<PointMap, ushort[]>
        {
            [map.Points["frequency_hz"]] = [0xFFFF],
            [map.Points["active_power_kw"]] = [0x0000, 0x0FA0],   // 4000 W
            [map.Points["engine_state"]] = [3],
        };
        var r = reader.Decode(words, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Assert.Null(r.FrequencyHz);
        Assert.Contains(r.Problems, p => p.Contains("'not available'"));
        Assert.Equal(4, r.ActivePowerKw!.Value, 9);
        Assert.Equal(1000, r.AvailablePowerKw);
        Assert.True(r.Issues.HasFlag(ReadingIssues.AvailableAssumedRated));
        Assert.Equal(EngineState.RunningLoaded, r.EngineState);
    }

    [Fact]
    public void Frozen_heartbeat_is_flagged_after_the_freeze_timeout()
    {
        var map = RegisterMapLoader.LoadTemplate("default");
        var time = new ManualTimeProvider();
        var reader = new GensetReader(new NoClient(), map, time: time);
        var t0 = time.GetUtcNow();
        var regs = ReferenceRegisters();
        GensetReading At(double seconds, ushort heartbeat)
        {
            regs[30] = heartbeat;
            var words = map.Points.Values.Where(p => !p.IsConstant).ToDictionary(p => p, p => regs.AsSpan(p.Address, p.RegisterCount).ToArray());
            return reader.Decode(words, t0.AddSeconds(seconds));
        }
        Assert.Equal(ReadingIssues.None, At(0, 5).Issues);
        Assert.Equal(ReadingIssues.None, At(1, 6).Issues);
        Assert.Equal(ReadingIssues.None, At(3.5, 6).Issues);
        var frozen = At(4.5, 6);
        Assert.True(frozen.Issues.HasFlag(ReadingIssues.HeartbeatFrozen));
        Assert.Contains(frozen.Problems, p => p.StartsWith("heartbeat: stuck at 6"));
        Assert.Equal(ReadingIssues.None, At(5, 7).Issues);
    }

    [Fact]
    public async Task ComAp_breaker_is_derived_from_the_engine_state()
    {
        var map = RegisterMapLoader.LoadTemplate("comap-il4");
        var reader = new GensetReader(new NoClient(), map);
        GensetReading With(ushort state) => reader.Decode(new Dictionary<PointMap, ushort[]>
        {
            [map.Points["engine_state"]] = [state], [map.Points["breaker_closed"]] = [state],
            [map.Points["active_power_kw"]] = [400], [map.Points["frequency_hz"]] = [600],
        }, DateTimeOffset.UnixEpoch);
        Assert.True(With(8).BreakerClosed);
        Assert.Equal(EngineState.RunningLoaded, With(8).EngineState);
        Assert.False(With(7).BreakerClosed);
        Assert.Equal(EngineState.Shutdown, With(12).EngineState);
        await Task.CompletedTask;
    }

    private sealed class NoClient : IModbusClient
    {
        public Task<bool[]> ReadCoilsAsync(byte unitId, ushort start, ushort count, CancellationToken ct = default) => throw new InvalidOperationException();
        public Task<bool[]> ReadInputsAsync(byte unitId, ushort start, ushort count, CancellationToken ct = default) => throw new InvalidOperationException();
        public Task<ushort[]> ReadHoldingRegistersAsync(byte unitId, ushort start, ushort count, CancellationToken ct = default) => throw new InvalidOperationException();
        public Task<ushort[]> ReadInputRegistersAsync(byte unitId, ushort start, ushort count, CancellationToken ct = default) => throw new InvalidOperationException();
        public Task WriteSingleCoilAsync(byte unitId, ushort address, bool value, CancellationToken ct = default) => throw new InvalidOperationException();
        public Task WriteSingleRegisterAsync(byte unitId, ushort address, ushort value, CancellationToken ct = default) => throw new InvalidOperationException();
        public Task WriteMultipleCoilsAsync(byte unitId, ushort start, bool[] values, CancellationToken ct = default) => throw new InvalidOperationException();
        public Task WriteMultipleRegistersAsync(byte unitId, ushort start, ushort[] values, CancellationToken ct = default) => throw new InvalidOperationException();
        public Task<ushort[]> ReadWriteMultipleRegistersAsync(byte unitId, ushort readStart, ushort readCount, ushort writeStart, ushort[] values, CancellationToken ct = default) => throw new InvalidOperationException();
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
