using System.CommandLine;
using System.Globalization;
using Curtail.Core;
using Curtail.Emulators.Miners;
using Curtail.Miners;
using Curtail.Miners.Fleet;

namespace Curtail.Cli.Commands;

/// <summary>`curtail emulate miners`: N emulated miners on loopback, each speaking its family's wire protocol.</summary>
public sealed class EmulateMinersCommand : ICliCommand
{
    public string? Parent => "emulate";
    public string? ParentDescription => "Run device emulators (real network servers on loopback)";

    public Command Build()
    {
        var count = new Option<int>("--count") { Description = "Number of miners", DefaultValueFactory = _ => 10 };
        var mix = new Option<string>("--mix")
        {
            Description = "Share of each family: antminer, luxos, whatsminer (API v2), whatsminer3, braiins, vnish, epic, avalon, cgminer",
            DefaultValueFactory = _ => "antminer:40,luxos:30,whatsminer:20,braiins:10",
        };
        var basePort = new Option<int?>("--base-port")
        {
            Description = "Miner i listens on base+i (main API); second APIs follow the main ones. Default 20000, "
                          + "or lower so that the fleet stays below the kernel's ephemeral port range",
        };
        var seed = new Option<int>("--seed") { Description = "Seed for models, families and faults", DefaultValueFactory = _ => 1 };
        var speed = new Option<double>("--speed") { Description = "Firmware timing speed-up (1 = real: 20 s Antminer replies, 1-10 min wake ramps)", DefaultValueFactory = _ => 1 };
        var faults = new Option<string?>("--faults") { Description = "Fault probabilities per request, e.g. timeout=0.01,reset=0.01,malformed=0.05,session=0.01" };
        var fault = new Option<string[]>("--fault")
        {
            Description = "Switch a fault on one miner from the start, ID=NAME (ID: index or host:port; NAME: "
                          + string.Join(", ", FaultSwitches.Names.Keys) + "); repeatable. Flip them at runtime through --control-port",
            AllowMultipleArgumentsPerToken = true,
        };
        var controlPort = new Option<int?>("--control-port")
        {
            Description = "Serve the control endpoint on 127.0.0.1:PORT: GET /miners, /miners/ID, /power; PUT /miners/ID/fault/NAME; "
                          + "DELETE /miners/ID/fault, /faults (see docs/miners.md)",
        };
        var writeFleet = new Option<string?>("--write-fleet") { Description = "Write a fleet file (YAML) for these miners" };
        var duration = new Option<double?>("--duration") { Description = "Stop after this many seconds (default: until Ctrl+C)" };
        var quiet = new Option<bool>("--quiet") { Description = "Print a summary instead of one line per miner" };
        var command = new Command("miners", "Host N emulated miners (Antminer stock, LuxOS, Whatsminer v2/v3, Braiins OS, Vnish, ePIC, Avalon) on 127.0.0.1")
        {
            count, mix, basePort, seed, speed, faults, fault, controlPort, writeFleet, duration, quiet,
        };
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var options = new FleetEmulatorOptions
            {
                Count = parse.GetValue(count),
                Mix = FleetEmulatorOptions.ParseMix(parse.GetValue(mix)!),
                Seed = parse.GetValue(seed),
                Timing = new EmulatorTiming { SpeedFactor = Positive(parse.GetValue(speed), "--speed") },
                Faults = ParseFaults(parse.GetValue(faults)),
            };
            options = options with { BasePort = parse.GetValue(basePort) ?? options.BasePortBelowEphemeral() };
            // Before the fleet binds its ports: real firmware is as quick on its first write as on later ones.
            options.Validate();
            foreach (var problem in (await FleetRehearsal.RunAsync(options, ct)).Problems)
                parse.InvocationConfiguration.Error.WriteLine($"warning: the warm-up rehearsal could not run for {problem}");
            await using var fleet = new MinerFleetEmulator(options, TimeProvider.System);
            var highest = fleet.Miners.Max(m => m.Endpoint.AuxPort ?? m.Endpoint.Port);
            if (highest >= 32768)
                parse.InvocationConfiguration.Error.WriteLine($"warning: ports up to {highest} reach the kernel's ephemeral range (32768+, see "
                    + "/proc/sys/net/ipv4/ip_local_port_range); a client connection may hold a port before its listener binds");
            await using var control = parse.GetValue(controlPort) is { } cp ? new FleetControlServer(fleet, options.Address, cp) : null;
            foreach (var (miner, switchTo) in ParseFaultSwitches(parse.GetValue(fault), fleet))
                miner.Fault = switchTo;
            fleet.Start();
            control?.Start();
            if (parse.GetValue(quiet))
            {
                foreach (var g in fleet.Miners.GroupBy(m => m.Family))
                    output.WriteLine($"{g.Count(),6} {g.Key,-14} ports {g.Min(m => m.Endpoint.Port)}..{g.Max(m => m.Endpoint.Port)}");
            }
            else
            {
                foreach (var line in fleet.Describe()) output.WriteLine(line);
            }
            if (parse.GetValue(writeFleet) is { } path)
            {
                var passwordFile = Path.GetFileName(path) + ".password";
                var specs = fleet.Miners.Select(m => new MinerSpec($"{m.Endpoint.Host}:{m.Endpoint.Port}", m.Family, m.Endpoint, m.Model, m.Credentials)).ToList();
                await File.WriteAllTextAsync(path, FleetFile.Describe(specs, passwordFile), ct);
                var secret = specs.Select(s => s.Credentials).FirstOrDefault(c => specs.Any(s => s.Credentials == c && c != MinerCredentials.Default(s.Family)));
                if (secret is not null)
                    await File.WriteAllTextAsync(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, passwordFile), secret.Password + "\n", ct);
                output.WriteLine($"fleet file: {path}");
            }
            foreach (var m in fleet.Miners.Where(m => m.Fault != MinerFaultSwitch.None))
                output.WriteLine($"fault: miner {m.Index} ({m.Endpoint.Host}:{m.Endpoint.Port}) plays {FaultSwitches.Name(m.Fault)}");
            if (control is not null) output.WriteLine($"control: http://{options.Address}:{control.Port}/miners");
            output.WriteLine($"{fleet.Miners.Count} miners listening on {options.Address}; total power {fleet.TotalPowerW / 1000:0.0} kW. Ctrl+C stops.");
            var limit = parse.GetValue(duration) is { } seconds ? TimeSpan.FromSeconds(seconds) : Timeout.InfiniteTimeSpan;
            try
            {
                await Task.Delay(limit, ct);
            }
            catch (OperationCanceledException)
            {
            }
            output.WriteLine($"stopping; total power {fleet.TotalPowerW / 1000:0.0} kW");
            return 0;
        });
        return command;
    }

    private static double Positive(double value, string option) =>
        value > 0 ? value : throw new InvalidInputException(option, null, $"must be positive, got {value}");

    /// <summary>Parses `--fault ID=NAME` items against the fleet; an unknown miner or fault is bad input naming it.</summary>
    public static IEnumerable<(EmulatedMiner Miner, MinerFaultSwitch Fault)> ParseFaultSwitches(string[]? items, MinerFleetEmulator fleet)
    {
        var result = new List<(EmulatedMiner, MinerFaultSwitch)>();
        foreach (var item in (items ?? []).SelectMany(i => i.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            var eq = item.LastIndexOf('=');
            if (eq <= 0) throw new InvalidInputException("--fault", null, $"'{item}' must be ID=NAME");
            EmulatedMiner miner;
            try
            {
                miner = fleet.Find(item[..eq]);
            }
            catch (KeyNotFoundException ex)
            {
                throw new InvalidInputException("--fault", null, ex.Message);
            }
            result.Add((miner, FaultSwitches.Parse(item[(eq + 1)..], "--fault")));
        }
        return result;
    }

    public static FaultInjection ParseFaults(string? text)
    {
        var faults = FaultInjection.None;
        if (string.IsNullOrWhiteSpace(text)) return faults;
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var kv = item.Split('=');
            if (kv.Length != 2 || !double.TryParse(kv[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var p) || p is < 0 or > 1)
                throw new InvalidInputException("--faults", null, $"'{item}' must be name=probability with a probability within 0-1");
            faults = kv[0].Trim().ToLowerInvariant() switch
            {
                "timeout" => faults with { TimeoutProbability = p },
                "reset" => faults with { ResetProbability = p },
                "malformed" => faults with { MalformedProbability = p },
                "session" => faults with { SessionLossProbability = p },
                var other => throw new InvalidInputException("--faults", null, $"unknown fault '{other}' (timeout, reset, malformed, session)"),
            };
        }
        return faults;
    }
}
