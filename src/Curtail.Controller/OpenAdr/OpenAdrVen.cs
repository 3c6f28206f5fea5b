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
                foreach (var signal in Mapped(e, vtnProgram, program, now))
                {
                    if (signal.Kind == SignalKind.Price)
                    {
                        if (signal.End is null || signal.End > now)
                            prices.Add(new SignalPrice(signal.Start, signal.End, signal.PriceUsdPerMwh!.Value, $"OpenADR price of event {e.Id} ({program.Name})"));
                    }
                    else if (signal.ActiveAt(now) && signal.Level is not 0) await StartAsync(signal, program, now, ct);
                }
            await ReleaseDeletedAsync(program, events.Select(e => e.Id!).ToHashSet(), now, ct);
        }
        runtime.SetSignalPrices(prices);
        _status = _status with { LastPoll = now, LastError = null, ProgramsFound = found, ProgramsMissing = missing };
        await ReportAsync(programs, now, ct);
    }

    /// <summary>The event's signals, or none when it is refused (logged and audited once per version of the event).</summary>
    private IReadOnlyList<MappedSignal> Mapped(OadrEvent e, OadrProgram vtnProgram, OpenAdrProgramConfig program, DateTimeOffset now)
    {
        var version = $"{e.Id}@{e.ModificationDateTime?.UtcTicks}";
        if (_refused.Contains(version)) return [];
        try
        {
            return OpenAdrEventMapper.Map(e, vtnProgram, program);
        }
        catch (OpenAdrRefusedException ex)
        {
            _refused.Add(version);
            log.LogWarning("{Refusal}", ex.Message);
            store.Audit(new AuditEntry(now, SourcePrefix + program.Name, Role, "openadr_refused", e.Id,
                JsonSerializer.Serialize(new { @event = ex.EventId, payload_type = ex.PayloadType, error = ex.Message })));
            lock (_refusedMessages) _refusedMessages.Add(ex.Message);
            _status = _status with { Refused = _refusedMessages.TakeLast(20).ToList() };
            return [];
        }
    }

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
        var (target, reduction) = signal.Kind == SignalKind.Limit
            ? (signal.LimitMw, (double?)null)
            : (signal.Action!.TargetMw, signal.Action.ReductionMw ?? (signal.Action.CurtailPercent is { } pct ? baseline * pct / 100 : null));
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
            var note = $"OpenADR event {eventId} was deleted on the VTN";
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
                await client.PostReportAsync(Report(e, programId, eventId, minutes), ct);
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
    /// The site's achieved load per minute of a dispatch as one aggregated resource: DEMAND (mean kW over the minute,
    /// reading type MEAN) and USAGE (kWh in the minute). Minutes without a reading are left out, not filled in.
    /// </summary>
    public OadrReport Report(DispatchEvent e, string programId, string eventId, IReadOnlyList<LoadTraceMinute> minutes) => new()
    {
        ProgramId = programId, EventId = eventId, ClientName = config.VenName, ReportName = e.Id,
        PayloadDescriptors =
        [
            new OadrPayloadDescriptor { ObjectType = "REPORT_PAYLOAD_DESCRIPTOR", PayloadType = "DEMAND", ReadingType = "MEAN", Units = "KW" },
            new OadrPayloadDescriptor { ObjectType = "REPORT_PAYLOAD_DESCRIPTOR", PayloadType = "USAGE", ReadingType = "DIRECT_READ", Units = "KWH" },
        ],
        Resources =
        [
            new OadrReportResource
            {
                ResourceName = "AGGREGATED_REPORT",
                Intervals = minutes.Select((m, i) => new OadrInterval
                {
                    Id = i,
                    IntervalPeriod = new OadrIntervalPeriod { Start = m.MinuteStart, Duration = "PT1M" },
                    Payloads =
                    [
                        new OadrValuesMap { Type = "DEMAND", Values = [JsonSerializer.SerializeToElement(Math.Round(m.LoadMw * 1000, 3))] },
                        new OadrValuesMap { Type = "USAGE", Values = [JsonSerializer.SerializeToElement(Math.Round(m.LoadMw * 1000 / 60, 4))] },
                    ],
                }).ToList(),
            },
        ],
    };
}
