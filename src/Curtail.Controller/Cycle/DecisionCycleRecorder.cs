using System.Text.Json;
using Curtail.Controller.DemandResponse;
using Curtail.Controller.Hosting;
using Curtail.Controller.Storage;
using Curtail.Controller.Telemetry;
using Curtail.Core.Decisions;
using Curtail.Core.Sites;
using Curtail.Miners.Fleet;

namespace Curtail.Controller.Cycle;

/// <summary>
/// What a decision cycle writes down: the decision with the snapshot it came from (before any command goes out), the
/// commands' outcomes after, the demand-response intervals, and the telemetry.
/// </summary>
internal sealed class DecisionCycleRecorder(SiteDefinition site, ControllerStore store, ControllerRuntime runtime, CurtailTelemetry telemetry)
{
    // The API's shape, so a record reads the same in /api/decisions/{id} as the status does (older records are migrated on read).
    private static readonly JsonSerializerOptions Json = Api.ApiJson.Options;
    private readonly Core.Economics.IntervalEconomics _economics = new(site);
    private DateTimeOffset? _lastCycle;

    /// <summary>The cycle's record as decided, with no outcome yet.</summary>
    public CycleRecord Decided(string trigger, CycleInputs inputs, CycleDecision decision, double measuredKw, FourCpHour? watchHour) => new(
        Guid.NewGuid().ToString("N"), inputs.Now, trigger, decision.TargetKw, decision.PriceTargetKw, decision.LimitedBy, measuredKw, null,
        JsonSerializer.Serialize(new
        {
            inputs.Now, settled_prices_tail = inputs.SettledPrices.TakeLast(8), inputs.LastSettledIntervalStart, sced_runs = inputs.ScedRuns, inputs.HashpriceUsdPerThDay,
            groups = inputs.Groups.Select((s, i) => new { group = site.Fleet[i].Name, mode = s.Mode, since = Since(s.SinceTicks) }),
            inputs.Trading, inputs.Override, events = inputs.ActiveEvents.Select(e => e.Id), inputs.InFourCpWindow, inputs.FourCpReason,
            four_cp_probability = watchHour?.Probability, genset = inputs.DeviceNow is { } deviceNow ? inputs.Genset?.OnServiceClock(deviceNow, inputs.Now) : inputs.Genset, inputs.GensetLinkProblem, inputs.SiteLoadKw, inputs.PricesStale,
            inputs.HoldReason, ages = Ages(inputs.Ages),
        }, Json),
        JsonSerializer.Serialize(new
        {
            decision.TargetKw, decision.PriceTargetKw, decision.LimitedBy, decision.Limits, acted_on = decision.ActedOn,
            groups = decision.NextGroups.Select((s, i) => new { group = site.Fleet[i].Name, mode = s.Mode, fraction = s.PowerFraction, reason = Api.ApiJson.Snake(decision.GroupReasons[i].ToString()) }),
            genset = decision.Genset?.ToString(), min_load = decision.MinLoad, energy_sources = site.Sources.HasGensets ? site.Sources.Describe() : null,
        }, Json),
        "[]");

    public void SaveDecided(CycleRecord record, CycleDecision decision)
    {
        store.SaveGroupStates(site.Fleet.Select(g => g.Name).ToList(), decision.NextGroups);
        store.SaveCycle(record);
    }

    public static string ResultsJson(ActuationReport? report) => JsonSerializer.Serialize(
        report?.Results.Select(r => new { miner = r.MinerId, action = r.Action, outcome = r.Outcome, command_ms = r.CommandLatency.TotalMilliseconds, confirm_ms = r.ConfirmLatency?.TotalMilliseconds, r.Error })
        ?? [], Json);

    public static object Summary(CycleRecord record, CycleDecision decision, double measuredKw, ActuationReport? report) => new
    {
        record.Id, record.Time, record.Trigger, decision.TargetKw, decision.PriceTargetKw, decision.LimitedBy, decision.Limits, acted_on = decision.ActedOn, min_load = decision.MinLoad,
        expected_kw = record.ExpectedLoadKw, measured_kw = measuredKw, unmet = report is { TargetMet: false },
    };

    /// <summary>Every command of the dispatch on the audit log, decided by this cycle (and through it by its trigger).</summary>
    public void AuditCommands(CycleRecord record, ActuationReport report, DateTimeOffset now) => store.AuditCommands(report.Results
        .Select(r => new MinerCommandAudit(now, $"cycle:{record.Id}", r.MinerId, JsonNamingPolicy.SnakeCaseLower.ConvertName(r.Action.ToString()),
            JsonNamingPolicy.SnakeCaseLower.ConvertName(r.Outcome.ToString()), Math.Round((r.ConfirmLatency ?? r.CommandLatency).TotalMilliseconds, 1),
            r.Error is null ? $"trigger {record.Trigger}" : $"trigger {record.Trigger}: {r.Error}"))
        .ToList());

