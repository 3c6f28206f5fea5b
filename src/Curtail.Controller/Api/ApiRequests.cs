namespace Curtail.Controller.Api;

public sealed record TradingRequest(double? CurtailAboveUsdPerMwh, double? ResumeBelowUsdPerMwh, int? ConfirmIntervals, double? HardCapUsdPerMwh, bool? ClearResume, bool? ClearHardCap);

public sealed record OverrideRequest(string Mode, DateTimeOffset? Until, double? Minutes, string? Reason);

public sealed record EventRequest(string Program, double? TargetMw, double? ReductionMw, double? DeadlineMinutes, DateTimeOffset? ReleaseAt, string? Id);
