using Curtail.Core.LoadFollowing;
using Curtail.Core.Time;
using Curtail.Emulators.Genset;
using Curtail.Modbus.Client;
using Curtail.Modbus.Gensets;
using Curtail.Modbus.Maps;
using Curtail.Modbus.Protocol;

namespace Curtail.Emulators.Tests;

public sealed class GensetEmulatorTests : IAsyncLifetime
{
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 7, 1, 18, 0, 0, TimeSpan.Zero));
    private readonly List<IAsyncDisposable> _owned = [];

    private static GensetSupplyProfile Flat(double kw) => new([(TimeSpan.Zero, kw)], lastPointDuration: TimeSpan.FromDays(1));

    private GensetEmulator Emulator(GensetEmulatorOptions? options = null)
    {
        var e = new GensetEmulator(options ?? new GensetEmulatorOptions { Profile = Flat(950) }, _time);
        e.Start();
        _owned.Add(e);
        return e;
    }

    private ModbusTcpClient Client(GensetEmulator e, int timeoutMs = 5000)
    {
        var c = new ModbusTcpClient(new ModbusClientOptions { Host = "127.0.0.1", Port = e.Port, ResponseTimeout = TimeSpan.FromMilliseconds(timeoutMs) });
        _owned.Add(c);
        return c;
    }

    private GensetReader Reader(GensetEmulator e) => new(Client(e), RegisterMapLoader.LoadTemplate("default"), time: _time);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var d in Enumerable.Reverse(_owned)) await d.DisposeAsync();
    }

    [Fact]
    public async Task Active_power_follows_the_site_load_set_in_process_or_through_registers()
    {
        var e = Emulator();
        var reader = Reader(e);
        e.SetSiteLoadKw(600);
        Assert.Equal(600, (await reader.ReadAsync()).ActivePowerKw);

        var source = 0.0;
        e.SiteLoadSource = () => source;
        source = 420;
        Assert.Equal(420, (await reader.ReadAsync()).ActivePowerKw);

        var client = Client(e);
        await client.WriteMultipleRegistersAsync(1, GensetEmulator.RegLoadOverride, [0, 7000]);   // 700.0 kW
        Assert.Equal(700, (await reader.ReadAsync()).ActivePowerKw);
        await client.WriteMultipleRegistersAsync(1, GensetEmulator.RegLoadOverride, [0xFFFF, 0xFFFF]);   // -1: off
        Assert.Equal(420, (await reader.ReadAsync()).ActivePowerKw);
    }

    [Fact]
    public async Task Frequency_droops_with_load()
    {
        var e = Emulator(new GensetEmulatorOptions { Profile = Flat(1000), InitialSiteLoadKw = 0 });
        var reader = Reader(e);
        var noLoad = (await reader.ReadAsync()).FrequencyHz!.Value;
        Assert.Equal(62.4, noLoad, 2);
        for (var kw = 100; kw <= 1000; kw += 100)
        {
            e.SetSiteLoadKw(kw);
            _time.Advance(TimeSpan.FromSeconds(5));
        }
        Assert.Equal(60.0, (await reader.ReadAsync()).FrequencyHz!.Value, 2);
    }

    [Fact]
    public async Task A_load_step_above_max_step_dips_frequency_which_then_recovers()
    {
        var e = Emulator(new GensetEmulatorOptions { Profile = Flat(1000), InitialSiteLoadKw = 300 });
        var reader = Reader(e);
        var before = (await reader.ReadAsync()).FrequencyHz!.Value;
        e.SetSiteLoadKw(400);   // 10 %: within max step, droop only
        _time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(before - 0.24, (await reader.ReadAsync()).FrequencyHz!.Value, 2);
        e.SetSiteLoadKw(800);   // 40 %: dip of 0.1 * 0.4 * 60 = 2.4 Hz on top of droop
        _time.Advance(TimeSpan.FromMilliseconds(100));
        var dipped = await reader.ReadAsync();
        var settled = 60 + 2.4 * (1 - 0.8);
        Assert.InRange(dipped.FrequencyHz!.Value, settled - 2.4, settled - 2.2);
        Assert.True(dipped.Alarms.HasFlag(GensetAlarms.UnderFrequency));
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(settled, (await reader.ReadAsync()).FrequencyHz!.Value, 2);
    }

    [Fact]
    public async Task Sustained_overload_alarms_then_trips_and_a_restart_clears_it()
    {
        var e = Emulator(new GensetEmulatorOptions { Profile = Flat(800), InitialSiteLoadKw = 700, TripAfter = TimeSpan.FromSeconds(5) });
        var reader = Reader(e);
        e.SetSiteLoadKw(850);
        _time.Advance(TimeSpan.FromMilliseconds(100));
        var over = await reader.ReadAsync();
        Assert.True(over.Alarms.HasFlag(GensetAlarms.Overload));
        Assert.True(over.FrequencyHz < 59.4);
        Assert.True(over.BreakerClosed);
        _time.Advance(TimeSpan.FromSeconds(4.8));
        Assert.False(e.State.Tripped);
        _time.Advance(TimeSpan.FromSeconds(0.2));
        var tripped = await reader.ReadAsync();
        Assert.Equal(EngineState.Shutdown, tripped.EngineState);
        Assert.False(tripped.BreakerClosed);
        Assert.Equal(0, tripped.ActivePowerKw);
        Assert.True(tripped.Alarms.HasFlag(GensetAlarms.Shutdown));
        Assert.Equal(1, e.State.Trips);

        e.SetSiteLoadKw(0);
        await Client(e).WriteSingleCoilAsync(1, 0, true);   // remote start request
        var restarted = await reader.ReadAsync();
        Assert.Equal(EngineState.RunningLoaded, restarted.EngineState);
        Assert.True(restarted.BreakerClosed);
    }

    [Fact]
    public async Task Available_power_follows_the_csv_profile_and_the_override_registers()
    {
        var profile = GensetSupplyProfile.ParseCsv(new StringReader("time,available_kw\n0,950\n10,520.5\n20,900\n"), "gas.csv");
        var e = Emulator(new GensetEmulatorOptions { Profile = profile });
        var reader = Reader(e);
        Assert.Equal(950, (await reader.ReadAsync()).AvailablePowerKw);
        _time.Advance(TimeSpan.FromSeconds(10));
        var drop = await reader.ReadAsync();
        Assert.Equal(520.5, drop.AvailablePowerKw!.Value, 6);
        Assert.True(drop.Alarms.HasFlag(GensetAlarms.LowFuelGasPressure));
        await Client(e).WriteMultipleRegistersAsync(1, GensetEmulator.RegAvailableOverride, [0, 3000]);
        Assert.Equal(300, (await reader.ReadAsync()).AvailablePowerKw);
    }

    [Fact]
    public async Task Heartbeat_counts_seconds_and_freezes_on_fault_bit_1()
    {
        var e = Emulator();
        var reader = Reader(e);
        var h0 = (await reader.ReadAsync()).Heartbeat!.Value;
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(h0 + 3, (await reader.ReadAsync()).Heartbeat);
        await Client(e).WriteSingleRegisterAsync(1, GensetEmulator.RegFaults, (ushort)GensetFaults.FreezeHeartbeat);
        for (var i = 0; i < 5; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await reader.ReadAsync();
        }
        var frozen = await reader.ReadAsync();
        Assert.Equal(h0 + 3, frozen.Heartbeat);
        Assert.True(frozen.Issues.HasFlag(ReadingIssues.HeartbeatFrozen));
    }

    [Fact]
    public async Task Fault_injection_busy_silent_and_close_after_reply()
    {
        var e = Emulator();
        var client = Client(e, timeoutMs: 1000);
        Assert.Single(await client.ReadHoldingRegistersAsync(1, 0, 1));

        e.Faults = GensetFaults.Busy;
        await Assert.ThrowsAsync<ModbusServerBusyException>(() => client.ReadHoldingRegistersAsync(1, 0, 1));

        e.Faults = GensetFaults.CloseAfterReply;
        var connects = client.ConnectCount;
        for (var i = 0; i < 3; i++)
        {
            try { await client.ReadHoldingRegistersAsync(1, 0, 1); }
            catch (ModbusConnectionException) { await client.ReadHoldingRegistersAsync(1, 0, 1); }
        }
        Assert.True(client.ConnectCount >= connects + 2);

        // The last reply above closed the connection; the client may learn that only on its next request. Settle on
        // a healthy connection first, so that the silence below is met on an open one.
        e.Faults = GensetFaults.None;
        try { await client.ReadHoldingRegistersAsync(1, 0, 1); }
        catch (ModbusConnectionException) { await client.ReadHoldingRegistersAsync(1, 0, 1); }

        e.Faults = GensetFaults.StopAnswering;
        await Assert.ThrowsAsync<ModbusTimeoutException>(() => client.ReadHoldingRegistersAsync(1, 0, 1));
        e.Faults = GensetFaults.None;
        Assert.Single(await client.ReadHoldingRegistersAsync(1, 0, 1));
    }

    [Fact]
    public async Task Latency_fault_delays_replies_by_the_configured_time()
    {
        await using var e = new GensetEmulator(new GensetEmulatorOptions { Profile = Flat(950), FaultLatency = TimeSpan.FromMilliseconds(1500) });
        e.Start();
        await using var fast = new ModbusTcpClient(new ModbusClientOptions { Host = "127.0.0.1", Port = e.Port, ResponseTimeout = TimeSpan.FromMilliseconds(500) });
        e.Faults = GensetFaults.AddLatency;
        await Assert.ThrowsAsync<ModbusTimeoutException>(() => fast.ReadHoldingRegistersAsync(1, 0, 1));
    }

    [Fact]
    public async Task Protocol_limits_are_enforced_like_a_real_device()
    {
        var e = Emulator();
        var client = Client(e);
        await Assert.ThrowsAsync<ModbusIllegalDataValueException>(() => client.TransactAsync(1, [0x03, 0, 0, 0, 126]));
        await Assert.ThrowsAsync<ModbusIllegalDataAddressException>(() => client.ReadHoldingRegistersAsync(1, 5000, 1));
        await Assert.ThrowsAsync<ModbusIllegalFunctionException>(() => client.TransactAsync(1, [0x2B, 0x0E, 0x01, 0x00]));
        await Assert.ThrowsAsync<ModbusIllegalDataValueException>(() => client.TransactAsync(1, [0x05, 0, 1, 0x12, 0x34]));
        await Assert.ThrowsAsync<ModbusGatewayException>(() => client.ReadHoldingRegistersAsync(9, 0, 1));
        Assert.Equal(100, (await client.ReadHoldingRegistersAsync(1, 0, 100)).Length);
        var fc4 = await client.ReadInputRegistersAsync(1, 0, 33);
        Assert.Equal(await client.ReadHoldingRegistersAsync(1, 0, 33), fc4);
        var inputs = await client.ReadInputsAsync(1, 0, 3);
        Assert.Equal(new[] { true, true, false }, inputs);
    }
}
