using System.CommandLine;
using System.Diagnostics;
using Curtail.Core;
using Curtail.Emulators.Miners;
using Curtail.Miners;
using Curtail.Miners.Drivers;
using Curtail.Miners.Fleet;

namespace Curtail.Cli.Commands;

/// <summary>
/// `curtail bench miners`: shed an emulated fleet (10,000 by default) from full power to a target over loopback,
/// with confirmation by read-back, and report time to first command, per-miner command latency, time to all sent
/// and all confirmed, and the controller's memory. With --fleet the emulator runs in another process
/// (`curtail emulate miners --write-fleet`), so the memory figure is the controller's alone.
/// </summary>
public sealed class MinersBenchCommand : ICliCommand
{
    public string? Parent => "bench";
    public string? ParentDescription => "Benchmarks against the emulators over loopback";

    public Command Build()
    {
        var count = new Option<int>("--count") { Description = "Emulated miners (in-process)", DefaultValueFactory = _ => 10_000 };
        var family = new Option<string>("--family") { Description = "Family of the in-process fleet (mix syntax accepted)", DefaultValueFactory = _ => "luxos" };
        var basePort = new Option<int>("--base-port") { Description = "First port of the in-process fleet", DefaultValueFactory = _ => 20000 };
        var fleetFile = new Option<string?>("--fleet") { Description = "Use miners from this fleet file (emulator in another process) instead" };
        var fraction = new Option<double>("--target-fraction") { Description = "Target as a fraction of the fleet's full load", DefaultValueFactory = _ => 0.05 };
        var concurrency = new Option<int>("--concurrency") { Description = "Commands (and separately reads) in flight", DefaultValueFactory = _ => 512 };
        var linger = new Option<double>("--luxos-session-linger")
        {
            Description = "LuxOS: seconds a session stays open after a write before the logoff (0 = log off at once)",
            DefaultValueFactory = _ => DriverOptions.Default.LuxOsSessionLinger.TotalSeconds,
        };
        var speed = new Option<double>("--speed") { Description = "Emulated firmware speed-up (1 = real timing)", DefaultValueFactory = _ => 1 };
        var command = new Command("miners", "Shed an emulated fleet to a target with confirmation; report latencies and memory")
        {
            count, family, basePort, fleetFile, fraction, concurrency, speed, linger,
        };
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var targetFraction = parse.GetValue(fraction);
            if (targetFraction is < 0 or > 1) throw new InvalidInputException("--target-fraction", null, "must be within 0-1");
            var slots = parse.GetValue(concurrency);
            MinerFleetEmulator? emulator = null;
            try
            {
                List<MinerSpec> specs;
                long emulatorBytes = 0;
                if (parse.GetValue(fleetFile) is { } path)
                {
                    specs = FleetFile.Load(path).Miners.ToList();
                }
                else
                {
                    var before = GC.GetTotalMemory(true);
                    emulator = new MinerFleetEmulator(new FleetEmulatorOptions
                    {
                        Count = parse.GetValue(count), Mix = FleetEmulatorOptions.ParseMix(parse.GetValue(family)!),
                        BasePort = parse.GetValue(basePort), Seed = 1, Timing = new EmulatorTiming { SpeedFactor = parse.GetValue(speed) },
                    }, TimeProvider.System);
                    emulator.Start();
                    emulatorBytes = GC.GetTotalMemory(true) - before;
                    specs = emulator.Miners.Select(m => new MinerSpec($"m{m.Index}", m.Family, m.Endpoint, m.Model, m.Credentials)).ToList();
                    output.WriteLine($"emulator: {specs.Count} miners in-process, {emulatorBytes / 1e6:0} MB managed");
                }

                var heapBefore = GC.GetTotalMemory(true);
                var time = TimeProvider.System;
                var options = new DriverOptions { CommandTimeout = TimeSpan.FromSeconds(10), LuxOsSessionLinger = TimeSpan.FromSeconds(parse.GetValue(linger)) };
                var members = specs.Select(s => new FleetMember(MinerFactory.Create(s, time, options), s.Group)).ToList();
                var dispatcher = new FleetDispatcher(new DispatchOptions
                {
                    MaxConcurrentCommands = slots, MaxConcurrentReads = slots, PollInterval = TimeSpan.FromMilliseconds(500),
                }, time);
                var actuator = new FleetActuator(members, dispatcher, time, slots);
                var fullW = specs.Sum(s => s.Model.NominalW);
                var target = fullW * targetFraction;

                var start = Stopwatch.GetTimestamp();
                long firstSent = 0, lastSent = 0, sent = 0;
                dispatcher.CommandSent += (_, _) =>
                {
                    var now = Stopwatch.GetTimestamp();
                    Interlocked.CompareExchange(ref firstSent, now, 0);
                    Interlocked.Exchange(ref lastSent, now);
                    Interlocked.Increment(ref sent);
                };
                var report = await actuator.ApplyTargetAsync(target, ct);
                var total = Stopwatch.GetElapsedTime(start);
                var heapAfter = GC.GetTotalMemory(false);
                var heapRetained = GC.GetTotalMemory(true) - heapBefore;
                GC.KeepAlive(members);
                GC.KeepAlive(report);

                var results = report.Results;
                var latencies = results.Select(r => r.CommandLatency.TotalMilliseconds).Order().ToArray();
                var confirms = results.Where(r => r.ConfirmLatency is not null).Select(r => r.ConfirmLatency!.Value.TotalMilliseconds).Order().ToArray();
                var dispatchStart = start + (long)(report.ReadElapsed.TotalSeconds * Stopwatch.Frequency);
                double Ms(long ts) => ts == 0 ? double.NaN : (ts - start) * 1000.0 / Stopwatch.Frequency;
                output.WriteLine($"fleet: {specs.Count} miners, {fullW / 1e6:0.00} MW nominal; target {target / 1e6:0.00} MW; concurrency {slots}");
                output.WriteLine($"read fleet state:            {report.ReadElapsed.TotalMilliseconds,9:0} ms");
                output.WriteLine($"time to first command:       {Ms(firstSent),9:0} ms from start ({Ms(firstSent) - report.ReadElapsed.TotalMilliseconds:0} ms after the read)");
                output.WriteLine($"all commands sent:           {Ms(lastSent),9:0} ms from start ({(lastSent - dispatchStart) * 1000.0 / Stopwatch.Frequency:0} ms after the read); {sent} sent");
                output.WriteLine($"per-miner command latency:   p50 {Pct(latencies, 0.5):0.0} ms, p99 {Pct(latencies, 0.99):0.0} ms, max {latencies.LastOrDefault():0.0} ms");
                output.WriteLine($"confirm latency (read-back): p50 {Pct(confirms, 0.5):0} ms, p99 {Pct(confirms, 0.99):0} ms");
                output.WriteLine($"all confirmed:               {total.TotalMilliseconds,9:0} ms from start; "
                                 + string.Join(", ", report.Rounds.Select((r, i) => $"round {i + 1}: {r.Dispatch.Results.Count} commands in {r.Dispatch.Elapsed.TotalMilliseconds:0} ms")));
                var ends = results.Where(r => r.ConfirmLatency is not null).Select(r => (r.SentAt - r.CommandLatency + r.ConfirmLatency!.Value).TotalMilliseconds).Order().ToArray();
                output.WriteLine($"last confirmation at {ends.LastOrDefault():0} ms after dispatch start (p50 {Pct(ends, 0.5):0} ms)");
                output.WriteLine($"outcomes: {results.Count(r => r.Outcome == DispatchOutcome.Confirmed)} confirmed, "
                                 + $"{results.Count(r => r.Outcome == DispatchOutcome.Unconfirmed)} unconfirmed, {results.Count(r => r.Outcome == DispatchOutcome.Failed)} failed; "
                                 + $"expected load {report.ExpectedLoadW / 1e6:0.000} MW, target met: {report.TargetMet}"
                                 + (emulator is null ? "" : $"; emulated load now {emulator.TotalPowerW / 1e6:0.000} MW"));
                output.WriteLine($"controller managed heap: {heapRetained / 1e6:0.0} MB retained (drivers, states, results), {(heapAfter - heapBefore) / 1e6:0.0} MB before GC");
                output.WriteLine($"process working set: {Environment.WorkingSet / 1e6:0} MB" + (emulator is null ? " (controller only)" : " (controller + emulator)"));
                foreach (var f in results.Where(r => r.Outcome != DispatchOutcome.Confirmed).Take(5)) output.WriteLine($"  e.g. {f}");
                return report.TargetMet ? CurtailApp.ExitOk : CurtailApp.ExitFailure;
            }
            finally
            {
                if (emulator is not null) await emulator.StopAsync();
            }
        });
        return command;
    }

    private static double Pct(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
