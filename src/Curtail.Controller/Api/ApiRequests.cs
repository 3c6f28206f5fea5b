namespace Curtail.Controller.Api;

public sealed record TradingRequest(double? CurtailAboveUsdPerMwh, double? ResumeBelowUsdPerMwh, int? ConfirmIntervals, double? HardCapUsdPerMwh, bool? ClearResume, bool? ClearHardCap);

public sealed record OverrideRequest(string? Mode, DateTimeOffset? Until, double? Minutes, string? Reason);

/// <summary>A dispatch as the QSE integration or an operator sends it; <see cref="Test"/> marks one of ERCOT's unannounced test deployments.</summary>
public sealed record EventRequest(string? Program, double? TargetMw, double? ReductionMw, double? DeadlineMinutes, DateTimeOffset? ReleaseAt, string? Id, bool? Test);

/// <summary>Names the event to release in the body, for ids an older version accepted that cannot sit in a URL path.</summary>
public sealed record ReleaseRequest(string? Id);
