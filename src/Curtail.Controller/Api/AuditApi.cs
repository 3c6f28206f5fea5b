using System.Globalization;
using Curtail.Controller.Storage;
using Curtail.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Curtail.Controller.Api;

/// <summary>
/// <c>GET /api/audit</c>: every change made through the API and every command sent to a miner, newest first, with
/// filters <c>?kind=changes|commands&amp;miner=&amp;command=&amp;outcome=&amp;action=&amp;since=&amp;until=&amp;limit=</c>.
/// </summary>
public static class AuditApi
{
    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/audit", Audit).WithSummary("Audit log: every API change (who, old, new) and every miner command (decided by, miner, command, outcome, latency); " +
                                                "filters kind (changes or commands), miner, command, outcome, action, since, until (ISO 8601), limit");

    private static IResult Audit(ControllerStore store, string? kind, string? miner, string? command, string? outcome, string? action, string? since, string? until, int? limit)
    {
        try
        {
            var filter = new AuditFilter(Clean(miner, "miner"), Clean(command, "command"), Clean(outcome, "outcome"), Clean(action, "action"),
                Time(since, "since"), Time(until, "until"), Math.Clamp(limit ?? 100, 1, 10_000), Kind(kind));
            if (filter.Since >= filter.Until) throw new InvalidInputException("until", null, $"must be after since ({since})");
            return Results.Json(store.Audit(filter).Select(a => new
            {
                time = a.Time, decided_by = a.DecidedBy, actor = a.DecidedBy, role = a.Role is null ? null : ApiJson.Snake(a.Role), action = a.Action, miner = a.Miner, command = a.Command,
                outcome = a.Outcome, latency_ms = a.LatencyMs, detail = a.Detail, old_value = a.OldValue, new_value = a.NewValue,
            }), ApiJson.Options);
        }
        catch (InvalidInputException ex)
        {
            return ControllerApi.ApiError(ex);
        }
    }

    // The dashboard's audit table lists changes only: a shed of thousands of miners would push them out of sight.
    private static bool? Kind(string? kind) => kind switch
    {
        null => null,
        "changes" => false,
        "commands" => true,
        _ => throw new InvalidInputException("kind", null, $"'{kind}' is not changes or commands"),
    };

    private static string? Clean(string? value, string field) => value is null ? null : ApiLimits.Text(value, field, 200);

    private static DateTimeOffset? Time(string? text, string field)
    {
        if (text is null) return null;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t
            : throw new InvalidInputException(field, null, $"'{ApiLimits.Shorten(text)}' is not a time (ISO 8601, e.g. 2024-05-08T21:30:00Z)");
    }
}
