using System.CommandLine;

namespace Curtail.Cli.Commands;

/// <summary>`curtail events directive --kind curtail_to_level|run_on_backup ...`: enter an SB 6 directive (role operator).</summary>
public sealed class EventsDirectiveCommand : ICliCommand
{
    public string? Parent => "events";

    public Command Build()
    {
        var kind = new Option<string>("--kind") { Description = "curtail_to_level or run_on_backup.", Required = true };
        var level = new Option<double?>("--level-mw") { Description = "For curtail_to_level: the site load to reach, MW." };
        var deadline = new Option<double?>("--deadline-minutes") { Description = "Minutes the directive gives the site to comply.", Required = true };
        var id = new Option<string?>("--id") { Description = "The directive's id (default: generated)." };
        var note = new Option<string?>("--note") { Description = "The operator's note on receipt (e.g. who called, ERCOT's reference)." };
        var c = ControllerClient.With(new Command("directive", "Receive an SB 6 emergency directive: acknowledged at once, acted on, hash-chained."), write: true);
        foreach (var o in new Option[] { kind, level, deadline, id, note }) c.Options.Add(o);
        c.SetAction((p, ct) => ControllerClient.SendAsync(p, HttpMethod.Post, "/api/directives", new
        {
            kind = p.GetValue(kind), level_mw = p.GetValue(level), deadline_minutes = p.GetValue(deadline), id = p.GetValue(id), note = p.GetValue(note),
        }, ct));
        return c;
    }
}

/// <summary>`curtail events note ID TEXT`: add an operator's note to a directive's record.</summary>
public sealed class EventsNoteCommand : ICliCommand
{
    public string? Parent => "events";

    public Command Build()
    {
        var id = new Argument<string>("id") { Description = "The directive." };
        var text = new Argument<string>("text") { Description = "The note." };
        var c = ControllerClient.With(new Command("note", "Add an operator's note to an SB 6 directive's hash-chained record."), write: true);
        c.Arguments.Add(id);
        c.Arguments.Add(text);
        c.SetAction((p, ct) => ControllerClient.SendAsync(p, HttpMethod.Post, $"/api/directives/{Uri.EscapeDataString(p.GetValue(id)!)}/notes",
            new { text = p.GetValue(text) }, ct));
        return c;
    }
}

/// <summary>`curtail events release-directive ID [--note TEXT]`: release a directive on ERCOT's instruction.</summary>
public sealed class EventsReleaseDirectiveCommand : ICliCommand
{
    public string? Parent => "events";

    public Command Build()
    {
        var id = new Argument<string>("id") { Description = "The directive to release." };
        var note = new Option<string?>("--note") { Description = "The operator's note on the release." };
        var c = ControllerClient.With(new Command("release-directive", "Release an SB 6 directive on ERCOT's instruction."), write: true);
        c.Arguments.Add(id);
        c.Options.Add(note);
        c.SetAction((p, ct) => ControllerClient.SendAsync(p, HttpMethod.Post, $"/api/directives/{Uri.EscapeDataString(p.GetValue(id)!)}/release",
            new { text = p.GetValue(note) }, ct));
        return c;
    }
}