    public void CountCommands(ActuationReport report)
    {
        foreach (var r in report.Results)
        {
            telemetry.Commands.Add(1);
            // Zero is added too: the failure series exists (at 0) from the first command, so a dashboard's rate reads 0, not "no data".
            telemetry.CommandFailures.Add(r.Outcome != DispatchOutcome.Confirmed ? 1 : 0);
            if (r.Outcome == DispatchOutcome.Confirmed) telemetry.CommandLatencyMs.Record((r.ConfirmLatency ?? r.CommandLatency).TotalMilliseconds);
        }
    }

    public void RecordEvents(CycleInputs inputs, double measuredKw, DateTimeOffset now)
    {
        foreach (var e in inputs.ActiveEvents)
        {
            var intervalStart = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.FromMinutes(15).Ticks, TimeSpan.Zero);
            var genset = inputs.GensetConfigured ? inputs.Genset : null;
            var ceilingKw = EventCeiling.Kw(e, genset);
            store.SaveEventInterval(new EventIntervalRecord(e.Id, intervalStart, measuredKw / 1000, ceilingKw / 1000, e.BaselineMw));
            if (e.TargetMetAt is null && EventCeiling.Met(e, measuredKw, genset))
            {
                var met = runtime.UpdateEvent(e.Id, x => x with { TargetMetAt = now });
                if (met is null) continue;
                if (met.Directive is null) store.SaveEvent(met);
                // A directive's confirmed load goes into its hash chain with the figures it was judged on.
                else store.SaveEventChained(met, null, now, "load_confirmed", new Dictionary<string, object?>
                {
                    ["site_load_kw"] = Math.Round(measuredKw, 3), ["ceiling_kw"] = Math.Round(ceilingKw, 3),
                    ["genset_kw"] = genset?.ActivePowerKw, ["genset_on_load"] = genset?.IsOnLoad,
                    ["seconds_after_receipt"] = Math.Round((now - met.ReceivedAt).TotalSeconds, 1), ["deadline"] = met.Deadline,
                });
            }
        }
    }

    public void UpdateTelemetry(CycleInputs inputs, CycleDecision decision, double measuredKw, IReadOnlyList<MinerSnapshot> miners, DateTimeOffset now, ControllerRuntime.View view)
    {
        telemetry.Cycles.Add(1);
        telemetry.CycleFailures.Add(0); // the failure series exists (at 0) from the first cycle, as above
        if (_lastCycle is { } previous && now > previous)
        {
            // Energy and money since the previous cycle, at the measured load and last settled price.
            var hours = Math.Min((now - previous).TotalHours, 1);
            telemetry.CurtailedMwh.Add(Math.Max(0, site.FullPowerMw - measuredKw / 1000) * hours);
            if (inputs.SettledPrices.Length > 0)
            {
                var fullKw = site.FullPowerMw * 1000;
                var share = fullKw > 0 ? Math.Clamp(measuredKw / fullKw, 0, 1) : 0;
                // The backtest's money model, at the measured share of nameplate.
                var revenuePerHourAtFull = Enumerable.Range(0, site.Fleet.Count).Sum(g => _economics.RevenuePerHourAtFull(g, inputs.HashpriceUsdPerThDay));
                var revenue = revenuePerHourAtFull * share * hours;
                var cost = measuredKw / 1000 * hours * (inputs.SettledPrices[^1] + _economics.AdderUsdPerMwh);
                telemetry.ProfitUsd.Add(revenue - cost);
            }
        }
        if (_lastCycle is null || now > _lastCycle) _lastCycle = now;
        telemetry.SetGauges(new CurtailTelemetry.Gauges(
            inputs.SettledPrices.Length > 0 ? inputs.SettledPrices[^1] : double.NaN, decision.TargetKw, measuredKw,
            view.Genset?.AvailablePowerKw ?? double.NaN,
            miners.GroupBy(m => m.Mode).ToDictionary(g => g.Key, g => g.Count()))
        {
            PriceAgeSeconds = inputs.Ages?.SettledPrice?.TotalSeconds ?? double.NaN,
            ScedAgeSeconds = inputs.Ages?.Sced?.TotalSeconds ?? double.NaN,
            GensetReadingAgeSeconds = inputs.Ages?.GensetReading?.TotalSeconds ?? double.NaN,
            MinersUnreadable = inputs.Ages?.MinersUnreadable ?? 0,
        });
    }

    private static object? Ages(Safety.InputAges? a) => a is null ? null : new
    {
        settled_price_s = a.SettledPrice?.TotalSeconds, sced_s = a.Sced?.TotalSeconds, genset_reading_s = a.GensetReading?.TotalSeconds,
        miners_unreadable = a.MinersUnreadable, prices_stale = a.PricesStale, sced_stale = a.ScedStale, genset_stale = a.GensetStale,
    };

    /// <summary>When a group entered its mode; null when it has been in it since before the controller knew (no time to show).</summary>
    private static DateTimeOffset? Since(long ticks) => ticks <= GroupState.LongAgoTicks ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
}
