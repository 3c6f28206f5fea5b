using System.Text.Json;
using Curtail.Controller.Dashboard;
using Curtail.Controller.Hosting;
using Curtail.Controller.Storage;
using Curtail.Core.Time;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Curtail.Controller.Api;

/// <summary>
/// The read endpoints behind the dashboard's fleet, money and day views: a pageable, sortable, filterable miner list
/// (a site has thousands), fleet totals by state and model, the day's load downsampled with its curtailments and
/// demand-response events, and today's and the month's money.
/// </summary>
public static class DashboardApi
{
    public const int MaxPageSize = 500;

    public static void Map(IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        api.MapGet("/miners", Miners).WithSummary("Miners, a page at a time: page, size (≤ 500), sort (a field), dir (asc|desc), filter (text in id, model, firmware, error), state, model");
        api.MapGet("/fleet", Fleet).WithSummary("Fleet hashrate, power and efficiency, miners by state and by model");
        api.MapGet("/history", History).WithSummary("The site's load, target and genset over the last hours (downsampled to at most `points`), curtailment spans and DR events");
        api.MapGet("/money", Money).WithSummary("Today's and this month's hash revenue, energy cost and savings against always-on, from the backtest's money model");
    }

    private static readonly Dictionary<string, Func<MinerSnapshot, IComparable?>> SortKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        ["id"] = m => m.Id, ["group"] = m => m.Group, ["family"] = m => m.Family, ["model"] = m => m.Model, ["firmware"] = m => m.Firmware,
        ["mode"] = m => m.Mode, ["power_w"] = m => m.PowerW, ["hashrate_th"] = m => m.HashrateTh, ["max_temperature_c"] = m => m.MaxTemperatureC,
        // The slowest fan first: a stopped or failing fan is what an operator sorts for.
        ["fan_rpm"] = m => m.FanRpm is { Count: > 0 } f ? f.Min() : null,
        ["error"] = m => m.Error, ["last_seen"] = m => m.LastSeen,
    };

    private static IResult Miners(ControllerRuntime rt, int? page, int? size, string? sort, string? dir, string? filter, string? state, string? model)
    {
        try
        {
            var pageSize = ApiLimits.InRange(size, "size", 1, MaxPageSize) is { } s ? (int)s : 50;
            var pageNumber = ApiLimits.InRange(page, "page", 1, int.MaxValue) is { } p ? (int)p : 1;
            var key = sort ?? "id";
            if (!SortKeys.TryGetValue(key, out var by))
                throw new Core.InvalidInputException("sort", null, $"unknown field '{ApiLimits.Shorten(key)}'; one of {string.Join(", ", SortKeys.Keys)}");
            var descending = dir switch
            {
                null or "asc" => false,
                "desc" => true,
                _ => throw new Core.InvalidInputException("dir", null, $"must be asc or desc, got '{ApiLimits.Shorten(dir)}'"),
            };
            IEnumerable<MinerSnapshot> rows = rt.Snapshot().Miners;
            if (!string.IsNullOrWhiteSpace(state)) rows = rows.Where(m => string.Equals(m.Mode, state, StringComparison.OrdinalIgnoreCase));
            if (!string.IsNullOrWhiteSpace(model)) rows = rows.Where(m => string.Equals(m.Model, model, StringComparison.OrdinalIgnoreCase));
            if (!string.IsNullOrWhiteSpace(filter))
                rows = rows.Where(m => Contains(m.Id, filter) || Contains(m.Model, filter) || Contains(m.Firmware, filter) || Contains(m.Group, filter)
                    || Contains(m.Family, filter) || Contains(m.Error, filter));
            var list = rows.ToList();
            // Nulls (no temperature, never seen) sort last either way; ties by id so pages are stable between polls.
            var ordered = descending
                ? list.OrderBy(m => by(m) is null).ThenByDescending(by).ThenBy(m => m.Id, StringComparer.Ordinal)
                : list.OrderBy(m => by(m) is null).ThenBy(by).ThenBy(m => m.Id, StringComparer.Ordinal);
            var pages = Math.Max(1, (list.Count + pageSize - 1) / pageSize);
            return Results.Json(new
            {
                total = list.Count, page = pageNumber, size = pageSize, pages, sort = key.ToLowerInvariant(), dir = descending ? "desc" : "asc",
                miners = ordered.Skip((pageNumber - 1) * pageSize).Take(pageSize),
            }, ControllerApi.JsonOut);
        }
        catch (Core.InvalidInputException ex)
        {
            return ControllerApi.ApiError(ex);
        }
    }

    private static bool Contains(string? text, string part) => text is not null && text.Contains(part, StringComparison.OrdinalIgnoreCase);

    private static IResult Fleet(ControllerRuntime rt)
    {
        var v = rt.Snapshot();
        var miners = v.Miners;
        var hashrate = miners.Sum(m => m.HashrateTh);
        var power = miners.Sum(m => m.PowerW);
        return Results.Json(new
        {
            miners = miners.Count,
            hashrate_th = hashrate,
            nameplate_hashrate_th = v.Config.Site.Fleet.Sum(g => g.FullHashrateTh),
            power_kw = power / 1000,
            nameplate_kw = v.Config.Site.FullPowerMw * 1000,
            // J/TH over the hashing miners only: sleeping ones draw a little and hash nothing.
            efficiency_j_per_th = miners.Where(m => m.HashrateTh > 0).Sum(m => m.HashrateTh) is var h && h > 0
                ? miners.Where(m => m.HashrateTh > 0).Sum(m => m.PowerW) / h : (double?)null,
            failing = miners.Count(m => m.Error is not null),
            // Keys in snake_case like every key of the API (the state filter matches them case-insensitively).
            by_state = miners.GroupBy(m => JsonNamingPolicy.SnakeCaseLower.ConvertName(m.Mode)).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()),
            by_model = miners.GroupBy(m => m.Model).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => new
            {
                model = g.Key, miners = g.Count(), hashing = g.Count(m => m.HashrateTh > 0), hashrate_th = g.Sum(m => m.HashrateTh), power_kw = g.Sum(m => m.PowerW) / 1000,
            }),
        }, ControllerApi.JsonOut);
    }

    private static IResult History(ControllerRuntime rt, ControllerStore store, ServiceClock clock, double? hours, int? points)
    {
        var now = clock.Time.GetUtcNow();
        var span = TimeSpan.FromHours(Math.Clamp(hours ?? 24, 1, 72));
        var from = now - span;
        var cycles = store.CyclePoints(from, now.AddTicks(1));
        var fullKw = rt.Snapshot().Config.Site.FullPowerMw * 1000;
        var view = rt.Snapshot();
        var events = store.Events().Where(e => e.ReceivedAt < now && (e.ReleasedAt ?? e.ReleaseAt ?? now) >= from)
            .Select(e => new { e.Id, program = e.Program.ToString(), start = e.ReceivedAt, end = e.ReleasedAt ?? e.ReleaseAt, e.Deadline, e.TargetMetAt, e.Test });
        return Results.Json(new
        {
            from, to = now, full_kw = fullKw,
            load = LoadHistory.Downsample(cycles, from, now, Math.Clamp(points ?? 360, 10, 2000)),
            curtailments = LoadHistory.Curtailments(cycles, fullKw, now),
            events,
            active_override = view.Override is { } o && o.ActiveAt(now) ? o : null,
        }, ControllerApi.JsonOut);
    }

    private static IResult Money(ControllerRuntime rt, LiveMoney money, ServiceClock clock)
    {
        var now = clock.Time.GetUtcNow();
        var site = rt.Snapshot().Config.Site;
        var today = CentralPrevailingTime.LocalDate(now);
        return Results.Json(new
        {
            time = now, date = today, month = $"{today:yyyy-MM}",
            today = Totals(site, money.Day(site, today, now)),
            this_month = Totals(site, money.Month(site, today, now)),
            // The backtest's DR model (capacity × credit rate × hours enrolled, from the site file's demand_response:).
            dr_programs = site.DemandResponse.Select(p => new { program = p.Program, capacity_mw = p.CapacityMw, credit_usd_per_mw_hour = p.CreditUsdPerMwHour }),
            dr_credits_note = site.DemandResponse.Count == 0
                ? "the site file enrolls the site in no demand-response program (demand_response:)"
                : "capacity credits: capacity × credit rate × hours enrolled, as the backtest books them; not settlement statements",
        }, ControllerApi.JsonOut);
    }

    private static object Totals(Core.Sites.SiteDefinition site, MoneyTotals t) => new
    {
        hash_revenue_usd = t.HashRevenueUsd, energy_cost_usd = t.EnergyCostUsd, margin_usd = t.MarginUsd,
        always_on_margin_usd = t.AlwaysOnMarginUsd, curtailment_savings_usd = t.SavingsUsd, energy_mwh = t.EnergyMwh, hours = t.Hours,
        // Over the hours the money covers; null (not 0) for a site enrolled in nothing.
        dr_credits_usd = site.DemandResponse.Count == 0 ? (double?)null : Core.Economics.DemandResponseCredits.Usd(site, t.Hours),
    };
}
