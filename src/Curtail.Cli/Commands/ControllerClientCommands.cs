using System.CommandLine;

namespace Curtail.Cli.Commands;

/// <summary>`curtail status`: the running controller's status (GET /api/status).</summary>
public sealed class StatusCommand : ICliCommand
{
    public Command Build()
    {
        var c = ControllerClient.With(new Command("status", "Show a running controller's prices, target, load, genset, miners and events."), write: false);
        var json = ControllerClient.JsonOption(c);
        c.SetAction((p, ct) => ControllerClient.SendAsync(p, HttpMethod.Get, "/api/status", null, ct,
            ControllerTables.For(p.GetValue(json), p.InvocationConfiguration.Output, ControllerTables.Status)));
        return c;
    }
}

/// <summary>`curtail decisions [--limit N] [--id ID]`: recent decisions, or one with its inputs and miner results.</summary>
public sealed class DecisionsCommand : ICliCommand
{
    public Command Build()
    {
        var limit = new Option<int>("--limit") { Description = "How many recent decisions (default 20).", DefaultValueFactory = _ => 20 };
        var id = new Option<string?>("--id") { Description = "Show one decision in full." };
        var c = ControllerClient.With(new Command("decisions", "Show the controller's recent decisions and why they were taken."), write: false);
        c.Options.Add(limit);
        c.Options.Add(id);
        var json = ControllerClient.JsonOption(c);
        c.SetAction((p, ct) =>
        {
            if (p.GetValue(limit) is < 1 or > 10_000) throw new Core.InvalidInputException("--limit", null, $"must be 1..10000, got {p.GetValue(limit)}");
            // One decision in full is a nested record: JSON; the list is a table on a terminal.
            return ControllerClient.SendAsync(p, HttpMethod.Get,
                p.GetValue(id) is { } one ? $"/api/decisions/{Uri.EscapeDataString(one)}" : $"/api/decisions?limit={p.GetValue(limit)}", null, ct,
                p.GetValue(id) is null ? ControllerTables.For(p.GetValue(json), p.InvocationConfiguration.Output, ControllerTables.Decisions) : null);
        });
        return c;
    }
}

/// <summary>`curtail trading set|override|clear-override`: the trader's controls (role trader).</summary>
public sealed class TradingSetCommand : ICliCommand
{
    public string? Parent => "trading";
    public string? ParentDescription => "Set strikes and overrides on a running controller (role trader).";

    public Command Build()
    {
        var curtail = new Option<double?>("--curtail-above") { Description = "Curtail strike, $/MWh." };
        var resume = new Option<double?>("--resume-below") { Description = "Resume strike, $/MWh (hysteresis)." };
        var confirm = new Option<int?>("--confirm-intervals") { Description = "Settled intervals above the strike before curtailing." };
        var cap = new Option<double?>("--hard-cap") { Description = "Curtail at once above this settled price, $/MWh." };
        var c = ControllerClient.With(new Command("set", "Change strikes, hysteresis, confirmation or hard cap."), write: true);
        foreach (var o in new Option[] { curtail, resume, confirm, cap }) c.Options.Add(o);
        c.SetAction((p, ct) => ControllerClient.SendAsync(p, HttpMethod.Put, "/api/trading", new
        {
            curtail_above_usd_per_mwh = p.GetValue(curtail), resume_below_usd_per_mwh = p.GetValue(resume),
            confirm_intervals = p.GetValue(confirm), hard_cap_usd_per_mwh = p.GetValue(cap),
        }, ct));
        return c;
    }
}

public sealed class TradingOverrideCommand : ICliCommand
{
    public string? Parent => "trading";

