using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Curtail.Core;
using Curtail.Miners;
using Curtail.Miners.Fleet;

namespace Curtail.Cli.Commands;

/// <summary>Options shared by the `curtail miners` verbs.</summary>
internal static class MinersCli
{
    public const string Group = "miners";
    public const string GroupDescription = "Read and actuate the miners listed in a fleet file";

    public static Option<string> Fleet() => new("--fleet") { Description = "Fleet file (YAML)", Required = true };
    public static Option<string?> Select() => new("--select") { Description = "Filter: key=value[,key=value], keys id, family, model, group, host; * wildcards" };
    public static Option<bool> Json() => new("--json") { Description = "Machine-readable output" };
    public static Option<int> Concurrency() => new("--concurrency") { Description = "Commands and reads in flight at once", DefaultValueFactory = _ => 64 };

    public static (FleetFile File, List<FleetMember> Members) Load(ParseResult parse, Option<string> fleet, Option<string?> select)
    {
        var file = FleetFile.Load(parse.GetValue(fleet)!);
        var selector = MinerSelector.Parse(parse.GetValue(select));
        var chosen = file.Miners.Where(selector.Matches).ToList();
        if (chosen.Count == 0) throw new InvalidInputException("--select", null, "no miner in the fleet file matches");
        var members = chosen.Select(m => new FleetMember(MinerFactory.Create(m, TimeProvider.System), m.Group)).ToList();
        return (file, members);
    }

    /// <summary>
    /// Releases the drivers' sessions when the command ends: a LuxOS miner allows one session, and one left open
    /// would lock out the controller (and the next command) until the firmware expires it a minute later.
    /// </summary>
    public sealed class Release(IReadOnlyList<FleetMember> members) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var m in members)
                if (m.Miner is IAsyncDisposable d) await d.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>What the operator asked, for the audit row: the verb and the selection.</summary>
    public static string Asked(ParseResult parse, string verb, Option<string?> select) =>
        parse.GetValue(select) is { } s ? $"{verb} --select {s}" : verb;

    public static FleetDispatcher Dispatcher(int concurrency) =>
        new(new DispatchOptions { MaxConcurrentCommands = concurrency, MaxConcurrentReads = concurrency }, TimeProvider.System);

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    public static int WriteResults(TextWriter output, IReadOnlyList<MinerCommandResult> results, bool json)
    {
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(results.Select(r => new
            {
                miner = r.MinerId, action = r.Action, outcome = r.Outcome, error = r.Error,
                command_ms = Math.Round(r.CommandLatency.TotalMilliseconds, 1),
                confirm_ms = r.ConfirmLatency is { } c ? Math.Round(c.TotalMilliseconds, 1) : (double?)null,
                attempts = r.Attempts, power_w = r.LastStatus?.PowerW,
            }), JsonOptions));
        }
        else
        {
            foreach (var r in results) output.WriteLine(r.ToString());
            output.WriteLine($"{results.Count(r => r.Outcome == DispatchOutcome.Confirmed)} confirmed, "
                             + $"{results.Count(r => r.Outcome == DispatchOutcome.Unconfirmed)} unconfirmed, "
                             + $"{results.Count(r => r.Outcome == DispatchOutcome.Failed)} failed");
        }
        return results.All(r => r.Outcome == DispatchOutcome.Confirmed) ? CurtailApp.ExitOk : CurtailApp.ExitFailure;
    }
}

public sealed class MinersStatusCommand : ICliCommand
{
    public string? Parent => MinersCli.Group;
    public string? ParentDescription => MinersCli.GroupDescription;

