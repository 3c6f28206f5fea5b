using System.Globalization;
using System.Text.Json;
using Curtail.Core.Time;
using Spectre.Console;

namespace Curtail.Cli.Commands;

/// <summary>
/// Human tables for `status`, `decisions` and `events list` on a terminal, laid out for 80 columns; `--json` (and any
/// redirected output, which scripts read) gets the API's JSON instead.
/// </summary>
internal static class ControllerTables
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static Action<JsonElement, TextWriter>? For(bool json, TextWriter output, Action<JsonElement, IAnsiConsole> table) =>
        json || !Terminal.IsInteractive(output) ? null : (e, o) => table(e, Terminal.On(o));

    public static void Status(JsonElement s, IAnsiConsole c)
    {
        var site = s.GetProperty("site");
        c.MarkupLine($"[bold]{Markup.Escape(Str(site, "name"))}[/]  {Markup.Escape(Str(site, "settlement_point"))}  at {Time(s.GetProperty("time"))}");
        var grid = new Table().Border(TableBorder.None).HideHeaders().AddColumn(new TableColumn("").PadRight(2)).AddColumn("");
        var p = s.GetProperty("prices");
        grid.AddRow("price", $"{Num(p, "last_settled", "0.00")} $/MWh for {Time(p.GetProperty("last_interval_start"))}{(Bool(p, "stale") ? " [red](stale)[/]" : "")}");
        if (p.TryGetProperty("last_sced_lmp", out var lmp) && lmp.ValueKind == JsonValueKind.Number)
            grid.AddRow("SCED LMP", $"{lmp.GetDouble().ToString("0.00", Inv)} $/MWh at {Time(p.GetProperty("last_sced_time"))}{(Bool(p, "sced_stale") ? " [red](stale)[/]" : "")}");
        var d = s.GetProperty("last_decision");
        grid.AddRow("target", d.ValueKind == JsonValueKind.Object
            ? $"{Num(d, "target_kw", "N0")} kW, limited by {Markup.Escape(Str(d, "limited_by"))} ({Time(d.GetProperty("time"))})"
            : "no decision yet");
        grid.AddRow("site load", $"{Num(s, "site_load_kw", "N0")} kW of {Num(site, "full_power_kw", "N0")} kW");
        var trading = s.GetProperty("trading");
        grid.AddRow("strikes", $"curtail above {Num(trading, "curtail_above_usd_per_mwh", "0.##")}, resume below {Num(trading, "resume_below_usd_per_mwh", "0.##")}, " +
                               $"hard cap {Num(trading, "hard_cap_usd_per_mwh", "0.##")} $/MWh");
        if (s.GetProperty("override") is { ValueKind: JsonValueKind.Object } o)
            grid.AddRow("override", Markup.Escape($"{Str(o, "mode")} until {Time(o.GetProperty("until"))} ({Str(o, "set_by")})"));
        var states = s.GetProperty("miners_by_state").EnumerateObject().Select(x => $"{x.Name} {x.Value.GetInt32()}").ToList();
        grid.AddRow("miners", Markup.Escape(states.Count > 0 ? string.Join(", ", states) : "none configured"));
        if (s.GetProperty("genset") is { ValueKind: JsonValueKind.Object } g)
            grid.AddRow("genset", Markup.Escape($"{Num(g, "active_power_kw", "N0")} kW of {Num(g, "available_power_kw", "N0")} kW available, {Str(g, "engine_state")}"));
        var alarms = s.GetProperty("alarms").EnumerateArray().Select(a => Str(a, "name")).ToList();
        grid.AddRow("alarms", alarms.Count == 0 ? "none" : $"[red]{Markup.Escape(string.Join(", ", alarms))}[/]");
        grid.AddRow("events", s.GetProperty("active_events").GetArrayLength().ToString(Inv) + " active");
        c.Write(grid);
    }

    public static void Decisions(JsonElement list, IAnsiConsole c)
    {
        if (list.ValueKind != JsonValueKind.Array) return;
        if (list.GetArrayLength() == 0)
        {
            c.WriteLine("no decisions yet");
            return;
        }
        var table = new Table().Border(TableBorder.Simple).AddColumn("time (CPT)").AddColumn(new TableColumn("target kW").RightAligned())
            .AddColumn(new TableColumn("load kW").RightAligned()).AddColumn("limited by").AddColumn("trigger");
        foreach (var d in list.EnumerateArray())
            table.AddRow(Local(d.GetProperty("time")), Num(d, "target_kw", "N0"), Num(d, "measured_load_kw", "N0"), Markup.Escape(Str(d, "limited_by")),
                Markup.Escape(Terminal.Clip(Str(d, "trigger"), 18)));
        c.Write(table);
        c.WriteLine("one decision in full: curtail decisions --id ID --json");
    }

    public static void Events(JsonElement list, IAnsiConsole c)
    {
        if (list.GetArrayLength() == 0)
        {
            c.WriteLine("no demand-response events");
            return;
        }
        var table = new Table().Border(TableBorder.Simple).AddColumn("id").AddColumn("program").AddColumn("received")
            .AddColumn(new TableColumn("cap MW").RightAligned()).AddColumn("state").AddColumn(new TableColumn("delivered").RightAligned());
        // The baselines' figures do not fit beside the rest in 80 columns: one line per event under the table.
        var details = new List<string>();
        var warnings = new List<string>();
        foreach (var item in list.EnumerateArray())
        {
            var e = item.GetProperty("event");
            var released = e.TryGetProperty("released_at", out var r) && r.ValueKind == JsonValueKind.String;
            var state = released ? "released" : "active";
            var performance = item.TryGetProperty("performance", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
            if (performance.ValueKind == JsonValueKind.Object && Bool(performance, "under_delivering")) warnings.Add(Str(performance, "warning"));
            var id = Terminal.Clip(Str(e, "id"), 14);
            table.AddRow(Markup.Escape(id), Markup.Escape(Str(e, "program") + (Bool(e, "test") ? " test" : "")), Short(e.GetProperty("received_at")),
                Num(e, "ceiling_mw", "0.000"), state, Delivered(performance));
            if (performance.ValueKind == JsonValueKind.Object) details.Add($"{Terminal.Clip(Str(e, "id"), 76)}\n    {Baselines(performance)}");
        }
        c.Write(table);
        c.WriteLine("received: CPT; test: a test deployment");
        if (details.Count > 0) c.WriteLine("reduction vs ERS baselines, achieved/required MW:");
        foreach (var d in details) c.WriteLine("  " + d);
        foreach (var w in warnings) c.MarkupLine($"[yellow]warning:[/] {Markup.Escape(w)}");
    }

    /// <summary>The worst delivery ratio over the baselines that have one ("94 % SHORT"), for the events table's column.</summary>
    private static string Delivered(JsonElement performance)
    {
        if (performance.ValueKind != JsonValueKind.Object || !performance.TryGetProperty("baselines", out var list)) return "n/a";
        var ratios = list.EnumerateArray().Where(b => b.TryGetProperty("delivery_ratio", out var q) && q.ValueKind == JsonValueKind.Number)
            .Select(b => b.GetProperty("delivery_ratio").GetDouble()).ToList();
        if (ratios.Count == 0) return "n/a";
        return ratios.Min().ToString("P0", Inv) + (Bool(performance, "under_delivering") ? " SHORT" : "");
    }

    /// <summary>"middle-8-of-10 3.500/3.200 (109%); meter-before-meter-after n/a (why)" for the events table.</summary>
    private static string Baselines(JsonElement performance)
    {
        if (performance.ValueKind != JsonValueKind.Object || !performance.TryGetProperty("baselines", out var list)) return "n/a";
        return string.Join("; ", list.EnumerateArray().Select(b =>
        {
            var method = Str(b, "method") switch { "middle-8-of-10" => "8-of-10", "meter-before-meter-after" => "MBMA", var m => m };
            if (b.TryGetProperty("baseline_mw", out var bl) && bl.ValueKind != JsonValueKind.Number) return $"{method} no baseline";
            if (b.TryGetProperty("achieved_reduction_mw", out var a) && a.ValueKind != JsonValueKind.Number) return $"{method} base {Num(b, "baseline_mw", "0.000")}, no load yet";
            var ratio = b.TryGetProperty("delivery_ratio", out var q) && q.ValueKind == JsonValueKind.Number ? $" ({q.GetDouble().ToString("P0", Inv)})" : "";
            return $"{method} {Num(b, "achieved_reduction_mw", "0.000")}/{Num(b, "required_reduction_mw", "0.000")}{ratio}{(Bool(b, "under_delivering") ? " SHORT" : "")}";
        }));
    }

    private static string Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    private static bool Bool(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    private static string Num(JsonElement e, string name, string format) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble().ToString(format, Inv) : "n/a";

    private static string Time(JsonElement t) => t.ValueKind == JsonValueKind.String ? Local(t) : "n/a";

    private static string Local(JsonElement t) => t.ValueKind == JsonValueKind.String
        ? CentralPrevailingTime.ToLocal(t.GetDateTimeOffset()).ToString("yyyy-MM-dd HH:mm", Inv)
        : "n/a";

    /// <summary>Month, day and time in CPT ("08-20 16:05"): no year, so the column stays narrow (`--json` has the full time).</summary>
    private static string Short(JsonElement t) => t.ValueKind == JsonValueKind.String
        ? CentralPrevailingTime.ToLocal(t.GetDateTimeOffset()).ToString("MM-dd HH:mm", Inv)
        : "n/a";
}
