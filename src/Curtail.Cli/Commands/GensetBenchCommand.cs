using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Curtail.Core;
using Curtail.Core.LoadFollowing;
using Curtail.Modbus.Client;
using Curtail.Modbus.Gensets;
using Curtail.Modbus.Maps;

namespace Curtail.Cli.Commands;

/// <summary>
/// `curtail bench modbus`: 100-register read round trips of our client and of Debian pymodbus's client against the
/// same emulator, side by side in one run, and the CPU cost of polling N emulated gensets once per second. The
/// emulators run in a child process so only the poller's CPU is counted.
/// </summary>
public sealed class GensetBenchCommand : ICliCommand
{
    public string? Parent => "bench";
    public string? ParentDescription => "Benchmarks that print measured figures";

    public Command Build()
    {
        var requests = new Option<int>("--requests") { Description = "Round trips per client", DefaultValueFactory = _ => 5000 };
        var registers = new Option<int>("--registers") { Description = "Registers per read (1..125)", DefaultValueFactory = _ => 100 };
        var gensets = new Option<int>("--gensets") { Description = "Gensets polled once per second", DefaultValueFactory = _ => 50 };
        var seconds = new Option<int>("--seconds") { Description = "Duration of the polling measurement", DefaultValueFactory = _ => 30 };
        var python = new Option<string>("--python") { Description = "Python with pymodbus (Debian's)", DefaultValueFactory = _ => "/usr/bin/python3" };
        var script = new Option<string>("--pymodbus-script") { Description = "pymodbus client script", DefaultValueFactory = _ => "tests/Curtail.Modbus.Tests/interop/pymodbus_client.py" };
        var command = new Command("modbus", "Modbus round trip (ours vs pymodbus) and CPU of polling many gensets")
        {
            requests, registers, gensets, seconds, python, script,
        };
        command.SetAction(async (parse, ct) =>
        {
            var n = parse.GetValue(requests);
            var count = parse.GetValue(registers);
            var g = parse.GetValue(gensets);
            var secs = parse.GetValue(seconds);
            if (n < 10) throw new InvalidInputException("--requests", null, "must be >= 10");
            if (count is < 1 or > 125) throw new InvalidInputException("--registers", null, "must be 1..125");
            if (g is < 1 or > 500) throw new InvalidInputException("--gensets", null, "must be 1..500");
            if (secs < 1) throw new InvalidInputException("--seconds", null, "must be >= 1");
            var output = parse.InvocationConfiguration.Output;

            using var emulators = await EmulatorProcess.StartAsync(g, ct);
            output.WriteLine($"emulators: {g} gensets in child process {emulators.Pid} on ports {emulators.Ports[0]}..{emulators.Ports[^1]}");

            var ours = await OurRoundTripsAsync(emulators.Ports[0], n, count, ct);
            output.WriteLine($"round trip, {count} registers (FC3), {n} reads, same server:");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  curtail ModbusTcpClient   p50 {ours.P50:0.0} us   p99 {ours.P99:0.0} us   mean {ours.Mean:0.0} us"));
            var scriptPath = parse.GetValue(script)!;
            if (File.Exists(scriptPath))
            {
                var py = await PymodbusRoundTripsAsync(parse.GetValue(python)!, scriptPath, emulators.Ports[0], n, count, ct);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  pymodbus 3.0 client       p50 {py.P50:0.0} us   p99 {py.P99:0.0} us   mean {py.Mean:0.0} us"));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  ratio pymodbus/curtail    p50 {py.P50 / ours.P50:0.00}x   p99 {py.P99 / ours.P99:0.00}x"));
            }
            else output.WriteLine($"  pymodbus: skipped ({scriptPath} not found; run from the repository root or pass --pymodbus-script)");
            output.Flush();

            var (cpu, wall, polls, failures) = await PollingCpuAsync(emulators.Ports, TimeSpan.FromSeconds(secs),
                (from, to, used) => output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  window {from.TotalSeconds,3:0}-{to.TotalSeconds,3:0} s: CPU {used.TotalMilliseconds:0} ms = {used.TotalMilliseconds / (to - from).TotalMilliseconds * 100:0.00} % of one core")), ct);
            var pct = cpu.TotalMilliseconds / wall.TotalMilliseconds * 100;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"polling {g} gensets once per second for {wall.TotalSeconds:0.0} s: {polls} readings ({failures} failed), CPU {cpu.TotalMilliseconds:0} ms = {pct:0.00} % of one core ({cpu.TotalMilliseconds * 1000 / Math.Max(1, polls):0} us per reading)"));
            output.WriteLine(pct < 2 ? "target (< 2 % of one core): met" : "target (< 2 % of one core): NOT met");
            return CurtailApp.ExitOk;
        });
        return command;
    }

    private sealed record Percentiles(double P50, double P99, double Mean);

    private static Percentiles Summarize(List<double> us)
    {
        us.Sort();
        double At(double q) => us[Math.Min(us.Count - 1, (int)(q * us.Count))];
        return new Percentiles(At(0.50), At(0.99), us.Average());
    }

    private static async Task<Percentiles> OurRoundTripsAsync(int port, int n, int count, CancellationToken ct)
    {
        await using var client = new ModbusTcpClient(new ModbusClientOptions { Host = "127.0.0.1", Port = port, ResponseTimeout = TimeSpan.FromSeconds(2) });
        for (var i = 0; i < Math.Min(200, n); i++) await client.ReadHoldingRegistersAsync(1, 0, (ushort)count, ct);
        var samples = new List<double>(n);
        for (var i = 0; i < n; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            await client.ReadHoldingRegistersAsync(1, 0, (ushort)count, ct);
            samples.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
        }
        return Summarize(samples);
    }

    private static async Task<Percentiles> PymodbusRoundTripsAsync(string python, string script, int port, int n, int count, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { script, "bench", port.ToString(CultureInfo.InvariantCulture), n.ToString(CultureInfo.InvariantCulture), count.ToString(CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {python}");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0) throw new InvalidOperationException($"pymodbus client failed ({process.ExitCode}): {await stderr}");
        using var doc = JsonDocument.Parse(await stdout);
        var r = doc.RootElement;
        return new Percentiles(r.GetProperty("p50_us").GetDouble(), r.GetProperty("p99_us").GetDouble(), r.GetProperty("mean_us").GetDouble());
    }

    private static async Task<(TimeSpan Cpu, TimeSpan Wall, long Polls, long Failures)> PollingCpuAsync(IReadOnlyList<int> ports, TimeSpan duration,
        Action<TimeSpan, TimeSpan, TimeSpan>? window, CancellationToken ct)
    {
        var map = RegisterMapLoader.LoadTemplate("default");
        var clients = ports.Select(p => new ModbusTcpClient(new ModbusClientOptions { Host = "127.0.0.1", Port = p })).ToList();
        try
        {
            var readers = clients.Select(c => new GensetReader(c, map)).ToList();
            var followers = clients.Select(_ => new LoadFollower(new LoadFollowingSettings { SafeLoadKw = 200 })).ToList();
            long polls = 0, failures = 0;
            async Task PollAllAsync()
            {
                await Task.WhenAll(readers.Select(async (reader, i) =>
                {
                    GensetReading? reading = null;
                    try { reading = await reader.ReadAsync(ct); }
                    catch (Modbus.Protocol.ModbusException) { Interlocked.Increment(ref failures); }
                    lock (followers[i]) followers[i].Decide(reading, 500, TimeProvider.System.GetUtcNow());
                    Interlocked.Increment(ref polls);
                }));
            }
            // Steady state, as a controller runs for months: connect, and let tiered JIT finish recompiling the hot
            // path (a few hundred calls per method, then a background rejit) before the clock starts.
            for (var i = 0; i < 500; i++) await PollAllAsync();
            await Task.Delay(TimeSpan.FromSeconds(3), ct);
            polls = failures = 0;
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            var process = Process.GetCurrentProcess();
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            var windowCpu = cpu0;
            var windowStart = TimeSpan.Zero;
            while (wall.Elapsed < duration && await timer.WaitForNextTickAsync(ct))
            {
                await PollAllAsync();
                if (wall.Elapsed - windowStart >= TimeSpan.FromSeconds(10))
                {
                    // Per-window figures show whether the cost is steady or still falling (JIT tiering, PGO).
                    process.Refresh();
                    var used = process.TotalProcessorTime - windowCpu;
                    window?.Invoke(windowStart, wall.Elapsed, used);
                    windowCpu = process.TotalProcessorTime;
                    windowStart = wall.Elapsed;
                }
            }
            process.Refresh();
            return (process.TotalProcessorTime - cpu0, wall.Elapsed, polls, failures);
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
        }
    }

    /// <summary>`curtail emulate genset --count N --port 0` in a child process; ports read from its output.</summary>
    private sealed class EmulatorProcess : IDisposable
    {
        private readonly Process _process;
        public IReadOnlyList<int> Ports { get; }
        public int Pid => _process.Id;

        private EmulatorProcess(Process process, IReadOnlyList<int> ports)
        {
            _process = process;
            Ports = ports;
        }

        public static async Task<EmulatorProcess> StartAsync(int count, CancellationToken ct)
        {
            var host = Environment.ProcessPath ?? throw new InvalidOperationException("cannot locate the curtail executable");
            var psi = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            if (Path.GetFileNameWithoutExtension(host) == "dotnet") psi.ArgumentList.Add(typeof(GensetBenchCommand).Assembly.Location);
            foreach (var a in new[] { "emulate", "genset", "--port", "0", "--count", count.ToString(CultureInfo.InvariantCulture) }) psi.ArgumentList.Add(a);
            var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start the emulator process");
            var ports = new List<int>();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            try
            {
                while (ports.Count < count && await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
                {
                    var at = line.IndexOf("127.0.0.1:", StringComparison.Ordinal);
                    if (at >= 0) ports.Add(int.Parse(line.AsSpan(at + 10, line.IndexOf(' ', at) - at - 10), CultureInfo.InvariantCulture));
                }
            }
            catch
            {
                process.Kill(entireProcessTree: true);
                process.Dispose();
                throw;
            }
            if (ports.Count < count)
            {
                var err = await process.StandardError.ReadToEndAsync(ct);
                process.Kill(entireProcessTree: true);
                process.Dispose();
                throw new InvalidOperationException($"emulator process reported {ports.Count} of {count} ports: {err}");
            }
            return new EmulatorProcess(process, ports);
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
            _process.Dispose();
        }
    }
}