    public Command Build()
    {
        var fleet = MinersCli.Fleet();
        var select = MinersCli.Select();
        var json = MinersCli.Json();
        var concurrency = MinersCli.Concurrency();
        var command = new Command("status",
            "Read every selected miner: mode, power (measured or estimated), hashrate, target. A miner that cannot be read "
            + "is listed with its error and the rest are still read. Exit 0 when every miner was read, 3 when the listing "
            + "worked but some miners failed, 1 when nothing could be read at all, 2 for bad input")
        {
            fleet, select, json, concurrency,
        };
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var (_, members) = MinersCli.Load(parse, fleet, select);
            var actuator = new FleetActuator(members, MinersCli.Dispatcher(parse.GetValue(concurrency)), TimeProvider.System, parse.GetValue(concurrency));
            var reads = await actuator.ReadAllAsync(ct);
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(reads.Select(r => new
                {
                    miner = r.Member.Miner.Id, family = r.Member.Miner.Family, group = r.Member.Group,
                    model = r.Status?.Model ?? r.Member.Miner.Model.Name, live = r.IsLive, mode = r.Status?.Mode,
                    power_w = r.Status?.PowerW, power_source = r.Status?.PowerSource, hashrate_ths = r.Status?.HashrateThs,
                    power_target_w = r.Status?.PowerTargetW, temperatures_c = r.Status?.TemperaturesC, firmware = r.Status?.Firmware,
                    last_seen = r.LastSeen, error = r.Error,
                }), MinersCli.JsonOptions));
            }
            else
            {
                // 80 columns: long ids and models are clipped here; --json has them whole.
                output.WriteLine($"{"miner",-17} {"family",-11} {"model",-14} {"mode",-9} {"power W",8} {"TH/s",7} {"target W",8}");
                foreach (var r in reads)
                {
                    var (member, s, error) = r;
                    if (s is null)
                    {
                        var seen = r.LastSeen is { } t ? $" (last seen {t:u})" : "";
                        output.WriteLine($"{Terminal.Clip(member.Miner.Id, 17),-17} {Terminal.Clip(member.Miner.Family.ToString(), 11),-11} failed: {error}{seen}");
                        continue;
                    }
                    var power = s.PowerW.ToString("0", CultureInfo.InvariantCulture) + (s.PowerSource == PowerSource.Estimated ? "~" : "");
                    output.WriteLine($"{Terminal.Clip(s.MinerId, 17),-17} {Terminal.Clip(s.Family.ToString(), 11),-11} {Terminal.Clip(s.Model, 14),-14} {Terminal.Clip(System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(s.Mode.ToString()), 9),-9} " +
                        $"{power,8} {s.HashrateThs,7:0.0} {s.PowerTargetW?.ToString("0", CultureInfo.InvariantCulture) ?? "-",8}");
                }
                var ok = reads.Where(r => r.Status is not null).ToList();
                output.WriteLine($"{ok.Count}/{reads.Count} read; total {ok.Sum(r => r.Status!.PowerW) / 1000:0.0} kW, "
                                 + $"{ok.Sum(r => r.Status!.HashrateThs) / 1000:0.00} PH/s (~ = estimated from hashrate)");
            }
            var failed = reads.Count(r => r.Status is null);
            return failed == 0 ? CurtailApp.ExitOk : failed < reads.Count ? CurtailApp.ExitPartial : CurtailApp.ExitFailure;
        });
        return command;
    }
}

public sealed class MinersSleepCommand : ICliCommand
{
    public string? Parent => MinersCli.Group;
    public string? ParentDescription => MinersCli.GroupDescription;

    public Command Build() => MinersActionCommand.Build("sleep", "Put the selected miners to sleep and confirm by read-back", MinerActionKind.Sleep);
}

public sealed class MinersWakeCommand : ICliCommand
{
    public string? Parent => MinersCli.Group;
    public string? ParentDescription => MinersCli.GroupDescription;

    public Command Build() => MinersActionCommand.Build("wake", "Wake the selected miners and confirm by read-back", MinerActionKind.Wake);
}

internal static class MinersActionCommand
{
    public static Command Build(string name, string description, MinerActionKind kind)
    {
        var fleet = MinersCli.Fleet();
        var select = MinersCli.Select();
        var json = MinersCli.Json();
        var concurrency = MinersCli.Concurrency();
        var config = CliCommandAudit.ConfigOption();
        var auditLog = CliCommandAudit.LogOption();
        var command = new Command(name, description + ". Every command is audited (--config: in the controller's store; else --audit-log)")
        {
            fleet, select, json, concurrency, config, auditLog,
        };
        command.SetAction(async (parse, ct) =>
        {
            var (_, members) = MinersCli.Load(parse, fleet, select);
            await using var release = new MinersCli.Release(members);
            using var audit = CliCommandAudit.Open(parse, config, auditLog);
            var unsupported = members.Where(m => m.Miner is not ISleepable).Select(m => $"{m.Miner.Id} ({m.Miner.Family})").ToList();
            if (unsupported.Count > 0)
                parse.InvocationConfiguration.Error.WriteLine($"skipped, firmware cannot sleep: {string.Join(", ", unsupported)}");
            var work = members.Where(m => m.Miner is ISleepable)
                .Select(m => (m.Miner, new MinerAction(m.Miner.Id, kind, null, 0, "operator"))).ToList();
            var report = await MinersCli.Dispatcher(parse.GetValue(concurrency)).DispatchAsync(work, ct);
            audit.Record(report.Results, MinersCli.Asked(parse, $"miners {name}", select), TimeProvider.System.GetUtcNow());
            parse.InvocationConfiguration.Error.WriteLine($"{report.Results.Count} commands audited in {audit.Where}");
            return MinersCli.WriteResults(parse.InvocationConfiguration.Output, report.Results, parse.GetValue(json));
        });
        return command;
    }
}

