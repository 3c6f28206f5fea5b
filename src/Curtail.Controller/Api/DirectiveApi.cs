using Curtail.Controller.Config;
using Curtail.Controller.DemandResponse;
using Curtail.Controller.Hosting;
using Curtail.Controller.Storage;
using Curtail.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Curtail.Controller.Api;

/// <summary>An SB 6 directive as an operator (or the QSE integration) enters it: kind, level, deadline, optional release and note.</summary>
public sealed record DirectiveRequest(string? Kind, double? LevelMw, double? DeadlineMinutes, DateTimeOffset? ReleaseAt, string? Id, string? Note);

/// <summary>An operator's note on a directive, or the note that goes with its release.</summary>
public sealed record DirectiveNoteRequest(string? Text);

/// <summary>The SB 6 directive endpoints (docs/directives.md): receive, note, release (operator); the chain and its check (read).</summary>
public static class DirectiveApi
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/directives", Receive).WithSummary("Receive an SB 6 emergency directive: curtail_to_level or run_on_backup, with a deadline (operator)");
        api.MapPost("/directives/{id}/notes", Note).WithSummary("Add an operator's note to a directive's record (operator)");
        api.MapPost("/directives/{id}/release", Release).WithSummary("Release a directive on ERCOT's instruction (operator)");
        api.MapGet("/directives/{id}/chain", (ControllerStore store, string id) => store.Event(id) is { Directive: not null } e
                ? Results.Json(new { @event = e, entries = store.DirectiveChain(id) }, ControllerApi.JsonOut)
                : Results.Json(new { error = $"no directive '{ApiLimits.Shorten(id)}'", field = "id" }, statusCode: 404))
            .WithSummary("A directive and its hash-chain entries");
        api.MapGet("/directives/verify", (ControllerStore store) => Results.Json(store.VerifyDirectiveChain(), ControllerApi.JsonOut))
            .WithSummary("Walk the directives' hash chain and name the first broken link");
    }

    private static async Task<IResult> Receive(HttpContext http, ControllerRuntime rt, DirectiveDesk desk, ServiceClock clock)
    {
        var (token, denied) = ApiAuth.Require(http, rt, ApiRole.Operator);
        if (denied is not null) return denied;
        return await Guarded(async () =>
        {
            var body = await ApiBody.ReadAsync<DirectiveRequest>(http);
            var kind = body.Kind?.ToLowerInvariant() switch
            {
                "curtail_to_level" or "curtail-to-level" => DirectiveKind.CurtailToLevel,
                "run_on_backup" or "run-on-backup" => DirectiveKind.RunOnBackup,
                null => throw new InvalidInputException("kind", null, "is required: curtail_to_level or run_on_backup"),
                _ => throw new InvalidInputException("kind", null, $"must be curtail_to_level or run_on_backup, got '{ApiLimits.Shorten(body.Kind)}'"),
            };
            var deadline = ApiLimits.InRange(body.DeadlineMinutes, "deadline_minutes", 0, ApiLimits.MaxDeadlineMinutes)
                ?? throw new InvalidInputException("deadline_minutes", null, "is required: the minutes the directive gives the site to comply");
            var now = clock.Time.GetUtcNow();
            if (body.ReleaseAt is { } releaseAt && (releaseAt <= now || releaseAt > now.AddDays(7)))
                throw new InvalidInputException("release_at", null, $"must be within the next 7 days (now {now:u}), got {releaseAt:u}");
            var order = new DirectiveOrder(body.Id is null ? null : ApiLimits.Id(body.Id, "id"), kind,
                ApiLimits.InRange(body.LevelMw, "level_mw", 0, ApiLimits.MaxEventMw), TimeSpan.FromMinutes(deadline), body.ReleaseAt,
                ApiLimits.Text(body.Note, "note", DirectiveDesk.MaxNoteLength));
            var e = await desk.ReceiveAsync(order, token!.Name, ApiJson.Snake(token.Role.ToString()), "api", http.RequestAborted);
            return Results.Json(e, ControllerApi.JsonOut, statusCode: 201);
        });
    }

    private static async Task<IResult> Note(HttpContext http, string id, ControllerRuntime rt, DirectiveDesk desk)
    {
        var (token, denied) = ApiAuth.Require(http, rt, ApiRole.Operator);
        if (denied is not null) return denied;
        return await Guarded(async () =>
        {
            var body = await ApiBody.ReadAsync<DirectiveNoteRequest>(http);
            var text = ApiLimits.Text(body.Text, "text", DirectiveDesk.MaxNoteLength) ?? throw new InvalidInputException("text", null, "is required");
            return Results.Json(desk.AddNote(id, text, token!.Name, ApiJson.Snake(token.Role.ToString())), ControllerApi.JsonOut);
        });
    }

    private static async Task<IResult> Release(HttpContext http, string id, ControllerRuntime rt, DirectiveDesk desk)
    {
        var (token, denied) = ApiAuth.Require(http, rt, ApiRole.Operator);
        if (denied is not null) return denied;
        return await Guarded(async () =>
        {
            // The note is optional, and so is the body.
            var note = http.Request.ContentLength is > 0 || http.Request.Headers.ContentType.Count > 0
                ? ApiLimits.Text((await ApiBody.ReadAsync<DirectiveNoteRequest>(http)).Text, "text", DirectiveDesk.MaxNoteLength)
                : null;
            return Results.Json(await desk.ReleaseAsync(id, token!.Name, ApiJson.Snake(token.Role.ToString()), note, http.RequestAborted), ControllerApi.JsonOut);
        });
    }

    private static async Task<IResult> Guarded(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (InvalidInputException ex)
        {
            return ControllerApi.ApiError(ex);
        }
        catch (DirectiveNotFoundException ex)
        {
            return Results.Json(new { error = ex.Message, field = "id" }, statusCode: 404);
        }
    }
}
