using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
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
        var family = new Option<string>("--family", "--mix") { Description = "Family of the in-process fleet, or a mix (luxos:40,whatsminer3:30,braiins:30)", DefaultValueFactory = _ => "luxos" };
        var basePort = new Option<int?>("--base-port") { Description = "First port of the in-process fleet (default: 20000, or below the ephemeral port range)" };
        var fleetFile = new Option<string?>("--fleet") { Description = "Use miners from this fleet file (emulator in another process) instead" };
        var fraction = new Option<double>("--target-fraction") { Description = "Target as a fraction of the fleet's full load", DefaultValueFactory = _ => 0.05 };
        var concurrency = new Option<int>("--concurrency") { Description = "Commands (and separately reads) in flight", DefaultValueFactory = _ => 512 };
        var linger = new Option<double>("--luxos-session-linger")
        {
            Description = "LuxOS: seconds a session stays open after a write before the logoff (0 = log off at once)",
            DefaultValueFactory = _ => DriverOptions.Default.LuxOsSessionLinger.TotalSeconds,
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (see docs/miners.md for its fields)" };
        var speed = new Option<double>("--speed") { Description = "Emulated firmware speed-up (1 = real timing)", DefaultValueFactory = _ => 1 };
        var warmUp = new Option<bool>("--warm-up")
        {
            Description = "Shed and wake the fleet once before the measured shed (a controller's later sheds; without it, its first after a start)",
        };
        var noRehearsal = new Option<bool>("--no-rehearsal")
        {
            Description = "Skip the shed-path rehearsal that `curtail run` does at start (a controller's first shed without it)",
        };
        var command = new Command("miners", "Shed an emulated fleet to a target with confirmation; report latencies and memory")
        {
            count, family, basePort, fleetFile, fraction, concurrency, speed, linger, json, warmUp, noRehearsal,
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
                    var fleetOptions = new FleetEmulatorOptions
                    {
                        Count = parse.GetValue(count), Mix = FleetEmulatorOptions.ParseMix(parse.GetValue(family)!),
                        Seed = 1, Timing = new EmulatorTiming { SpeedFactor = parse.GetValue(speed) },
                    };
                    emulator = new MinerFleetEmulator(fleetOptions with { BasePort = parse.GetValue(basePort) ?? fleetOptions.BasePortBelowEphemeral() },
                        TimeProvider.System);
                    emulator.Start();
                    emulatorBytes = GC.GetTotalMemory(true) - before;
                    specs = emulator.Miners.Select(m => new MinerSpec($"m{m.Index}", m.Family, m.Endpoint, m.Model, m.Credentials)).ToList();
                    if (!parse.GetValue(json)) output.WriteLine($"emulator: {specs.Count} miners in-process, {emulatorBytes / 1e6:0} MB managed");
                }

                // As `curtail run` does before its first cycle (ShedRehearsal); before the heap and collection counts below.
                var rehearsal = parse.GetValue(noRehearsal) ? null : await ShedRehearsal.RunAsync(specs.Select(s => s.Family), slots, ct);
                if (rehearsal is not null && !parse.GetValue(json)) output.WriteLine(rehearsal.ToString());
                var heapBefore = GC.GetTotalMemory(true);
                var gcBefore = (Gen0: GC.CollectionCount(0), Gen1: GC.CollectionCount(1), Gen2: GC.CollectionCount(2), Pause: GC.GetTotalPauseDuration());
                var time = TimeProvider.System;
                var options = new DriverOptions { CommandTimeout = TimeSpan.FromSeconds(10), LuxOsSessionLinger = TimeSpan.FromSeconds(parse.GetValue(linger)) };
                var members = specs.Select(s => new FleetMember(MinerFactory.Create(s, time, options), s.Group)).ToList();
                var dispatcher = new FleetDispatcher(new DispatchOptions
                {
                    MaxConcurrentCommands = slots, MaxConcurrentReads = slots, PollInterval = TimeSpan.FromMilliseconds(500),
                }, time);
                await using var actuator = new FleetActuator(members, dispatcher, time, slots);
                var fullW = specs.Sum(s => s.Model.NominalW);
                var target = fullW * targetFraction;

                // The GC is watched from here, as the peak working set covers the whole process: with --warm-up its
                // peaks are the warm-up's too (its wake is the heavier step).
                var marks = new BenchMarks();
                using var gcWatch = time.CreateTimer(_ => marks.SampleGc(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(50));
                if (parse.GetValue(warmUp)) await WarmUpAsync(actuator, target, fullW, options.LuxOsSessionLinger, time, ct);

                dispatcher.CommandSent += (_, _) => marks.Sent(Stopwatch.GetTimestamp());
                dispatcher.CommandConfirmed += (_, _) => marks.Confirmed(Stopwatch.GetTimestamp());
                // As the live cycle does: one read is the snapshot the decision is made from, and the dispatch
                // commands from that snapshot without reading the fleet again.
                var start = Stopwatch.GetTimestamp();
                var startCost = PhaseCost.Now();
                var reads = await actuator.ReadAllAsync(ct);
                var decision = Stopwatch.GetTimestamp();
                var decisionCost = PhaseCost.Now();
                var report = await actuator.ApplyTargetAsync(target, reads, ct);
                var heapAfter = GC.GetTotalMemory(false);
                var heapRetained = GC.GetTotalMemory(true) - heapBefore;
                GC.KeepAlive(members);

                var results = report.Results;
                var familyOf = members.ToDictionary(m => m.Miner.Id, m => m.Miner.Family, StringComparer.Ordinal);
                var latencies = results.Select(r => r.CommandLatency.TotalMilliseconds).Order().ToArray();
                var confirms = results.Where(r => r.ConfirmLatency is not null).Select(r => r.ConfirmLatency!.Value.TotalMilliseconds).Order().ToArray();
                var afterAck = results.Where(r => r.ConfirmAfterAcknowledged is not null).Select(r => r.ConfirmAfterAcknowledged!.Value.TotalMilliseconds).Order().ToArray();
                double? AfterDecision(long ts) => ts == 0 ? null : Math.Round((ts - decision) * 1000.0 / Stopwatch.Frequency, 1);
                using var process = Process.GetCurrentProcess();
                var summary = new BenchSummary
                {
                    Miners = specs.Count,
                    Families = string.Join(",", specs.GroupBy(s => s.Family).OrderByDescending(g => g.Count()).Select(g => $"{GensetReadCommand.Snake(g.Key.ToString())}:{g.Count()}")),
                    NominalMw = Math.Round(fullW / 1e6, 3),
                    TargetMw = Math.Round(target / 1e6, 3),
                    Concurrency = slots,
                    ReadMs = Math.Round((decision - start) * 1000.0 / Stopwatch.Frequency, 1),
                    ReadCpuMs = Math.Round((decisionCost.Cpu - startCost.Cpu).TotalMilliseconds),
                    SendCpuMs = marks.LastSentCost is { } sc ? Math.Round((sc.Cpu - decisionCost.Cpu).TotalMilliseconds) : null,
                    SendSystemCpuMs = marks.LastSentCost is { } ss ? Math.Round((ss.SystemCpu - decisionCost.SystemCpu).TotalMilliseconds) : null,
                    ReadAllocatedMb = Math.Round((decisionCost.Allocated - startCost.Allocated) / 1e6, 1),
                    SendAllocatedMb = marks.LastSentCost is { } sa ? Math.Round((sa.Allocated - decisionCost.Allocated) / 1e6, 1) : null,
                    SendGcPauseMs = marks.LastSentCost is { } sg ? Math.Round((sg.GcPause - decisionCost.GcPause).TotalMilliseconds, 1) : null,
                    SendCollections = marks.LastSentCost is { } sn ? sn.Collections - decisionCost.Collections : null,
                    Unreadable = report.Unreachable.Count,
                    Commands = results.Count,
                    FirstCommandMsAfterDecision = AfterDecision(marks.FirstSent),
                    AllSentMsAfterDecision = AfterDecision(marks.LastSent),
                    CommandLatencyP50Ms = Pct(latencies, 0.5),
                    CommandLatencyP99Ms = Pct(latencies, 0.99),
                    ConfirmLatencyP50Ms = Pct(confirms, 0.5),
                    ConfirmLatencyP99Ms = Pct(confirms, 0.99),
                    ConfirmLatencyMaxMs = Pct(confirms, 1),
                    ConfirmAfterAckP50Ms = Pct(afterAck, 0.5),
                    ConfirmAfterAckP99Ms = Pct(afterAck, 0.99),
                    ReadBacks = results.Sum(r => r.ReadBacks),
                    ConfirmByFamily = results.GroupBy(r => (Family: familyOf[r.MinerId], r.Action)).OrderBy(g => g.Key.Family).ThenBy(g => g.Key.Action)
                        .ToDictionary(g => $"{GensetReadCommand.Snake(g.Key.Family.ToString())}:{GensetReadCommand.Snake(g.Key.Action.ToString())}", g =>
                        {
                            var cl = g.Where(r => r.ConfirmLatency is not null).Select(r => r.ConfirmLatency!.Value.TotalMilliseconds).Order().ToArray();
                            var ack = g.Where(r => r.ConfirmAfterAcknowledged is not null).Select(r => r.ConfirmAfterAcknowledged!.Value.TotalMilliseconds).Order().ToArray();
                            var read = g.Where(r => r.ConfirmingRead is not null).Select(r => r.ConfirmingRead!.Value.TotalMilliseconds).Order().ToArray();
                            var found = report.Rounds.Count > 0 && report.Rounds[0].Dispatch.ProbeFindings.TryGetValue(g.Key, out var f) && f is { } at
                                ? Math.Round(at.TotalMilliseconds, 1) : (double?)null;
                            return new FamilyConfirmations(g.Count(), cl.Length, Pct(cl, 0.5), Pct(cl, 0.99), Pct(ack, 0.5), Pct(ack, 0.99), g.Sum(r => r.ReadBacks),
                                g.Sum(r => r.FailedReadBacks), found, Pct(read, 0.5), Pct(read, 0.99));
                        }),
                    AllConfirmedMsAfterDecision = AfterDecision(marks.LastConfirmed),
                    Confirmed = results.Count(r => r.Outcome == DispatchOutcome.Confirmed),
                    Unconfirmed = results.Count(r => r.Outcome == DispatchOutcome.Unconfirmed),
                    Failed = results.Count(r => r.Outcome == DispatchOutcome.Failed),
                    Rounds = report.Rounds.Count,
                    TargetMet = report.TargetMet,
                    ExpectedLoadMw = Math.Round(report.ExpectedLoadW / 1e6, 3),
                    HeapRetainedMb = Math.Round(heapRetained / 1e6, 1),
                    PeakWorkingSetMb = Math.Round(process.PeakWorkingSet64 / 1e6, 1),
                    PeakGcCommittedMb = Math.Round(marks.PeakGcCommitted / 1e6, 1),
                    GcAtPeak = marks.AtPeak,
                    WorkingSetMb = Math.Round(process.WorkingSet64 / 1e6, 1),
                    Gen0Collections = GC.CollectionCount(0) - gcBefore.Gen0,
                    Gen1Collections = GC.CollectionCount(1) - gcBefore.Gen1,
                    Gen2Collections = GC.CollectionCount(2) - gcBefore.Gen2,
                    GcPauseMs = Math.Round((GC.GetTotalPauseDuration() - gcBefore.Pause).TotalMilliseconds, 1),
                    ThreadPoolThreads = ThreadPool.ThreadCount,
                    EmulatorInProcess = emulator is not null,
                    RehearsalMs = rehearsal is null ? null : Math.Round(rehearsal.Elapsed.TotalMilliseconds),
                    RehearsalCommands = rehearsal?.Commands,
                    RehearsalProblems = rehearsal?.Problems ?? [],
                    LoadAverage = LoadAverage(),
                    Errors = results.Where(r => r.Outcome != DispatchOutcome.Confirmed).Take(5).Select(r => r.ToString()).ToList(),
                    SlowestConfirmations = results.Where(r => r.ConfirmLatency is not null).OrderByDescending(r => r.ConfirmLatency).Take(3)
                        .Select(r => $"{r}, sent {r.SentAt.TotalMilliseconds:0} ms after the decision, {r.ReadBacks} read-backs").ToList(),
                };
                if (parse.GetValue(json))
                {
                    output.WriteLine(JsonSerializer.Serialize(summary, BenchJson));
                }
                else
                {
                    output.WriteLine($"fleet: {summary.Miners} miners ({summary.Families}), {summary.NominalMw:0.00} MW nominal; target {summary.TargetMw:0.00} MW; concurrency {slots}");
                    output.WriteLine($"read fleet state (the decision's snapshot): {summary.ReadMs,9:0} ms");
                    output.WriteLine($"cost of the read:            {summary.ReadCpuMs,9:0} ms CPU, {summary.ReadAllocatedMb:0} MB allocated; "
                                     + $"decision to all sent: {summary.SendCpuMs:0} ms CPU, {summary.SendAllocatedMb:0} MB allocated");
                    output.WriteLine($"first command delivered:     {summary.FirstCommandMsAfterDecision,9:0} ms after the decision");
                    output.WriteLine($"all {summary.Commands} commands delivered: {summary.AllSentMsAfterDecision,9:0} ms after the decision");
                    output.WriteLine($"per-miner command latency:   p50 {summary.CommandLatencyP50Ms:0.0} ms, p99 {summary.CommandLatencyP99Ms:0.0} ms");
                    output.WriteLine($"confirm latency (read-back): p50 {summary.ConfirmLatencyP50Ms:0} ms, p99 {summary.ConfirmLatencyP99Ms:0} ms from each command's start; "
                                     + $"p50 {summary.ConfirmAfterAckP50Ms:0} ms, p99 {summary.ConfirmAfterAckP99Ms:0} ms from its acknowledgement; {summary.ReadBacks} read-backs");
                    foreach (var (key, f) in summary.ConfirmByFamily)
                        output.WriteLine($"  {key}: {f.Confirmed} of {f.Commands} confirmed, p50 {f.ConfirmLatencyP50Ms:0} / p99 {f.ConfirmLatencyP99Ms:0} ms from the start, "
                                         + $"{f.ConfirmAfterAckP50Ms:0} / {f.ConfirmAfterAckP99Ms:0} ms from the acknowledgement, {f.ReadBacks} read-backs ({f.FailedReadBacks} failed); "
                                         + $"probes found the effect {(f.ProbeFoundMs is { } pf ? $"{pf:0} ms" : "never")} after an acknowledgement, "
                                         + $"the confirming read took p50 {f.ConfirmingReadP50Ms:0} / p99 {f.ConfirmingReadP99Ms:0} ms");
                    output.WriteLine($"all confirmed:               {summary.AllConfirmedMsAfterDecision,9:0} ms after the decision; {summary.Rounds} round(s)");
                    output.WriteLine($"outcomes: {summary.Confirmed} confirmed, {summary.Unconfirmed} unconfirmed, {summary.Failed} failed; "
                                     + $"expected load {summary.ExpectedLoadMw:0.000} MW, target met: {summary.TargetMet}"
                                     + (emulator is null ? "" : $"; emulated load now {emulator.TotalPowerW / 1e6:0.000} MW"));
                    output.WriteLine($"controller managed heap: {summary.HeapRetainedMb:0.0} MB retained (drivers, states, results), {(heapAfter - heapBefore) / 1e6:0.0} MB before GC; "
                                     + $"GCs gen0/1/2 {summary.Gen0Collections}/{summary.Gen1Collections}/{summary.Gen2Collections}, pauses {summary.GcPauseMs:0} ms");
                    output.WriteLine($"process working set: {summary.WorkingSetMb:0} MB, peak {summary.PeakWorkingSetMb:0} MB" + (emulator is null ? " (controller only)" : " (controller + emulator)"));
                    foreach (var e in summary.Errors) output.WriteLine($"  e.g. {e}");
                }
                return report.TargetMet ? CurtailApp.ExitOk : CurtailApp.ExitFailure;
            }
            finally
            {
                if (emulator is not null) await emulator.StopAsync();
            }
        });
        return command;
    }

    /// <summary>
    /// One shed and one wake of the whole fleet, then a wait until it is back at full power and every LuxOS session of
    /// ours has been logged off: the measured shed then runs code the process has run before (compiled, tiered up), as
    /// a controller's sheds after its first do, and still logs on to every miner, as after any quiet spell.
    /// </summary>
    private static async Task WarmUpAsync(FleetActuator actuator, double target, double fullW, TimeSpan linger, TimeProvider time,
        CancellationToken ct)
    {
        await actuator.ApplyTargetAsync(target, await actuator.ReadAllAsync(ct), ct);
        await actuator.ApplyTargetAsync(fullW, await actuator.ReadAllAsync(ct), ct);
        var awake = time.GetTimestamp();
        var deadline = TimeSpan.FromSeconds(120);
        while (time.GetElapsedTime(awake) < deadline)
        {
            var reads = await actuator.ReadAllAsync(ct);
            if (reads.All(r => r.Status is { Mode: MinerMode.Running })) break;
            await Task.Delay(TimeSpan.FromSeconds(1), time, ct);
        }
        var loggedOff = linger + TimeSpan.FromSeconds(3) - time.GetElapsedTime(awake);
        if (linger > TimeSpan.Zero && linger != Timeout.InfiniteTimeSpan && loggedOff > TimeSpan.Zero) await Task.Delay(loggedOff, time, ct);
    }

    private static readonly JsonSerializerOptions BenchJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static double? Pct(double[] sorted, double p) =>
        sorted.Length == 0 ? null : Math.Round(sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)], 1);

    private static string? LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The process's CPU time so far and the managed bytes it has allocated: what a phase cost.</summary>
    private readonly record struct PhaseCost(TimeSpan Cpu, TimeSpan SystemCpu, long Allocated, TimeSpan GcPause, int Collections)
    {
        public static PhaseCost Now()
        {
            var cpu = Environment.CpuUsage;
            return new(cpu.TotalTime, cpu.PrivilegedTime, GC.GetTotalAllocatedBytes(precise: false), GC.GetTotalPauseDuration(), GC.CollectionCount(0));
        }
    }

    /// <summary>Timestamps of the first and last delivery and the last confirmation, written from many threads.</summary>
    private sealed class BenchMarks
    {
        private readonly Lock _gate = new();
        private long _firstSent, _lastSent, _lastConfirmed;
        private PhaseCost? _lastSentCost;

        public long FirstSent => Interlocked.Read(ref _firstSent);
        public long LastSent => Interlocked.Read(ref _lastSent);
        public long LastConfirmed => Interlocked.Read(ref _lastConfirmed);

        /// <summary>The cost counters as the last command was acknowledged.</summary>
        public PhaseCost? LastSentCost
        {
            get { lock (_gate) return _lastSentCost; }
        }

        private long _lastCostAt;

        public void Sent(long now)
        {
            Interlocked.CompareExchange(ref _firstSent, now, 0);
            Max(ref _lastSent, now);
            // The cost counters (a getrusage system call) at most once a millisecond, not once per command: the bench's
            // own system calls should not weigh on the send it measures. The last sample is within 1 ms of the last command.
            var sampled = Interlocked.Read(ref _lastCostAt);
            if (now - sampled < Stopwatch.Frequency / 1000 || Interlocked.CompareExchange(ref _lastCostAt, now, sampled) != sampled) return;
            var cost = PhaseCost.Now();
            lock (_gate)
            {
                if (_lastSentCost is { } earlier && earlier.Cpu > cost.Cpu) return;
                _lastSentCost = cost;
            }
        }

        public void Confirmed(long now) => Max(ref _lastConfirmed, now);

        private long _peakGcCommitted;

        public long PeakGcCommitted => Interlocked.Read(ref _peakGcCommitted);

        private GcAtPeak? _atPeak;

        /// <summary>The GC's own account of its heap at the collection where it held the most committed.</summary>
        public GcAtPeak? AtPeak
        {
            get { lock (_gate) return _atPeak; }
        }

        /// <summary>What the GC held committed at its last collection (sampled: the GC reports it per collection).</summary>
        public void SampleGc()
        {
            var info = GC.GetGCMemoryInfo();
            if (info.TotalCommittedBytes <= PeakGcCommitted) return;
            Max(ref _peakGcCommitted, info.TotalCommittedBytes);
            var peak = GcAtPeak.From(info);
            lock (_gate)
                if (_atPeak is null || peak.CommittedMb >= _atPeak.CommittedMb) _atPeak = peak;
        }

        private static void Max(ref long field, long value)
        {
            var seen = Interlocked.Read(ref field);
            while (value > seen)
            {
                var was = Interlocked.CompareExchange(ref field, value, seen);
                if (was == seen) return;
                seen = was;
            }
        }
    }
}