public sealed class MinersTargetCommand : ICliCommand
{
    public string? Parent => MinersCli.Group;
    public string? ParentDescription => MinersCli.GroupDescription;

    public Command Build()
    {
        var fleet = MinersCli.Fleet();
        var select = MinersCli.Select();
        var json = MinersCli.Json();
        var concurrency = MinersCli.Concurrency();
        var watts = new Option<double?>("--watts") { Description = "Power target for each selected miner, in W" };
        var siteWatts = new Option<double?>("--site-watts") { Description = "Total load for the selection, in W: allocation picks who sleeps or throttles" };
        var rampStep = new Option<double?>("--max-ramp-up") { Description = "Largest load increase in one step, W (genset limit)" };
        var config = CliCommandAudit.ConfigOption();
        var auditLog = CliCommandAudit.LogOption();
        var command = new Command("target", "Set a power target per miner (--watts) or for the selection as a whole (--site-watts). "
                                            + "Every command is audited (--config: in the controller's store; else --audit-log)")
        {
            fleet, select, json, concurrency, watts, siteWatts, rampStep, config, auditLog,
        };
        command.SetAction(async (parse, ct) =>
        {
            var perMiner = parse.GetValue(watts);
            var site = parse.GetValue(siteWatts);
            if (perMiner is null == site is null)
                throw new InvalidInputException("miners target", null, "give exactly one of --watts or --site-watts");
            if ((perMiner ?? site) < 0) throw new InvalidInputException("miners target", null, "watts must not be negative");
            var (file, members) = MinersCli.Load(parse, fleet, select);
            await using var release = new MinersCli.Release(members);
            using var audit = CliCommandAudit.Open(parse, config, auditLog);
            var asked = MinersCli.Asked(parse, perMiner is { } pw ? $"miners target --watts {pw}" : $"miners target --site-watts {site}", select);
            void Audit(IReadOnlyList<MinerCommandResult> results)
            {
                audit.Record(results, asked, TimeProvider.System.GetUtcNow());
                parse.InvocationConfiguration.Error.WriteLine($"{results.Count} commands audited in {audit.Where}");
            }
            var dispatcher = MinersCli.Dispatcher(parse.GetValue(concurrency));
            var output = parse.InvocationConfiguration.Output;
            if (perMiner is { } w)
            {
                var unsupported = members.Where(m => m.Miner is not IPowerTargetable).Select(m => $"{m.Miner.Id} ({m.Miner.Family})").ToList();
                if (unsupported.Count > 0)
                    parse.InvocationConfiguration.Error.WriteLine($"skipped, firmware has no power target: {string.Join(", ", unsupported)}");
                var work = members.Where(m => m.Miner is IPowerTargetable)
                    .Select(m => (m.Miner, new MinerAction(m.Miner.Id, MinerActionKind.SetTarget, w, w, "operator"))).ToList();
                var report = await dispatcher.DispatchAsync(work, ct);
                Audit(report.Results);
                return MinersCli.WriteResults(output, report.Results, parse.GetValue(json));
            }
            var actuator = new FleetActuator(members, dispatcher, TimeProvider.System, parse.GetValue(concurrency))
            {
                Groups = file.Groups, MaxRampUpW = parse.GetValue(rampStep),
            };
            var result = await actuator.ApplyTargetAsync(site!.Value, ct);
            Audit(result.Results);
            var code = MinersCli.WriteResults(output, result.Results, parse.GetValue(json));
            if (!parse.GetValue(json))
            {
                output.WriteLine($"load {result.LoadBeforeW / 1000:0.0} kW -> expected {result.ExpectedLoadW / 1000:0.0} kW for a target of {result.TargetW / 1000:0.0} kW"
                                 + (result.TargetMet ? "" : " (NOT met: constraints or unreachable miners)") + $" in {result.Rounds.Count} round(s)");
                foreach (var u in result.Unreachable) output.WriteLine($"unreachable: {u}");
            }
            return result.TargetMet ? code : CurtailApp.ExitFailure;
        });
        return command;
    }
}
