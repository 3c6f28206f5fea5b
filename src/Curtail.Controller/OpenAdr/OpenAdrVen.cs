using System.Text.Json;
using Curtail.Controller.Cycle;
using Curtail.Controller.DemandResponse;
using Curtail.Controller.Hosting;
using Curtail.Controller.Storage;
using Curtail.Controller.Trading;
using Microsoft.Extensions.Logging;

namespace Curtail.Controller.OpenAdr;

/// <summary>What the VEN last did: for /api/openadr and the operator.</summary>
public sealed record OpenAdrStatus(DateTimeOffset? LastPoll, string? LastError, IReadOnlyList<string> ProgramsFound, IReadOnlyList<string> ProgramsMissing,
    IReadOnlyList<string> Refused, int ReportsPosted);

/// <summary>
/// The site's OpenADR 3 VEN (docs/openadr.md). Each poll reads the configured programs' events from the VTN and acts
/// on every interval in force: a limit or SIMPLE level becomes a dispatch event (an SB 6 program's, a directive through
/// the <see cref="DirectiveDesk"/>) that ends with its interval; PRICE intervals override the price acted on. An event
/// deleted on the VTN releases what it started. An event Curtail cannot map is refused, logged and audited once per
/// version. When a dispatch it started has ended, its achieved load per minute (the 1-minute load trace) is posted
/// back as a report, once (the VTN's reports are checked first, so a restart does not post twice).
/// </summary>
public sealed class OpenAdrVen(OpenAdrConfig config, OpenAdrClient client, ControllerRuntime runtime, ControllerStore store, ServiceClock clock,
    CycleTrigger trigger, DirectiveDesk desk, LoadTraceRecorder trace, ILogger<OpenAdrVen> log)
{
    public const string Role = "Vtn";
    public const string SourcePrefix = "openadr:";

    /// <summary>Reports are posted for dispatches that ended at most this long ago (older ones were posted, or are history).</summary>
    private static readonly TimeSpan ReportWindow = TimeSpan.FromDays(1);

    private readonly HashSet<string> _refused = [];
    private readonly HashSet<string> _reported = [];
    private readonly Dictionary<string, int> _reportAttempts = [];
    public const int MaxReportAttempts = 5;
    private readonly List<string> _refusedMessages = [];
    private readonly HashSet<string> _reportRefused = [];
    /// <summary>What each event's report holds (its requests as read at the last poll that saw it; the default before).</summary>
    private readonly Dictionary<string, IReadOnlyList<ReportColumn>> _reportColumns = [];
    private readonly SemaphoreSlim _pollLock = new(1, 1);
    private bool _venKnown;
    private OpenAdrStatus _status = new(null, null, [], [], [], 0);
    private int _reportsPosted;

    public OpenAdrStatus Status => _status;

    public async Task PollAsync(CancellationToken ct)
    {
        await _pollLock.WaitAsync(ct);
        try
        {
            var now = clock.Time.GetUtcNow();
            try
            {
                await PollCoreAsync(now, ct);
            }
            catch (OpenAdrException ex)
            {
                log.LogWarning("OpenADR poll of {Vtn} failed: {Error}", config.VtnUrl, ex.Message);
                _status = _status with { LastPoll = now, LastError = ex.Message };
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A store or directive failure on one event must not stop the polls: the next one tries again.
                log.LogError(ex, "OpenADR poll of {Vtn} failed", config.VtnUrl);
                _status = _status with { LastPoll = now, LastError = ex.Message };
            }
        }
        finally
        {
            _pollLock.Release();
        }
    }

    private async Task PollCoreAsync(DateTimeOffset now, CancellationToken ct)
    {
        if (!_venKnown)
        {
            await client.EnsureVenAsync(ct);
            _venKnown = true;
        }
        var programs = await client.ProgramsAsync(ct);
        var found = new List<string>();
        var missing = new List<string>();
        var prices = new List<SignalPrice>();
        foreach (var program in config.Programs)
        {
            if (programs.FirstOrDefault(p => p.ProgramName == program.Name) is not { Id: { } programId } vtnProgram)
            {
                if (!_status.ProgramsMissing.Contains(program.Name)) log.LogWarning("OpenADR program '{Program}' is not on the VTN {Vtn}", program.Name, config.VtnUrl);
                missing.Add(program.Name);
                continue;
            }
            found.Add(program.Name);
            // A VTN that ignores the programID filter must not make another program's events ours.
            var events = (await client.EventsAsync(programId, ct)).Where(e => e.ProgramId == programId && e.Id is not null).ToList();
            foreach (var e in events)
            {
                // A refused version leaves what the last accepted version started as it was: never half a change.
                if (Mapped(e, vtnProgram, program, now) is not { } signals) continue;
                await ReconcileAsync(e, signals, program, now, ct);
                foreach (var signal in signals)
                {
                    if (signal.Kind == SignalKind.Price)
                    {
                        if (signal.End is null || signal.End > now)
                            prices.Add(new SignalPrice(signal.Start, signal.End, signal.PriceUsdPerMwh!.Value, $"OpenADR price of event {e.Id} ({program.Name})"));
                    }
                    else if (signal.ActiveAt(now) && signal.Level is not 0) await StartAsync(signal, program, now, ct);
                }
            }
            await ReleaseDeletedAsync(program, events.Select(e => e.Id!).ToHashSet(), now, ct);
        }
        runtime.SetSignalPrices(prices);
        _status = _status with { LastPoll = now, LastError = null, ProgramsFound = found, ProgramsMissing = missing };
        await ReportAsync(programs, now, ct);
    }

    /// <summary>
    /// The event's signals, or null when it is refused (logged and audited once per version of the event). Its
    /// report requests are read too: the payload types Curtail can report are kept for the event's report, the others
    /// refused (logged and audited once per version, naming the event).
    /// </summary>
    private IReadOnlyList<MappedSignal>? Mapped(OadrEvent e, OadrProgram vtnProgram, OpenAdrProgramConfig program, DateTimeOffset now)
    {
        var version = $"{e.Id}@{e.ModificationDateTime?.UtcTicks}";
        if (_refused.Contains(version)) return null;
        IReadOnlyList<MappedSignal> signals;
        try
        {
            signals = OpenAdrEventMapper.Map(e, vtnProgram, program);
        }
        catch (OpenAdrRefusedException ex)
        {
            _refused.Add(version);
            log.LogWarning("{Refusal}", ex.Message);
            store.Audit(new AuditEntry(now, SourcePrefix + program.Name, Role, "openadr_refused", e.Id,
                JsonSerializer.Serialize(new { @event = ex.EventId, payload_type = ex.PayloadType, error = ex.Message })));
            AddRefusal(ex.Message);
            return null;
        }
        var (columns, refusedReports) = OpenAdrReportRequests.Resolve(e);
        lock (_reportColumns) _reportColumns[e.Id!] = columns;
        if (refusedReports.Count > 0 && _reportRefused.Add(version))
            foreach (var r in refusedReports)
            {
                log.LogWarning("{Refusal}", r.Message);
                store.Audit(new AuditEntry(now, SourcePrefix + program.Name, Role, "openadr_report_refused", e.Id,
                    JsonSerializer.Serialize(new { @event = r.EventId, payload_type = r.PayloadType, error = r.Message })));
                AddRefusal(r.Message);
            }
        return signals;
    }

    private void AddRefusal(string message)
    {
        lock (_refusedMessages)
        {
            _refusedMessages.Add(message);
            _status = _status with { Refused = _refusedMessages.TakeLast(20).ToList() };
        }
    }

    /// <summary>
    /// A change to an event already in force (the VTN's new version of it): each dispatch it started follows its
    /// interval's new limit, level and end, or is released when its interval no longer carries that payload, has moved
    /// out of now or has become SIMPLE level 0. Each change is audited with the old and new values; an SB 6 directive is
    /// amended in its hash chain. A tighter ceiling gets the program's deadline again from now.
    /// </summary>
    private async Task ReconcileAsync(OadrEvent e, IReadOnlyList<MappedSignal> signals, OpenAdrProgramConfig program, DateTimeOffset now, CancellationToken ct)
    {
        var source = SourcePrefix + program.Name;
        var by = SourcePrefix + config.ClientId;
        var modified = e.ModificationDateTime is { } m ? $" (version of {m:u})" : "";
        foreach (var d in runtime.Snapshot().Events.Where(x => x.Source == source && x.ActiveAt(now) && OpenAdrIds.EventOf(x.Id) == e.Id).ToList())
        {
            var signal = signals.FirstOrDefault(x => x.DispatchId == d.Id);
            string? gone = signal is null ? "its interval no longer carries this payload"
                : signal.Level is 0 ? "its interval's SIMPLE level is now 0"
                : !signal.ActiveAt(now) ? $"its interval now runs {signal.Start:u} to {signal.End?.ToString("u") ?? "further notice"}"
                : null;
            if (gone is not null)
            {
                await ReleaseAsync(d, $"OpenADR event {e.Id} was modified on the VTN{modified}: {gone}", now, ct);
                continue;
            }
            if (program.Sb6)
            {
                var kind = signal!.LimitMw is 0 ? DirectiveKind.RunOnBackup : DirectiveKind.CurtailToLevel;
                var level = kind == DirectiveKind.RunOnBackup ? null : signal.LimitMw;
                if (kind == d.Directive && Same(level, d.TargetMw) && signal.End == d.ReleaseAt) continue;
                var note = $"OpenADR event {e.Id} was modified on the VTN{modified}: {DirectiveDesk.Kind(kind)}" +
                    (level is { } l ? $" at {l:0.###} MW" : "") + $" until {signal.End?.ToString("u") ?? "further notice"}";
                await desk.AmendAsync(d.Id, kind, level, signal.End, by, Role, note, ct);
                log.LogWarning("OpenADR SB 6 directive {Id} amended: {Note}", d.Id, note);
                continue;
            }
            var (target, reduction) = Targets(signal!, d.BaselineMw);
            if (Same(target, d.TargetMw) && Same(reduction, d.ReductionMw) && signal!.End == d.ReleaseAt) continue;
            var changed = d with { TargetMw = target, ReductionMw = reduction, ReleaseAt = signal!.End };
            var tighter = changed.CeilingMw < d.CeilingMw - 1e-9;
            var text = $"OpenADR event {e.Id} was modified on the VTN{modified}: " +
                (signal.Kind == SignalKind.Simple ? $"SIMPLE level {signal.Level} = {signal.Action}" : $"limit {signal.LimitMw:0.###} MW") +
                $" until {signal.End?.ToString("u") ?? "further notice"}" + (tighter ? $"; {program.Deadline.TotalMinutes:0} minutes from now to meet it" : "");
            var audit = JsonSerializer.Serialize(new
            {
                @event = e.Id,
                old = new { target_mw = d.TargetMw, reduction_mw = d.ReductionMw, release_at = d.ReleaseAt, deadline = d.Deadline },
                @new = new { target_mw = target, reduction_mw = reduction, release_at = signal.End, deadline = tighter ? now + program.Deadline : d.Deadline },
            });
            var updated = runtime.UpdateEvent(d.Id, x => x with
            {
                TargetMw = target, ReductionMw = reduction, ReleaseAt = signal.End,
                Deadline = tighter ? now + program.Deadline : x.Deadline,
                // The target met before was another target: when this one is met is recorded afresh.
                TargetMetAt = tighter ? null : x.TargetMetAt,
                Notes = [.. x.Notes, new OperatorNote(now, by, text)],
            });
            if (updated is not null) store.SaveEventAudited(updated, new AuditEntry(now, by, Role, "dispatch_modified", d.Id, audit));
            log.LogWarning("OpenADR dispatch {Id} modified: {Note}", d.Id, text);
            await trigger.RunNowAsync($"dispatch:{d.Id}", ct);
        }
    }

    private static bool Same(double? a, double? b) => a is null ? b is null : b is not null && Math.Abs(a.Value - b.Value) < 1e-9;

    /// <summary>The ceiling or reduction a limit or SIMPLE signal asks of a site drawing <paramref name="baselineMw"/>.</summary>
    private static (double? TargetMw, double? ReductionMw) Targets(MappedSignal signal, double baselineMw) => signal.Kind == SignalKind.Limit
        ? (signal.LimitMw, null)
        : (signal.Action!.TargetMw, signal.Action.ReductionMw ?? (signal.Action.CurtailPercent is { } pct ? baselineMw * pct / 100 : null));

    private async Task StartAsync(MappedSignal signal, OpenAdrProgramConfig program, DateTimeOffset now, CancellationToken ct)
    {
        var id = signal.DispatchId;
        if (runtime.Snapshot().Events.Any(x => x.Id == id) || store.Event(id) is not null) return;
        var issuer = $"{SourcePrefix}{config.ClientId}";
        var source = SourcePrefix + program.Name;
        var note = $"OpenADR event {signal.EventId}, interval {signal.IntervalId}, program {program.Name}";
        if (program.Sb6)
        {
            // No grid import is what running on backup generation means: a limit of zero is that directive.
            var kind = signal.LimitMw is 0 ? DirectiveKind.RunOnBackup : DirectiveKind.CurtailToLevel;
            var order = new DirectiveOrder(id, kind, kind == DirectiveKind.RunOnBackup ? null : signal.LimitMw, program.Deadline, signal.End, note);
            await desk.ReceiveAsync(order, issuer, Role, source, ct);
            log.LogWarning("OpenADR SB 6 directive {Id}: {Kind} ({Note})", id, DirectiveDesk.Kind(kind), note);
            return;
        }
        var view = runtime.Snapshot();
        var baseline = view.Miners.Count > 0 ? view.Miners.Sum(m => m.PowerW ?? 0) / 1e6 : (view.Genset?.ActivePowerKw ?? 0) / 1000;
        var (target, reduction) = Targets(signal, baseline);
        var e = new DispatchEvent
        {
            Id = id, Program = DemandResponseProgram.OpenAdr, Source = source, Test = program.Test,
            ReceivedAt = now, AcknowledgedAt = now, Deadline = now + program.Deadline, ReleaseAt = signal.End,
            TargetMw = target, ReductionMw = reduction, BaselineMw = baseline, IssuedBy = issuer,
            Notes = [new OperatorNote(now, issuer, signal.Kind == SignalKind.Simple ? $"{note}: SIMPLE level {signal.Level} = {signal.Action}" : note)],
        };
        store.SaveEventAudited(e, new AuditEntry(now, issuer, Role, "dispatch_received", null, JsonSerializer.Serialize(e, Api.ControllerApi.JsonOut)));
        runtime.AddEvent(e);
        log.LogWarning("OpenADR dispatch {Id}: load at most {Ceiling:0.###} MW until {End}", id, e.CeilingMw, e.ReleaseAt?.ToString("u") ?? "the event is deleted");
        await trigger.RunNowAsync($"dispatch:{id}", ct);
    }

    /// <summary>An event deleted on the VTN (a cancellation) releases what it started.</summary>
    private async Task ReleaseDeletedAsync(OpenAdrProgramConfig program, IReadOnlySet<string> live, DateTimeOffset now, CancellationToken ct)
    {
        var source = SourcePrefix + program.Name;
        foreach (var e in runtime.Snapshot().Events.Where(x => x.Source == source && x.ActiveAt(now)))
        {
            if (OpenAdrIds.EventOf(e.Id) is not { } eventId || live.Contains(eventId)) continue;
            await ReleaseAsync(e, $"OpenADR event {eventId} was deleted on the VTN", now, ct);
        }
    }

    /// <summary>Releases a dispatch (an SB 6 directive through the desk, into its chain) with the note saying why.</summary>
    private async Task ReleaseAsync(DispatchEvent e, string note, DateTimeOffset now, CancellationToken ct)
    {
        if (e.Directive is not null)
        {
            await desk.ReleaseAsync(e.Id, SourcePrefix + config.ClientId, Role, note, ct);
        }
        else
        {
            var released = e with { ReleasedAt = now, Notes = [.. e.Notes, new OperatorNote(now, SourcePrefix + config.ClientId, note)] };
            store.SaveEventAudited(released, new AuditEntry(now, SourcePrefix + config.ClientId, Role, "dispatch_released", e.Id, note));
            runtime.UpdateEvent(e.Id, _ => released);
            trace.Flush();
            await trigger.RunNowAsync($"release:{e.Id}", ct);
        }
        log.LogWarning("OpenADR dispatch {Id} released: {Note}", e.Id, note);
    }

    /// <summary>For each dispatch of ours that has ended and has no report yet: its achieved load per minute, posted to the VTN.</summary>
    private async Task ReportAsync(IReadOnlyList<OadrProgram> programs, DateTimeOffset now, CancellationToken ct)
    {
        foreach (var e in store.Events().Where(x => x.Source?.StartsWith(SourcePrefix, StringComparison.Ordinal) == true && !_reported.Contains(x.Id)))
        {
            var ended = e.ReleasedAt ?? (e.ReleaseAt is { } r && r <= now ? r : null);
            if (ended is null || now - ended > ReportWindow) continue;
            if (OpenAdrIds.EventOf(e.Id) is not { } eventId) continue;
            var programName = e.Source![SourcePrefix.Length..];
            if (programs.FirstOrDefault(p => p.ProgramName == programName)?.Id is not { } programId) continue;
            IReadOnlyList<LoadTraceMinute> minutes;
            try
            {
                if ((await client.ReportsAsync(eventId, config.VenName, ct)).Any(x => x.ReportName == e.Id))
                {
                    _reported.Add(e.Id);
                    continue;
                }
                // The running minute of the trace goes into the report as it stands.
                trace.Flush();
                minutes = store.LoadTrace(e.Id);
                IReadOnlyList<ReportColumn> columns;
                lock (_reportColumns) columns = _reportColumns.GetValueOrDefault(eventId) ?? OpenAdrReportRequests.Default;
                if (columns.Count == 0)
                {
                    // Every payload type the event asked for was refused (audited then): there is nothing to post.
                    _reported.Add(e.Id);
                    continue;
                }
                await client.PostReportAsync(Report(e, programId, eventId, minutes, columns), ct);
            }
            catch (OpenAdrException ex)
            {
                // One report the VTN refuses must not hold up the others, nor the polls: tried again at the next poll, up
                // to MaxReportAttempts, then given up on the record.
                var attempts = _reportAttempts[e.Id] = _reportAttempts.GetValueOrDefault(e.Id) + 1;
                log.LogWarning("OpenADR report for {Id} not posted (attempt {Attempt} of {Max}): {Error}", e.Id, attempts, MaxReportAttempts, ex.Message);
                _status = _status with { LastError = ex.Message };
                if (attempts < MaxReportAttempts) continue;
                _reported.Add(e.Id);
                store.Audit(new AuditEntry(now, SourcePrefix + config.ClientId, Role, "openadr_report_failed", e.Id, ex.Message));
                continue;
            }
            _reported.Add(e.Id);
            _reportsPosted++;
            _status = _status with { ReportsPosted = _reportsPosted };
            store.Audit(new AuditEntry(now, SourcePrefix + config.ClientId, Role, "openadr_report_posted", e.Id,
                JsonSerializer.Serialize(new { @event = eventId, minutes = minutes.Count })));
            log.LogInformation("OpenADR report for {Id} posted: {Minutes} minutes of achieved load", e.Id, minutes.Count);
        }
    }

    /// <summary>
    /// The site's achieved load per minute of a dispatch as one aggregated resource, one payload per column (by default
    /// DEMAND, the mean kW over the minute, and USAGE, the kWh in it). Minutes without a reading are left out, not filled in.
    /// </summary>
    public OadrReport Report(DispatchEvent e, string programId, string eventId, IReadOnlyList<LoadTraceMinute> minutes, IReadOnlyList<ReportColumn>? columns = null)
    {
        columns ??= OpenAdrReportRequests.Default;
        return new OadrReport
        {
            ProgramId = programId, EventId = eventId, ClientName = config.VenName, ReportName = e.Id,
            PayloadDescriptors = columns.Select(c => c.Descriptor).ToList(),
            Resources =
            [
                new OadrReportResource
                {
                    ResourceName = "AGGREGATED_REPORT",
                    Intervals = minutes.Select((m, i) => new OadrInterval
                    {
                        Id = i,
                        IntervalPeriod = new OadrIntervalPeriod { Start = m.MinuteStart, Duration = "PT1M" },
                        Payloads = columns.Select(c => new OadrValuesMap { Type = c.PayloadType, Values = [JsonSerializer.SerializeToElement(c.Value(m, e))] }).ToList(),
                    }).ToList(),
                },
            ],
        };
    }
}