    public Command Build()
    {
        var mode = new Option<string>("--mode") { Description = "force_run or force_curtail.", Required = true };
        mode.AcceptOnlyFromAmong("force_run", "force_curtail");
        var minutes = new Option<double?>("--minutes") { Description = "How long from now." };
        var until = new Option<DateTimeOffset?>("--until") { Description = "Until this time (ISO-8601 with offset)." };
        var reason = new Option<string?>("--reason") { Description = "Why, for the audit log." };
        var c = ControllerClient.With(new Command("override", "Force the site to run or curtail until a time."), write: true);
        foreach (var o in new Option[] { mode, minutes, until, reason }) c.Options.Add(o);
        c.SetAction((p, ct) => ControllerClient.SendAsync(p, HttpMethod.Post, "/api/overrides",
            new { mode = p.GetValue(mode), minutes = p.GetValue(minutes), until = p.GetValue(until), reason = p.GetValue(reason) }, ct));
        return c;
    }
}

public sealed class TradingClearOverrideCommand : ICliCommand
{
    public string? Parent => "trading";

    public Command Build()
    {
        var c = ControllerClient.With(new Command("clear-override", "Remove the override; the price policy decides again."), write: true);
        c.SetAction((p, ct) => ControllerClient.SendAsync(p, HttpMethod.Delete, "/api/overrides", null, ct));
        return c;
    }
}

/// <summary>`curtail events dispatch|release|list`: demand-response instructions (role operator).</summary>
public sealed class EventsDispatchCommand : ICliCommand
{
    public string? Parent => "events";
    public string? ParentDescription => "Demand-response dispatches on a running controller (role operator).";

    public Command Build()
    {
        var program = new Option<string>("--program") { Description = "ers-10, ers-30, ecrs, rrs or manual.", Required = true };
        var target = new Option<double?>("--target-mw") { Description = "Site load to stay at or below, MW." };
        var reduction = new Option<double?>("--reduction-mw") { Description = "Reduction from the load at receipt, MW." };
        var deadline = new Option<double?>("--deadline-minutes") { Description = "Override the program's deadline." };
        var id = new Option<string?>("--id") { Description = "The instruction's id (default: generated)." };
        var test = new Option<bool>("--test") { Description = "Record it as one of ERCOT's test deployments (obeyed like a real one)." };
        var c = ControllerClient.With(new Command("dispatch", "Receive a dispatch: a target or a reduction, met with confirmed load."), write: true);
        foreach (var o in new Option[] { program, target, reduction, deadline, id, test }) c.Options.Add(o);
        c.SetAction((p, ct) => ControllerClient.SendAsync(p, HttpMethod.Post, "/api/events", new
        {
            program = p.GetValue(program), target_mw = p.GetValue(target), reduction_mw = p.GetValue(reduction),
            deadline_minutes = p.GetValue(deadline), id = p.GetValue(id), test = p.GetValue(test),
        }, ct));
        return c;
    }
}

public sealed class EventsReleaseCommand : ICliCommand
{
    public string? Parent => "events";

    public Command Build()
    {
        var id = new Argument<string>("id") { Description = "The event to release." };
        var c = ControllerClient.With(new Command("release", "Release a dispatch."), write: true);
        c.Arguments.Add(id);
        c.SetAction((p, ct) => ControllerClient.SendAsync(p, HttpMethod.Post, $"/api/events/{Uri.EscapeDataString(p.GetValue(id)!)}/release", null, ct));
        return c;
    }
}

public sealed class EventsListCommand : ICliCommand
{
    public string? Parent => "events";

    public Command Build()
    {
        var c = ControllerClient.With(new Command("list", "List dispatches (test or real) with their per-interval records."), write: false);
        var json = ControllerClient.JsonOption(c);
        c.SetAction((p, ct) => ControllerClient.SendAsync(p, HttpMethod.Get, "/api/events", null, ct,
            ControllerTables.For(p.GetValue(json), p.InvocationConfiguration.Output, ControllerTables.Events)));
        return c;
    }
}

/// <summary>`curtail reload`: re-read the controller's config file without a restart (role operator).</summary>
public sealed class ReloadCommand : ICliCommand
{
    public Command Build()
    {
        var c = ControllerClient.With(new Command("reload", "Make a running controller re-read its config file."), write: true);
        c.SetAction((p, ct) => ControllerClient.SendAsync(p, HttpMethod.Post, "/api/config/reload", null, ct));
        return c;
    }
}
