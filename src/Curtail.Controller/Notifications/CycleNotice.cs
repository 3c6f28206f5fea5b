using Curtail.Controller.DemandResponse;

namespace Curtail.Controller.Notifications;

/// <summary>What a finished decision cycle tells the notifier: the target against nameplate, why, the miners that did not answer, the events as recorded.</summary>
public sealed record CycleNotice(string Trigger, DateTimeOffset Time, double TargetKw, double FullKw, string LimitedBy, string Why,
    int MinersUnreadable, int Miners, IReadOnlyList<DispatchEvent> Events);
