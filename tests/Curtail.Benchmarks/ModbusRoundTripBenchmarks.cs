using BenchmarkDotNet.Attributes;
using Curtail.Core.LoadFollowing;
using Curtail.Emulators.Genset;
using Curtail.Modbus.Client;
using Curtail.Modbus.Gensets;
using Curtail.Modbus.Maps;

namespace Curtail.Benchmarks;

/// <summary>
/// Loopback round trips of our Modbus client against the genset emulator (in process). The side-by-side with
/// pymodbus and the 50-genset CPU figure come from `curtail bench modbus`, which runs both clients in one run.
/// Run: dotnet run -c Release --project tests/Curtail.Benchmarks -- --filter '*Modbus*'
/// </summary>
[MemoryDiagnoser]
public class ModbusRoundTripBenchmarks
{
    private GensetEmulator _emulator = null!;
    private ModbusTcpClient _client = null!;
    private GensetReader _reader = null!;

    [GlobalSetup]
    public void Setup()
    {
        _emulator = new GensetEmulator(new GensetEmulatorOptions
        {
            Profile = new GensetSupplyProfile([(TimeSpan.Zero, 950)], lastPointDuration: TimeSpan.FromDays(1)),
        });
        _emulator.Start();
        _client = new ModbusTcpClient(new ModbusClientOptions { Host = "127.0.0.1", Port = _emulator.Port });
        _reader = new GensetReader(_client, RegisterMapLoader.LoadTemplate("default"));
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _client.DisposeAsync();
        await _emulator.DisposeAsync();
    }

    [Benchmark(Description = "FC3 read of 100 registers")]
    public Task<ushort[]> Read100Registers() => _client.ReadHoldingRegistersAsync(1, 0, 100);

    [Benchmark(Description = "Genset snapshot (default map, decode + flags)")]
    public Task<GensetReading> ReadGensetSnapshot() => _reader.ReadAsync();
}
