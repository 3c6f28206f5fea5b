using Curtail.Controller.DemandResponse;
using Curtail.Controller.Hosting;
using Curtail.Core;

namespace Curtail.Controller.Api;

/// <summary>Turns a dispatch request into an event, refusing any value outside its documented range (docs/controller.md).</summary>
public static class DispatchRequest
{
    public static DispatchEvent ToEvent(EventRequest body, ControllerRuntime.View view, string issuedBy, DateTimeOffset now)
    {
        if (body.Program is null) throw new InvalidInputException("program", null, "is required: ers-10, ers-30, ecrs, rrs or manual");
        var program = body.Program.ToLowerInvariant() switch
        {
            "ers-10" or "ers10" => DemandResponseProgram.Ers10,
            "ers-30" or "ers30" => DemandResponseProgram.Ers30,
            "ecrs" => DemandResponseProgram.Ecrs,
            "rrs" => DemandResponseProgram.Rrs,
            "manual" => DemandResponseProgram.Manual,
            _ => throw new InvalidInputException("program", null, $"must be ers-10, ers-30, ecrs, rrs or manual, got '{ApiLimits.Shorten(body.Program)}'"),
        };
        var target = ApiLimits.InRange(body.TargetMw, "target_mw", 0, ApiLimits.MaxEventMw);
        var reduction = ApiLimits.InRange(body.ReductionMw, "reduction_mw", 0, ApiLimits.MaxEventMw);
        if ((target is null) == (reduction is null)) throw new InvalidInputException("target_mw", null, "give exactly one of target_mw or reduction_mw");
        // ERCOT's deadlines: ERS-10 ten minutes, ERS-30 thirty, ECRS ten, RRS (load resource) immediate; docs/demand-response.md.
        var deadlineMinutes = ApiLimits.InRange(body.DeadlineMinutes, "deadline_minutes", 0, ApiLimits.MaxDeadlineMinutes) ?? program switch
        {
            DemandResponseProgram.Ers10 or DemandResponseProgram.Ecrs => 10,
            DemandResponseProgram.Ers30 => 30,
            _ => 0,
        };
        if (body.ReleaseAt is { } releaseAt && (releaseAt <= now || releaseAt > now.AddDays(7)))
            throw new InvalidInputException("release_at", null, $"must be within the next 7 days (now {now:u}), got {releaseAt:u}");
        var id = body.Id is null ? $"{program.ToString().ToLowerInvariant()}-{now:yyyyMMddHHmmss}" : ApiLimits.Id(body.Id, "id");
        var baseline = view.Miners.Count > 0 ? view.Miners.Sum(m => m.PowerW ?? 0) / 1e6 : (view.Genset?.ActivePowerKw ?? 0) / 1000;
        return new DispatchEvent
        {
            Id = id,
            Program = program, ReceivedAt = now, AcknowledgedAt = now, Deadline = now.AddMinutes(deadlineMinutes),
            ReleaseAt = body.ReleaseAt, TargetMw = target, ReductionMw = reduction, BaselineMw = baseline, IssuedBy = issuedBy,
            Test = body.Test ?? false,
        };
    }
}
