namespace Curtail.Controller.Storage;

/// <summary>
/// Everything about one decision cycle, kept so the decision can be explained afterwards: the snapshot it decided from,
/// the decision with its limits and reasons, what was sent to each miner and what came back.
/// </summary>
public sealed record CycleRecord(
    string Id,
    DateTimeOffset Time,
    string Trigger,
    double TargetKw,
    double PriceTargetKw,
    string LimitedBy,
    double MeasuredLoadKw,
    double? ExpectedLoadKw,
    string InputsJson,
    string DecisionJson,
    string MinerResultsJson);
