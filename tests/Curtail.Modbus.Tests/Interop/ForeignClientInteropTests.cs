using System.Text.Json;
using Curtail.Core.LoadFollowing;
using Curtail.Emulators.Genset;

namespace Curtail.Modbus.Tests.Interop;

/// <summary>Clients no one here wrote against our genset emulator: Debian pymodbus, mbpoll and the raw-frame probe.</summary>
public sealed class ForeignClientInteropTests : IAsyncLifetime
{
    private readonly GensetEmulator _emulator = new(new GensetEmulatorOptions
    {
        Profile = new GensetSupplyProfile([(TimeSpan.Zero, 950)], lastPointDuration: TimeSpan.FromDays(1)),
        InitialSiteLoadKw = 812.5,
        RatedKw = 1000,
    });

    public Task InitializeAsync()
    {
        _emulator.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _emulator.DisposeAsync();

    private string Port => _emulator.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [InteropFact]
    public async Task Pymodbus_client_reads_writes_and_gets_exceptions_from_our_emulator()
    {
        var json = await InteropEnvironment.RunAsync(InteropEnvironment.Python, InteropEnvironment.Script("pymodbus_client.py"), "check", Port);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var hr = root.GetProperty("holding_0_32").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal(33, hr.Length);
        Assert.Equal(1, hr[0]);
        Assert.Equal(3, hr[1]);
        Assert.Equal(8125, (hr[4] << 16) | hr[5]);
        Assert.Equal(10000, (hr[6] << 16) | hr[7]);
        Assert.Equal(9500, (hr[8] << 16) | hr[9]);
        Assert.Equal(hr, root.GetProperty("input_0_32").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        Assert.Equal(812.5, root.GetProperty("float_abcd")[0].GetDouble(), 3);
        Assert.Equal(812.5, root.GetProperty("float_cdab")[0].GetDouble(), 3);
        Assert.Equal(950, root.GetProperty("float_cdab")[1].GetDouble(), 3);
        Assert.Equal(1000, root.GetProperty("float_cdab")[3].GetDouble(), 3);
        Assert.Equal([true, true, false], root.GetProperty("discrete_0_2").EnumerateArray().Select(e => e.GetBoolean()));
        Assert.False(root.GetProperty("write_101_error").GetBoolean());
        Assert.Equal(700.0, root.GetProperty("active_after_override_kw").GetDouble(), 3);
        Assert.True(root.GetProperty("coil_5").GetBoolean());
        Assert.Equal([7, 8], root.GetProperty("fc23_read").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(3, root.GetProperty("over_limit_exception").GetInt32());
        Assert.Equal(2, root.GetProperty("unmapped_exception").GetInt32());
        Assert.Equal(812.5, _emulator.State.ActivePowerKw, 3);   // the override was switched off again
    }

    [InteropFact]
    public async Task Mbpoll_reads_int32_and_float_in_both_word_orders()
    {
        var mbpoll = InteropEnvironment.Require("CURTAIL_MODBUS_MBPOLL");
        var ints = await InteropEnvironment.RunAsync(mbpoll, "-m", "tcp", "-a", "1", "-p", Port, "-0", "-r", "4", "-c", "3", "-t", "4:int", "-B", "-1", "127.0.0.1");
        Assert.Contains("[4]: \t8125", ints);
        Assert.Contains("[6]: \t10000", ints);
        Assert.Contains("[8]: \t9500", ints);
        var abcd = await InteropEnvironment.RunAsync(mbpoll, "-m", "tcp", "-a", "1", "-p", Port, "-0", "-r", "200", "-c", "4", "-t", "4:float", "-B", "-1", "127.0.0.1");
        Assert.Contains("[200]: \t812.5", abcd);
        Assert.Contains("[202]: \t950", abcd);
        var cdab = await InteropEnvironment.RunAsync(mbpoll, "-m", "tcp", "-a", "1", "-p", Port, "-0", "-r", "220", "-c", "4", "-t", "4:float", "-1", "127.0.0.1");
        Assert.Contains("[220]: \t812.5", cdab);
        Assert.Contains("[226]: \t1000", cdab);
        var inputs = await InteropEnvironment.RunAsync(mbpoll, "-m", "tcp", "-a", "1", "-p", Port, "-0", "-r", "13", "-c", "1", "-t", "3", "-1", "127.0.0.1");
        Assert.Matches(@"\[13\]: \t6\d{3}", inputs);
        await InteropEnvironment.RunAsync(mbpoll, "-m", "tcp", "-a", "1", "-p", Port, "-0", "-r", "101", "-1", "127.0.0.1", "0", "6000");
        Assert.Equal(600, _emulator.State.ActivePowerKw, 3);
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            InteropEnvironment.RunAsync(mbpoll, "-m", "tcp", "-a", "1", "-p", Port, "-0", "-r", "5000", "-c", "1", "-1", "127.0.0.1"));
        Assert.Contains("Illegal data address", refused.Message);
    }

    [InteropFact]
    public async Task Raw_frame_probe_finds_our_emulator_as_strict_as_libmodbus()
    {
        var probe = Path.Combine(InteropEnvironment.Require("CURTAIL_MODBUS_PEER_DIR"), "probe.py");
        var output = await InteropEnvironment.RunAsync(InteropEnvironment.Python, probe, Port);
        string Rx(string test)
        {
            var lines = output.Split('\n');
            var i = Array.FindIndex(lines, l => l.StartsWith(test, StringComparison.Ordinal));
            Assert.True(i >= 0, $"probe line '{test}' missing:\n{output}");
            return lines[i + 1];
        }
        Assert.Contains("01 83 03", Rx("FC3 qty 126"));
        Assert.Contains("01 83 02", Rx("FC3 addr 5000"));
        Assert.Contains("01 ab 01", Rx("FC 0x2B"));
        Assert.Contains("01 85 03", Rx("FC5 coil bad value"));
        Assert.Contains("01 90 02", Rx("FC16 qty 2 @299"));
        Assert.Contains("01 17 04 00 07 00 08", Rx("FC23 write"));
        Assert.Contains("RX none", Rx("FC3 with protocol id 7"));
        Assert.Contains("closed by server", Rx("FC16 qty 124"));
        Assert.Contains("pipelined 3 requests -> tids [100, 101, 102]", output);
        Assert.Contains("partial header (3 bytes) -> server closed", output);
    }
}
