using Curtail.Controller.Hosting;
using Curtail.Controller.Storage;
using Curtail.Controller.Trading;
using Curtail.Core;

namespace Curtail.Controller.DemandResponse;

/// <summary>An SB 6 directive as received, before the controller has made an event of it.</summary>
public sealed record DirectiveOrder(string? Id, DirectiveKind Kind, double? LevelMw, TimeSpan DeadlineAfter, DateTimeOffset? ReleaseAt, string? Note);

/// <summary>
/// Receives SB 6 emergency directives (from the API or an OpenADR program), acts on them and keeps their hash-chained
/// record (docs/directives.md). A directive is an event of the dispatch machinery (deadline, load ceiling, confirmed
/// load, 1-minute trace) with a kind, an immediate acknowledgment, notes and a release by instruction; each of those is
/// written with its chain entry in one transaction before the live state changes, so nothing acted on is off the record.
/// </summary>
public sealed class DirectiveDesk(ControllerRuntime runtime, ControllerStore store, ServiceClock clock, CycleTrigger trigger, LoadTraceRecorder trace)
{
    public const int MaxNoteLength = 2000;

    public async Task<DispatchEvent> ReceiveAsync(DirectiveOrder order, string issuedBy, string role, string source, CancellationToken ct)
    {
        var now = clock.Time.GetUtcNow();
        var view = runtime.Snapshot();
        if (order.Kind == DirectiveKind.CurtailToLevel && order.LevelMw is null)
            throw new InvalidInputException("level_mw", null, "is required for curtail_to_level: the site load to reach, in MW");
        if (order.Kind == DirectiveKind.RunOnBackup && order.LevelMw is not null)
            throw new InvalidInputException("level_mw", null, "applies to curtail_to_level only; run_on_backup asks for no grid import");
        var id = order.Id ?? $"sb6-{now:yyyyMMddHHmmss}";
        if (view.Events.Any(x => x.Id == id) || store.Event(id) is not null) throw new InvalidInputException("id", null, $"event '{id}' already exists");
        var note = order.Note is null ? null : new OperatorNote(now, issuedBy, order.Note);
        var e = new DispatchEvent
        {
            Id = id, Program = DemandResponseProgram.Sb6, Directive = order.Kind, Source = source,
            // Acknowledged on receipt: the controller takes the directive on as it records it.
            ReceivedAt = now, AcknowledgedAt = now, Deadline = now + order.DeadlineAfter, ReleaseAt = order.ReleaseAt,
            TargetMw = order.LevelMw, BaselineMw = view.Miners.Count > 0 ? view.Miners.Sum(m => m.PowerW ?? 0) / 1e6 : (view.Genset?.ActivePowerKw ?? 0) / 1000,
            IssuedBy = issuedBy, Notes = note is null ? [] : [note],
        };
        var received = new Dictionary<string, object?>
        {
            ["kind"] = Kind(order.Kind), ["level_mw"] = order.LevelMw, ["deadline"] = e.Deadline, ["release_at"] = e.ReleaseAt, ["issued_by"] = issuedBy,
            ["source"] = source, ["baseline_mw"] = Math.Round(e.BaselineMw, 6), ["note"] = order.Note,
        };
        store.SaveEventChained(e, new AuditEntry(now, issuedBy, role, "directive_received", null, System.Text.Json.JsonSerializer.Serialize(received)), now, "received", received);
        store.AppendDirectiveEntry(e.Id, now, "acknowledged", new Dictionary<string, object?> { ["acknowledged_at"] = now });
        runtime.AddEvent(e);
        // "dispatch:" makes it a fail-safe cycle: it runs at once, ahead of any cycle in progress.
        await trigger.RunNowAsync($"dispatch:{e.Id}", ct);
        return runtime.Snapshot().Events.FirstOrDefault(x => x.Id == e.Id) ?? e;
    }

