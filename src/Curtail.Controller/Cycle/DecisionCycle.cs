using System.Diagnostics;
using System.Text.Json;
using Curtail.Controller.Hosting;
using Curtail.Controller.Storage;
using Curtail.Controller.Telemetry;
using Curtail.Core.Decisions;
using Curtail.Core.Time;
using Curtail.Miners.Fleet;
using Microsoft.Extensions.Logging;

namespace Curtail.Controller.Cycle;

/// <summary>
/// One decision cycle: snapshot the inputs (prices, genset, miners re-read from the devices, trader settings, events),
/// decide the site target with the shared engine, allocate and dispatch to the miners in one batch, and record it all.
/// Cycles never overlap; a cycle that finds nothing changed still re-applies the target, so a miner that woke by
/// itself or a missed cycle is corrected on the next one.
/// </summary>
public sealed class DecisionCycle(
    ControllerRuntime runtime,
    SiteTargetPlanner planner,
    FleetActuator? actuator,
    ControllerStore store,
    CurtailTelemetry telemetry,
    TimeProvider time,
    ILogger<DecisionCycle> log,
    TimeProvider? deviceTime = null,
    DemandResponse.FourCpWatch? fourCpWatch = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Core.Economics.IntervalEconomics _economics = new(planner.Site);
    private DateTimeOffset? _lastCycle;

    public async Task<CycleRecord> RunAsync(string trigger, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            return await RunLockedAsync(trigger, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A failed cycle is logged with its reason; the next one starts again from a fresh read of everything.
            log.LogError(ex, "cycle {Trigger} failed: {Reason}", trigger, ex.Message);
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<CycleRecord> RunLockedAsync(string trigger, CancellationToken ct)
    {
        using var activity = CurtailTelemetry.Traces.StartActivity("decision_cycle");
        activity?.SetTag("curtail.trigger", trigger);
        var site = planner.Site;

        // 1. Snapshot: re-read the miners so the decision starts from what is really running.
        IReadOnlyList<MinerSnapshot> miners = [];
        if (actuator is not null)
        {
            var reads = await actuator.ReadAllAsync(ct);
            miners = reads.Select(r => ControllerRuntime.Describe(r.Member, r.Status, r.Error)).ToList();
            runtime.SetMiners(miners);
        }
        var view = runtime.Snapshot();
        var now = time.GetUtcNow();
        var measuredKw = actuator is not null ? miners.Sum(m => m.PowerW) / 1000 : view.Genset?.ActivePowerKw ?? 0;
        var (settled, lastStart) = SettledPrices(view, now);
        var stored = store.LoadGroupStates();
        var groups = site.Fleet.Select(g => stored.TryGetValue(g.Name, out var s) ? s : GroupState.RunningLongSince).ToArray();
        var inConfiguredWindow = InFourCpWindow(view.Config.FourCp, now);
        var watchHour = fourCpWatch is null ? null : await fourCpWatch.EvaluateAsync(now, ct);
        var inputs = new CycleInputs
        {
            Now = now,
            SettledPrices = settled,
            LastSettledIntervalStart = lastStart,
            ScedRuns = ScedSoFar.Runs(view.Sced, lastStart + TimeSpan.FromMinutes(15), now),
            HashpriceUsdPerThDay = runtime.Hashprice.AtUtcTicks(now.UtcTicks),
            Groups = groups,
            Trading = view.Trading,
            Override = view.Override,
            ActiveEvents = view.Events.Where(e => e.ActiveAt(now)).ToList(),
            InFourCpWindow = inConfiguredWindow || watchHour is { Curtail: true },
            FourCpReason = watchHour is { Curtail: true } ? $"4CP watch: {watchHour.Reason}" : inConfiguredWindow ? "configured 4CP window (controller.four_cp)" : null,
            GensetConfigured = view.Config.Genset is not null,
            DeviceNow = (deviceTime ?? time).GetUtcNow(),
            Genset = view.Genset,
            GensetLinkProblem = view.GensetLinkProblem,
            SiteLoadKw = measuredKw,
            PricesStale = view.PricesStale,
        };

        // 2. Decide.
        var decision = planner.Decide(inputs);
        activity?.SetTag("curtail.target_kw", decision.TargetKw);
        activity?.SetTag("curtail.limited_by", decision.LimitedBy);

        // 3. Dispatch in one batch, confirmed by read-back.
        ActuationReport? report = null;
        if (actuator is not null)
        {
            using var dispatch = CurtailTelemetry.Traces.StartActivity("dispatch");
            if (inputs.ActiveEvents.Count > 0 || decision.LimitedBy is "demand_response" or "4cp") actuator.BeginEvent();
            else if (actuator.InEvent) actuator.EndEvent();
            report = await actuator.ApplyTargetAsync(decision.TargetKw * 1000, ct);
            dispatch?.SetTag("curtail.commands", report.Results.Count);
            foreach (var r in report.Results)
            {
                telemetry.Commands.Add(1);
                if (r.Outcome != DispatchOutcome.Confirmed) telemetry.CommandFailures.Add(1);
                else telemetry.CommandLatencyMs.Record((r.ConfirmLatency ?? r.CommandLatency).TotalMilliseconds);
            }
        }

        // 4. Record.
        store.SaveGroupStates(site.Fleet.Select(g => g.Name).ToList(), decision.NextGroups);
        var record = new CycleRecord(Guid.NewGuid().ToString("N"), now, trigger, decision.TargetKw, decision.PriceTargetKw, decision.LimitedBy,
            measuredKw, report is null ? null : report.ExpectedLoadW / 1000,
            JsonSerializer.Serialize(new { inputs.Now, settled_prices_tail = settled.TakeLast(8), inputs.LastSettledIntervalStart, sced_runs = inputs.ScedRuns, inputs.HashpriceUsdPerThDay,
                groups = groups.Select((s, i) => new { group = site.Fleet[i].Name, mode = s.Mode.ToString(), since = TicksText(s.SinceTicks) }),
                inputs.Trading, inputs.Override, events = inputs.ActiveEvents.Select(e => e.Id), inputs.InFourCpWindow, inputs.FourCpReason, four_cp_probability = watchHour?.Probability, genset = inputs.Genset,
                inputs.GensetLinkProblem, inputs.SiteLoadKw, inputs.PricesStale }, Json),
            JsonSerializer.Serialize(new { decision.TargetKw, decision.PriceTargetKw, decision.LimitedBy, decision.Limits, acted_on = decision.ActedOn,
                groups = decision.NextGroups.Select((s, i) => new { group = site.Fleet[i].Name, mode = s.Mode.ToString(), fraction = s.PowerFraction, reason = decision.GroupReasons[i].ToString() }),
                genset = decision.Genset?.ToString() }, Json),
            JsonSerializer.Serialize(report?.Results.Select(r => new { miner = r.MinerId, action = r.Action.ToString(), outcome = r.Outcome.ToString(), command_ms = r.CommandLatency.TotalMilliseconds, confirm_ms = r.ConfirmLatency?.TotalMilliseconds, r.Error })
                ?? [], Json));
        store.SaveCycle(record);
        RecordEvents(inputs, measuredKw, now);
        UpdateTelemetry(inputs, decision, measuredKw, miners, now, view);
        runtime.SetLastDecision(new { record.Id, record.Time, record.Trigger, decision.TargetKw, decision.PriceTargetKw, decision.LimitedBy, decision.Limits, acted_on = decision.ActedOn,
            expected_kw = record.ExpectedLoadKw, measured_kw = measuredKw, unmet = report is { TargetMet: false } });
        log.LogInformation("cycle {Trigger}: target {Target:F0} kW (limited by {Limiter}), measured {Measured:F0} kW, {Commands} commands",
            trigger, decision.TargetKw, decision.LimitedBy, measuredKw, report?.Results.Count ?? 0);
        _lastCycle = now;
        return record;
    }

    /// <summary>Prices of intervals that ended by now, most recent last (at most two days: the policies look back hours).</summary>
    private static (double[] Prices, DateTimeOffset? LastStart) SettledPrices(ControllerRuntime.View view, DateTimeOffset now)
    {
        if (view.Prices is not { Count: > 0 } p) return ([], null);
        var list = new List<double>();
        DateTimeOffset? last = null;
        var from = now.AddDays(-2).UtcTicks;
        for (var i = 0; i < p.Count; i++)
        {
            if (p.EndTicks[i] > now.UtcTicks) break;
            if (p.StartTicks[i] < from) continue;
            list.Add(p.Prices[i]);
            last = new DateTimeOffset(p.StartTicks[i], TimeSpan.Zero);
        }
        return (list.ToArray(), last);
    }

    private static bool InFourCpWindow(Config.FourCpConfig? fourCp, DateTimeOffset now)
    {
        if (fourCp is null) return false;
        var local = CentralPrevailingTime.ToLocal(now);
        return fourCp.Months.Contains(local.Month) && fourCp.Hours.Contains(local.Hour);
    }

    private void RecordEvents(CycleInputs inputs, double measuredKw, DateTimeOffset now)
    {
        foreach (var e in inputs.ActiveEvents)
        {
            var intervalStart = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.FromMinutes(15).Ticks, TimeSpan.Zero);
            store.SaveEventInterval(new DemandResponse.EventIntervalRecord(e.Id, intervalStart, measuredKw / 1000, e.CeilingMw, e.BaselineMw));
            if (e.TargetMetAt is null && measuredKw / 1000 <= e.CeilingMw + 1e-6)
            {
                var met = runtime.UpdateEvent(e.Id, x => x with { TargetMetAt = now });
                if (met is not null) store.SaveEvent(met);
            }
        }
    }

    private void UpdateTelemetry(CycleInputs inputs, CycleDecision decision, double measuredKw, IReadOnlyList<MinerSnapshot> miners, DateTimeOffset now, ControllerRuntime.View view)
    {
        telemetry.Cycles.Add(1);
        if (_lastCycle is { } previous && now > previous)
        {
            // Energy and money since the previous cycle, at the measured load and last settled price.
            var hours = Math.Min((now - previous).TotalHours, 1);
            var site = planner.Site;
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
        telemetry.SetGauges(new CurtailTelemetry.Gauges(
            inputs.SettledPrices.Length > 0 ? inputs.SettledPrices[^1] : double.NaN, decision.TargetKw, measuredKw,
            view.Genset?.AvailablePowerKw ?? double.NaN,
            miners.GroupBy(m => m.Mode).ToDictionary(g => g.Key, g => g.Count())));
    }

    private static string TicksText(long ticks) => ticks <= GroupState.LongAgoTicks ? "long ago" : new DateTimeOffset(ticks, TimeSpan.Zero).ToString("u");
}
