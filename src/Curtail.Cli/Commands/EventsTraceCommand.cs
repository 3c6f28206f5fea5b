using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Curtail.Core.Time;
using Spectre.Console;

namespace Curtail.Cli.Commands;

/// <summary>`curtail events trace ID [--json]`: an event's 1-minute site load trace (GET /api/events/{id}/trace).</summary>
public sealed class EventsTraceCommand : ICliCommand
{
    public string? Parent => "events";

    public Command Build()
    {
        var id = new Argument<string>("id") { Description = "The event whose trace to show." };
        var json = new Option<bool>("--json") { Description = "Print the API's JSON instead of a table." };
        var c = ControllerClient.With(new Command("trace", "Show an event's site load per minute: mean MW, readings and their source."), write: false);
        c.Arguments.Add(id);
        c.Options.Add(json);
        c.SetAction((p, ct) => ControllerClient.SendAsync(p, HttpMethod.Get, $"/api/events/{Uri.EscapeDataString(p.GetValue(id)!)}/trace", null, ct,
            p.GetValue(json) ? null : Render));
        return c;
    }

    private static void Render(JsonElement trace, TextWriter output)
    {
        var e = trace.GetProperty("event");
        var console = Terminal.On(output);
        var kind = e.TryGetProperty("test", out var t) && t.ValueKind == JsonValueKind.True ? "TEST deployment" : "real deployment";
        var released = e.TryGetProperty("released_at", out var r) && r.ValueKind == JsonValueKind.String ? $", released {Time(r.GetDateTimeOffset())}" : "";
        console.MarkupLine(Markup.Escape($"{e.GetProperty("id").GetString()} ({e.GetProperty("program").GetString()}, {kind}): received {Time(e.GetProperty("received_at").GetDateTimeOffset())}{released}, ceiling {F(e.GetProperty("ceiling_mw").GetDouble())} MW"));
        var minutes = trace.GetProperty("minutes");
        if (minutes.GetArrayLength() == 0)
        {
            console.WriteLine("no minutes recorded yet (a minute is recorded when it ends)");
            return;
        }
        var table = new Table().AddColumns("minute (UTC)", "minute (CPT)", "load MW", "readings", "source");
        foreach (var m in minutes.EnumerateArray())
        {
            var start = m.GetProperty("minute_start").GetDateTimeOffset();
            table.AddRow(start.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), CentralPrevailingTime.ToLocal(start).ToString("HH:mm", CultureInfo.InvariantCulture),
                F(m.GetProperty("load_mw").GetDouble()), m.GetProperty("samples").GetInt32().ToString(CultureInfo.InvariantCulture), m.GetProperty("source").GetString() ?? "");
        }
        table.Columns[2].RightAligned();
        table.Columns[3].RightAligned();
        console.Write(table);
    }

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string F(double mw) => mw.ToString("0.000", CultureInfo.InvariantCulture);
}