    public DispatchEvent AddNote(string id, string text, string by, string role)
    {
        var now = clock.Time.GetUtcNow();
        var e = Directive(id);
        var noted = e with { Notes = [.. e.Notes, new OperatorNote(now, by, text)] };
        store.SaveEventChained(noted, new AuditEntry(now, by, role, "directive_note", id, text), now, "note", new Dictionary<string, object?> { ["by"] = by, ["text"] = text });
        return runtime.UpdateEvent(id, x => x with { Notes = noted.Notes }) ?? noted;
    }

    /// <summary>
    /// Changes a live directive's kind, level or release time on its issuer's instruction (an OpenADR event modified on
    /// the VTN): an "amended" chain entry with the old and new values, then a cycle at once to act on it.
    /// </summary>
    public async Task<DispatchEvent> AmendAsync(string id, DirectiveKind kind, double? levelMw, DateTimeOffset? releaseAt, string by, string role, string note, CancellationToken ct)
    {
        var now = clock.Time.GetUtcNow();
        var e = Directive(id);
        if (e.ReleasedAt is not null) throw new InvalidInputException("id", null, $"directive '{id}' was already released at {e.ReleasedAt:u}");
        var amended = e with { Directive = kind, TargetMw = levelMw, ReleaseAt = releaseAt, Notes = [.. e.Notes, new OperatorNote(now, by, note)] };
        var body = new Dictionary<string, object?>
        {
            ["by"] = by, ["note"] = note,
            // Sorted like the chain's own keys, so the body reads the same however it was built.
            ["old"] = new SortedDictionary<string, object?>(StringComparer.Ordinal) { ["kind"] = Kind(e.Directive!.Value), ["level_mw"] = e.TargetMw, ["release_at"] = e.ReleaseAt },
            ["new"] = new SortedDictionary<string, object?>(StringComparer.Ordinal) { ["kind"] = Kind(kind), ["level_mw"] = levelMw, ["release_at"] = releaseAt },
        };
        store.SaveEventChained(amended, new AuditEntry(now, by, role, "directive_amended", id, System.Text.Json.JsonSerializer.Serialize(body)), now, "amended", body);
        runtime.UpdateEvent(id, x => x with { Directive = kind, TargetMw = levelMw, ReleaseAt = releaseAt, Notes = amended.Notes });
        await trigger.RunNowAsync($"dispatch:{id}", ct);
        return runtime.Snapshot().Events.FirstOrDefault(x => x.Id == id) ?? amended;
    }

    public async Task<DispatchEvent> ReleaseAsync(string id, string by, string role, string? note, CancellationToken ct)
    {
        var now = clock.Time.GetUtcNow();
        var e = Directive(id);
        if (e.ReleasedAt is not null) throw new InvalidInputException("id", null, $"directive '{id}' was already released at {e.ReleasedAt:u}");
        // The trace's last, partial minute goes into the chain before the release that closes it.
        trace.Flush();
        var released = e with { ReleasedAt = now, Notes = note is null ? e.Notes : [.. e.Notes, new OperatorNote(now, by, note)] };
        store.SaveEventChained(released, new AuditEntry(now, by, role, "directive_released", id, note), now, "released",
            new Dictionary<string, object?> { ["released_at"] = now, ["by"] = by, ["note"] = note, ["target_met_at"] = e.TargetMetAt });
        runtime.UpdateEvent(id, _ => released);
        trace.Flush();
        await trigger.RunNowAsync($"release:{id}", ct);
        return released;
    }

    private DispatchEvent Directive(string id)
    {
        // On a clustered site another instance may have received the directive, or added to its record, since this one
        // last read the store (its next cycle would): a note or release written over a stale copy would drop theirs.
        if (runtime.Config.Cluster is not null) Cluster.ClusterSync.Refresh(runtime, store);
        return runtime.Snapshot().Events.FirstOrDefault(x => x.Id == id && x.Directive is not null)
            ?? throw new DirectiveNotFoundException(id);
    }

    public static string Kind(DirectiveKind kind) => kind == DirectiveKind.RunOnBackup ? "run_on_backup" : "curtail_to_level";
}

/// <summary>No live directive with that id (answered 404).</summary>
public sealed class DirectiveNotFoundException(string id) : Exception($"no directive '{(id.Length > 80 ? id[..80] + "…" : id)}'");
