using System.CommandLine;
using System.Text.Json;
using Curtail.Core;
using Curtail.Miners;
using Curtail.Miners.Fleet;

namespace Curtail.Cli.Commands;

/// <summary>`curtail miners discover`: tell the family and firmware of each address, optionally writing a fleet file.</summary>
public sealed class MinersDiscoverCommand : ICliCommand
{
    public string? Parent => MinersCli.Group;
    public string? ParentDescription => MinersCli.GroupDescription;

    public Command Build()
    {
        var address = new Option<string>("--address")
        {
            Description = "Comma-separated: host (probes 80, 4028, 4433), a.b.c.d-e ranges, or host:port[-last] (emulators)",
            Required = true,
        };
        var auxOffset = new Option<int?>("--aux-offset") { Description = "For host:port items, the second API is at port+offset (emulator: --count)" };
        var timeout = new Option<int>("--timeout-ms") { Description = "Per-probe timeout", DefaultValueFactory = _ => 1500 };
        var concurrency = MinersCli.Concurrency();
        var json = MinersCli.Json();
        var writeFleet = new Option<string?>("--write-fleet") { Description = "Write the miners found as a fleet file" };
        var defaultModel = new Option<string>("--default-model") { Description = "Model to write when the firmware's is not in the catalog", DefaultValueFactory = _ => "S19j Pro" };
        var command = new Command("discover", "Identify miners (family, firmware, model) at addresses")
        {
            address, auxOffset, timeout, concurrency, json, writeFleet, defaultModel,
        };
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var probe = TimeSpan.FromMilliseconds(Math.Max(100, parse.GetValue(timeout)));
            var offset = parse.GetValue(auxOffset);
            var fallback = ModelCatalog.Find(parse.GetValue(defaultModel)!)
                           ?? throw new InvalidInputException("--default-model", null, $"unknown model '{parse.GetValue(defaultModel)}'");
            var targets = new List<(string Host, int? Port)>();
            foreach (var item in parse.GetValue(address)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var explicitPort = item.LastIndexOf(':') > 0;
                foreach (var (host, port) in AddressRange.Expand(item, 0, m => new InvalidInputException("--address", null, m)))
                    targets.Add((host, explicitPort ? port : null));
            }
            using var slots = new SemaphoreSlim(Math.Max(1, parse.GetValue(concurrency)));
            var found = await Task.WhenAll(targets.Select(async t =>
            {
                await slots.WaitAsync(ct);
                try
                {
                    return (Target: t, Miner: t.Port is { } p
                        ? await MinerDiscovery.IdentifyEndpointAsync(new MinerEndpoint(t.Host, p, offset is { } o ? p + o : null), probe, ct)
                        : await MinerDiscovery.IdentifyHostAsync(t.Host, probe, ct));
                }
                finally
                {
                    slots.Release();
                }
            }));
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(found.Select(f => new
                {
                    address = f.Target.Port is { } p ? $"{f.Target.Host}:{p}" : f.Target.Host,
                    family = f.Miner?.Family, firmware = f.Miner?.Firmware, model = f.Miner?.Model, evidence = f.Miner?.Evidence,
                    port = f.Miner?.Endpoint.Port, aux_port = f.Miner?.Endpoint.AuxPort,
                }), MinersCli.JsonOptions));
            }
            else
            {
                foreach (var (t, m) in found)
                {
                    var where = t.Port is { } p ? $"{t.Host}:{p}" : t.Host;
                    output.WriteLine(m is null ? $"{where,-22} no miner API answered" : $"{where,-22} {m.Family,-13} {m.Firmware,-28} {m.Model ?? "-",-22} ({m.Evidence})");
                }
                output.WriteLine($"{found.Count(f => f.Miner is not null)}/{found.Length} identified");
            }
            if (parse.GetValue(writeFleet) is { } path)
            {
                var specs = found.Where(f => f.Miner is not null).Select(f => f.Miner!).Select(m => new MinerSpec(
                    $"{m.Endpoint.Host}:{m.Endpoint.Port}", m.Family, m.Endpoint, (m.Model is null ? null : ModelCatalog.Find(m.Model)) ?? fallback,
                    MinerCredentials.Default(m.Family))).ToList();
                await File.WriteAllTextAsync(path, FleetFile.Describe(specs), ct);
                output.WriteLine($"fleet file: {path} (add credentials for miners that do not use the firmware defaults)");
            }
            return found.All(f => f.Miner is not null) ? CurtailApp.ExitOk : CurtailApp.ExitFailure;
        });
        return command;
    }
}
