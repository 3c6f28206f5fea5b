using System.Text.Json;
using Curtail.Controller.Config;
using Curtail.Controller.DemandResponse;
using Curtail.Controller.Hosting;
using Curtail.Controller.Storage;
using Curtail.Controller.Telemetry;
using Curtail.Controller.Trading;
using Curtail.Core;
using Curtail.Forecasting.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Curtail.Controller.Api;

/// <summary>The trader and operator API (docs/controller.md); every write is validated, audited and triggers a cycle.</summary>
public static class ControllerApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        api.MapGet("/status", Status).WithSummary("Prices, site target and load, genset, miners by state (and each miner unless miners=false), active events, last decision");
        api.MapGet("/prices", (ControllerRuntime rt, int? hours, ServiceClock clock) =>
        {
            var now = clock.Time.GetUtcNow();
            var p = rt.Snapshot().Prices;
            var from = now.AddHours(-Math.Clamp(hours ?? 24, 1, 48)).UtcTicks;
            var rows = new List<object>();
            if (p is not null)
                for (var i = 0; i < p.Count; i++)
                    if (p.StartTicks[i] >= from && p.EndTicks[i] <= now.UtcTicks)
                        rows.Add(new { start = p[i].StartUtc, end = p[i].EndUtc, price = p.Prices[i] });
            return Results.Json(rows, JsonOut);
        }).WithSummary("Settled real-time prices of the site's settlement point");
        api.MapGet("/prices/sced", (ControllerRuntime rt) => Results.Json(rt.Snapshot().Sced is { } sced
                ? Enumerable.Range(0, sced.Count).Select(i => new { time = sced[i].StartUtc, lmp = sced.Prices[i] })
                : [], JsonOut))
            .WithSummary("SCED LMPs of the site's settlement point, about every 5 minutes, last two hours");
        api.MapGet("/forecast", (ForecastService f) => f.LastWithRtd is { Forecast: var last, Rtd: var rtd }
            ? Results.Json(new
            {
                issued_at = last.IssuedAt,
                // The RTD run the forecast was moved toward (null: none fresh), and per interval the share it covered.
                rtd_run = rtd?.RunUtc,
                intervals = last.Intervals.Select(i => new
                {
                    start = i.StartUtc, end = i.EndUtc, p10 = i.P10, p50 = i.P50, p90 = i.P90, mean = i.Mean, spike_probability = i.SpikeProbability,
                    rtd_share = rtd is null ? 0 : RtdAdjustment.Coverage(rtd.Prices, i.StartUtc, i.EndUtc).Share,
                }),
            }, JsonOut)
            : Results.Json(new { error = f.Available ? "no forecast yet" : "no forecaster: the model could not be loaded" }, statusCode: 404))
            .WithSummary("The latest price forecast: P10/P50/P90 and spike probability for the next 24 intervals, moved toward the latest RTD run where it covers them");
        api.MapGet("/decisions", (ControllerStore store, int? limit) => Results.Json(store.RecentCycles(Math.Clamp(limit ?? 50, 1, 10_000)).Select(Summary), JsonOut))
            .WithSummary("Recent decision cycles with their target, limiter and reasons");
        api.MapGet("/decisions/{id}", (ControllerStore store, string id) => store.Cycle(id) is { } c
            ? Results.Json(new { summary = Summary(c), inputs = Raw(c.InputsJson), decision = Raw(c.DecisionJson), miners = Raw(c.MinerResultsJson) }, JsonOut)
            : Results.Json(new { error = $"no decision '{ApiLimits.Shorten(id)}'" }, statusCode: 404)).WithSummary("One decision: its inputs, decision and per-miner results");
        AuditApi.Map(api);
        api.MapGet("/events", (ControllerStore store, EventPerformanceMonitor performance) =>
            {
                var events = store.Events();
                return Results.Json(events.Select(e => new { @event = e, intervals = store.EventIntervals(e.Id), performance = performance.Evaluate(e, events) }), JsonOut);
            })
            .WithSummary("Demand-response events with their records and their achieved reduction against ERCOT's ERS baselines");
        api.MapGet("/prices/mcpc", (HttpContext http, ServiceClock clock, int? hours) =>
        {
            if (http.RequestServices.GetService(typeof(PriceService)) is not PriceService prices)
                return Results.Json(new { error = "no ERCOT API configured (controller.prices): no AS clearing prices" }, statusCode: 404);
            var now = clock.Time.GetUtcNow();
            var rows = prices.Mcpc(now.AddHours(-Math.Clamp(hours ?? 2, 1, 48)), now.AddMinutes(1));
            return Results.Json(rows.GroupBy(r => r.ScedUtc).Select(g => new { sced = g.Key, prices = g.ToDictionary(r => r.AsType, r => r.Mcpc) }), JsonOut);
        }).WithSummary("Ancillary-service clearing prices (MCPC, NP6-332-CD) per SCED run, $/MW per hour, last hours");
        api.MapGet("/events/{id}/trace", (ControllerStore store, string id) => store.Event(id) is { } e
            ? Results.Json(new { @event = e, minutes = store.LoadTrace(id).Select(m => new { m.MinuteStart, m.LoadMw, m.Samples, m.Source }) }, JsonOut)
            : Results.Json(new { error = $"no event '{ApiLimits.Shorten(id)}'" }, statusCode: 404))
            .WithSummary("An event's 1-minute site load trace: mean load, readings and their source per minute of the event");
        api.MapGet("/metrics", (CurtailTelemetry t) => Results.Json(t.Snapshot(), JsonOut)).WithSummary("Current values of the controller's metrics");

        api.MapPut("/trading", SetTrading).WithSummary("Set strikes, hysteresis, confirmation and hard cap (trader)");
        api.MapPost("/overrides", SetOverride).WithSummary("Force run or curtail until a time (trader)");
        api.MapDelete("/overrides", ClearOverride).WithSummary("Clear the override (trader)");
        api.MapGet("/openadr", (IServiceProvider sp) => sp.GetService(typeof(OpenAdr.OpenAdrVen)) is OpenAdr.OpenAdrVen ven
                ? Results.Json(ven.Status, JsonOut)
                : Results.Json(new { error = "no OpenADR VTN configured (controller.openadr)" }, statusCode: 404))
            .WithSummary("The OpenADR VEN: last poll, programs found, events refused, reports posted");
        api.MapPost("/events", AddEvent).WithSummary("Receive a demand-response dispatch: target MW or reduction, deadline, release (operator)");
        api.MapPost("/events/{id}/release", ReleaseEvent).WithSummary("Release a demand-response event (operator)");
        api.MapPost("/events/release", ReleaseEventById).WithSummary("Release a demand-response event named in the body, for ids that cannot sit in a path (operator)");
        DirectiveApi.Map(api);
        api.MapPost("/config/reload", ReloadConfig).WithSummary("Reload the config file without restarting (operator)");
        api.MapPost("/cycle", async (HttpContext http, ControllerRuntime rt, CycleTrigger trigger) =>
        {
            var (token, denied) = ApiAuth.Require(http, rt, ApiRole.Operator);
            if (denied is not null) return denied;
            await trigger.RunNowAsync($"api:{token!.Name}", http.RequestAborted);
            return Results.Accepted();
        }).WithSummary("Run a decision cycle now (operator)");
    }

    public static readonly JsonSerializerOptions JsonOut = ApiJson.Options;

    private static IResult Status(ControllerRuntime rt, ControllerStore store, ServiceClock clock, DemandResponse.FourCpWatch watch, Safety.ControllerAlarms alarms,
        ControllerHostOptions options, string? miners)
    {
        // The dashboard polls the status every 2 s and pages the miners through /api/miners: at 1,000 miners the
        // per-miner list is ~300 kB of each poll (3 MB at 10,000), so it asks for the status without it.
        bool withMiners;
        switch (miners)
        {
            case null or "true": withMiners = true; break;
            case "false": withMiners = false; break;
            default: return ApiError(new InvalidInputException("miners", null, $"must be true or false, got '{ApiLimits.Shorten(miners)}'"));
        }
        var v = rt.Snapshot();
        var now = clock.Time.GetUtcNow();
        var deviceNow = (options.DeviceTime ?? clock.Time).GetUtcNow();
        var ages = Safety.InputAges.At(v, now, deviceNow);
        var p = v.Prices;
        var siteLoadKw = v.Miners.Count > 0 ? v.Miners.Sum(m => m.PowerW ?? 0) / 1000 : v.Genset?.ActivePowerKw;
        var lastSettled = -1;
        if (p is not null)
            for (var i = p.Count - 1; i >= 0; i--)
                if (p.EndTicks[i] <= now.UtcTicks) { lastSettled = i; break; }
        return Results.Json(new
        {
            time = now,
            site = new { v.Config.Site.Name, v.Config.Site.SettlementPoint, full_power_kw = v.Config.Site.FullPowerMw * 1000 },
            prices = new
            {
                last_settled = lastSettled >= 0 ? p!.Prices[lastSettled] : (double?)null,
                last_interval_start = lastSettled >= 0 ? p![lastSettled].StartUtc : (DateTimeOffset?)null,
                // From the age now, not from the last poll's outcome: a hung feed ages without failing.
                stale = ages.PricesStale,
                age_seconds = ages.SettledPrice?.TotalSeconds,
                sced_stale = ages.ScedStale,
                sced_age_seconds = ages.Sced?.TotalSeconds,
                last_sced_lmp = v.Sced is { Count: > 0 } sced ? sced.Prices[^1] : (double?)null,
                last_sced_time = v.Sced is { Count: > 0 } sced2 ? sced2[sced2.Count - 1].StartUtc : (DateTimeOffset?)null,
                rtd = v.Rtd is { Prices.Count: > 0 } rtd ? Enumerable.Range(0, rtd.Prices.Count).Select(i => new { start = rtd.Prices[i].StartUtc, lmp = rtd.Prices.Prices[i] }) : null,
                rtd_run = v.Rtd?.RunUtc,
            },
            trading = v.Trading,
            @override = v.Override is { } o && o.ActiveAt(now) ? o : null,
            last_decision = v.LastDecision,
            site_load_kw = siteLoadKw,
            energy = EnergyStatus.Of(v.Config.Site.Sources, v.Miners.Count > 0 ? siteLoadKw : null, v.Genset, ages.GensetStale),
            genset = v.Genset?.OnServiceClock(deviceNow, now),
            genset_link_problem = v.GensetLinkProblem,
            genset_reading_age_seconds = ages.GensetReading?.TotalSeconds,
            genset_stale = ages.GensetStale,
            miners_unreadable = ages.MinersUnreadable,
            alarms = alarms.Active.Select(a => new { name = a.Name, detail = a.Detail, since = a.Since }),
            miners_by_state = v.Miners.GroupBy(m => m.Mode).ToDictionary(g => g.Key, g => g.Count()),
            miners = withMiners ? v.Miners : null,
            active_events = v.Events.Where(e => e.ActiveAt(now)),
            four_cp = v.Config.FourCp,
            four_cp_watch = FourCpWatchStatus(watch, store, now),
            cycles = store.CycleCount(),
        }, JsonOut);
    }

    private static object? FourCpWatchStatus(DemandResponse.FourCpWatch watch, ControllerStore store, DateTimeOffset now)
    {
        if (watch.Settings is not { } s) return null;
        var day = watch.Day(now);
        // One query for the day's recorded decisions, not one an hour: the dashboard polls this every two seconds.
        var decided = day.Count == 0 ? [] : store.FourCpHours(day[0].HourStart, day[^1].HourStart.AddHours(1)).ToDictionary(h => h.HourStart);
        return new
        {
            rule = s.Rule.Name,
            rule_description = s.Rule.Describe(),
            probability_threshold = s.ProbabilityThreshold,
            monthly_budget_hours = s.MonthlyBudgetHours,
            used_hours_this_month = watch.UsedHoursInMonthOf(now),
            problem = watch.Problem,
            today = day.Select(h => new { hour_start = h.HourStart, probability = h.Probability, curtail = decided.GetValueOrDefault(h.HourStart)?.Curtail }),
        };
    }

    // Every write below validates the whole request first, then writes the change with its audit row in one
    // transaction, and only then applies it to the live state: a refused or failed request changes nothing.

    private static async Task<IResult> SetTrading(HttpContext http, ControllerRuntime rt, ControllerStore store, CycleTrigger trigger, ServiceClock clock)
    {
        var (token, denied) = ApiAuth.Require(http, rt, ApiRole.Trader);
        if (denied is not null) return denied;
        return await Guarded(async () =>
        {
            var body = await ApiBody.ReadAsync<TradingRequest>(http);
            var old = rt.Snapshot().Trading;
            var next = (old with
            {
                CurtailAboveUsdPerMwh = body.CurtailAboveUsdPerMwh ?? old.CurtailAboveUsdPerMwh,
                ResumeBelowUsdPerMwh = body.ClearResume == true ? null : body.ResumeBelowUsdPerMwh ?? old.ResumeBelowUsdPerMwh,
                ConfirmIntervals = body.ConfirmIntervals ?? old.ConfirmIntervals,
                HardCapUsdPerMwh = body.ClearHardCap == true ? null : body.HardCapUsdPerMwh ?? old.HardCapUsdPerMwh,
            }).Validated();
            store.SaveSettingAudited("trading", next, Audit(token!, clock, "set_trading", Json(old), Json(next)));
            rt.SetTrading(next);
            await trigger.RunNowAsync($"trading:{token!.Name}", http.RequestAborted);
            return Results.Json(next, JsonOut);
        });
    }

    private static async Task<IResult> SetOverride(HttpContext http, ControllerRuntime rt, ControllerStore store, CycleTrigger trigger, ServiceClock clock)
    {
        var (token, denied) = ApiAuth.Require(http, rt, ApiRole.Trader);
        if (denied is not null) return denied;
        return await Guarded(async () =>
        {
            var body = await ApiBody.ReadAsync<OverrideRequest>(http);
            var now = clock.Time.GetUtcNow();
            var mode = body.Mode switch
            {
                "force_run" => OverrideMode.ForceRun,
                "force_curtail" => OverrideMode.ForceCurtail,
                null => throw new InvalidInputException("mode", null, "is required: force_run or force_curtail"),
                _ => throw new InvalidInputException("mode", null, $"must be force_run or force_curtail, got '{ApiLimits.Shorten(body.Mode)}'"),
            };
            var reason = ApiLimits.Text(body.Reason, "reason", ApiLimits.MaxReasonLength);
            var minutes = ApiLimits.InRange(body.Minutes, "minutes", double.MinValue, ApiLimits.MaxOverrideMinutes);
            var until = body.Until ?? (minutes is { } m ? now.AddMinutes(m) : throw new InvalidInputException("until", null, "give until (a time) or minutes"));
            if (until <= now) throw new InvalidInputException("until", null, $"{until:u} is not in the future (now {now:u})");
            if (until > now.AddDays(7)) throw new InvalidInputException("until", null, "an override may last at most 7 days");
            var next = new TradingOverride(mode, until, token!.Name, reason);
            var old = rt.Snapshot().Override;
            store.SaveSettingAudited("override", next, Audit(token!, clock, "set_override", Json(old), Json(next)));
            rt.SetOverride(next);
            await trigger.RunNowAsync($"override:{token!.Name}", http.RequestAborted);
            return Results.Json(next, JsonOut);
        });
    }

    private static async Task<IResult> ClearOverride(HttpContext http, ControllerRuntime rt, ControllerStore store, CycleTrigger trigger, ServiceClock clock)
    {
        var (token, denied) = ApiAuth.Require(http, rt, ApiRole.Trader);
        if (denied is not null) return denied;
        var old = rt.Snapshot().Override;
        store.SaveSettingAudited<TradingOverride?>("override", null, Audit(token!, clock, "clear_override", Json(old), null));
        rt.SetOverride(null);
        await trigger.RunNowAsync($"override:{token!.Name}", http.RequestAborted);
        return Results.NoContent();
    }

    private static async Task<IResult> AddEvent(HttpContext http, ControllerRuntime rt, ControllerStore store, CycleTrigger trigger, ServiceClock clock)
    {
        var (token, denied) = ApiAuth.Require(http, rt, ApiRole.Operator);
        if (denied is not null) return denied;
        return await Guarded(async () =>
        {
            var body = await ApiBody.ReadAsync<EventRequest>(http);
            var now = clock.Time.GetUtcNow();
            var view = rt.Snapshot();
            var e = DispatchRequest.ToEvent(body, view, token!.Name, now);
            // The store too: an event released before a restart is no longer live, and saving would overwrite its record.
            if (view.Events.Any(x => x.Id == e.Id) || store.Event(e.Id) is not null)
                throw new InvalidInputException("id", null, $"event '{e.Id}' already exists");
            store.SaveEventAudited(e, Audit(token!, clock, "dispatch_received", null, Json(e)));
            rt.AddEvent(e);
            await trigger.RunNowAsync($"dispatch:{e.Id}", http.RequestAborted);
            return Results.Json(e, JsonOut, statusCode: 201);
        });
    }

    /// <summary>
    /// Releases by the id in the path, or (<c>POST /api/events/release</c> with <c>{"id": …}</c>) by one that cannot sit
    /// in a path: events stored by versions that accepted any id must still be releasable.
    /// </summary>
    private static async Task<IResult> ReleaseEvent(HttpContext http, string id, ControllerRuntime rt, ControllerStore store, CycleTrigger trigger, ServiceClock clock,
        LoadTraceRecorder trace)
    {
        var (token, denied) = ApiAuth.Require(http, rt, ApiRole.Operator);
        if (denied is not null) return denied;
        return await Release(http, id, token!, rt, store, trigger, clock, trace);
    }

    private static async Task<IResult> ReleaseEventById(HttpContext http, ControllerRuntime rt, ControllerStore store, CycleTrigger trigger, ServiceClock clock,
        LoadTraceRecorder trace)
    {
        var (token, denied) = ApiAuth.Require(http, rt, ApiRole.Operator);
        if (denied is not null) return denied;
        return await Guarded(async () =>
        {
            var body = await ApiBody.ReadAsync<ReleaseRequest>(http);
            return await Release(http, body.Id ?? throw new InvalidInputException("id", null, "is required"), token!, rt, store, trigger, clock, trace);
        });
    }

    private static async Task<IResult> Release(HttpContext http, string id, ApiToken token, ControllerRuntime rt, ControllerStore store, CycleTrigger trigger,
        ServiceClock clock, LoadTraceRecorder trace)
    {
        var now = clock.Time.GetUtcNow();
        // On a clustered site the event may have come through another instance's API, or changed there, since this one
        // last caught up with the store (its next cycle would): catch up now rather than answer that the event does not
        // exist or release a stale copy of it.
        if (rt.Config.Cluster is not null) Cluster.ClusterSync.Refresh(rt, store);
        if (rt.Snapshot().Events.FirstOrDefault(e => e.Id == id) is not { } open)
            return Results.Json(new { error = $"no event '{ApiLimits.Shorten(id)}'", field = "id" }, statusCode: 404);
        // A directive's release belongs in its hash chain: it has its own endpoint.
        if (open.Directive is not null)
            return Results.Json(new { error = $"'{ApiLimits.Shorten(id)}' is an SB 6 directive: release it with POST /api/directives/{{id}}/release", field = "id" }, statusCode: 400);
        var released = open with { ReleasedAt = now };
        store.SaveEventAudited(released, Audit(token, clock, "dispatch_released", id, Json(released)));
        rt.UpdateEvent(id, _ => released);
        // The trace's last, partial minute is on record when the release is answered, not a second later.
        trace.Flush();
        await trigger.RunNowAsync($"release:{id}", http.RequestAborted);
        return Results.Json(released, JsonOut);
    }

    private static async Task<IResult> ReloadConfig(HttpContext http, ControllerRuntime rt, ControllerStore store, CycleTrigger trigger, ServiceClock clock)
    {
        var (token, denied) = ApiAuth.Require(http, rt, ApiRole.Operator);
        if (denied is not null) return denied;
        return await Guarded(async () =>
        {
            var old = rt.Config;
            var next = ControllerConfigParser.Load(old.Source);
            if (next.Site.Fleet.Count != old.Site.Fleet.Count || next.Site.SettlementPoint != old.Site.SettlementPoint)
                throw new InvalidInputException(old.Source, null, "fleet groups and settlement point cannot change on reload; restart the controller");
            var trading = TradingSettings.From(next.Site.Policy);
            store.Audit(Audit(token!, clock, "reload_config", Json(TradingSettings.From(old.Site.Policy)), Json(trading)));
            rt.Reload(next);
            rt.SetTrading(trading);
            await trigger.RunNowAsync($"reload:{token!.Name}", http.RequestAborted);
            return Results.Json(new { reloaded = old.Source }, JsonOut);
        });
    }

    /// <summary>Every change is audited: who, when, old, new.</summary>
    private static AuditEntry Audit(ApiToken token, ServiceClock clock, string action, string? oldValue, string? newValue) =>
        new(clock.Time.GetUtcNow(), token.Name, ApiJson.Snake(token.Role.ToString()), action, oldValue, newValue);

    private static object Summary(CycleRecord c)
    {
        var inputs = Raw(c.InputsJson);
        var decision = Raw(c.DecisionJson);
        return new
        {
            c.Id, c.Time, c.Trigger, c.TargetKw, c.PriceTargetKw, c.LimitedBy, c.MeasuredLoadKw, c.ExpectedLoadKw,
            genset_available_kw = inputs?["genset"]?["available_power_kw"]?.GetValueKind() == JsonValueKind.Number ? inputs["genset"]!["available_power_kw"]!.GetValue<double>() : (double?)null,
            limits = decision?["limits"]?.DeepClone(),
            acted_on = decision?["acted_on"]?.DeepClone(),
        };
    }

    /// <summary>A stored record as the API shows it, whatever version wrote it.</summary>
    private static System.Text.Json.Nodes.JsonNode? Raw(string json) => ApiJson.Migrate(json);

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, JsonOut);

    private static async Task<IResult> Guarded(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (InvalidInputException ex)
        {
            return ApiError(ex);
        }
    }

    /// <summary>A refused request: 400 (413 for an oversized body) with the whole message, the field and the problem on their own.</summary>
    public static IResult ApiError(InvalidInputException ex)
    {
        var prefix = ex.Location is null ? "" : ex.Line is { } line ? $"{ex.Location}:{line}: " : $"{ex.Location}: ";
        var problem = ex.Message.StartsWith(prefix, StringComparison.Ordinal) ? ex.Message[prefix.Length..] : ex.Message;
        var status = ex is RequestBodyTooLargeException ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest;
        return Results.Json(new { error = ex.Message, field = ex.Location, problem }, statusCode: status);
    }
}
