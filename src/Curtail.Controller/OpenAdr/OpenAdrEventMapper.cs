using System.Globalization;
using System.Text.Json;

namespace Curtail.Controller.OpenAdr;

/// <summary>An OpenADR event Curtail will not act on: which event, which payload type, and why. Never guessed around.</summary>
public sealed class OpenAdrRefusedException(string eventId, string payloadType, string reason)
    : Exception($"OpenADR event '{eventId}' refused: payload type {payloadType}: {reason}")
{
    public string EventId { get; } = eventId;
    public string PayloadType { get; } = payloadType;
}

public enum SignalKind
{
    /// <summary>IMPORT_CAPACITY_LIMIT: the site's load at most <see cref="MappedSignal.LimitMw"/>.</summary>
    Limit,

    /// <summary>SIMPLE level 1..3, acted on as the program's configured <see cref="SimpleLevelAction"/>.</summary>
    Simple,

    /// <summary>PRICE: the price the policy acts on during the interval, in $/MWh.</summary>
    Price,
}

/// <summary>One payload of one interval of an OpenADR event, as Curtail acts on it, over [Start, End) (End null = until the event goes).</summary>
public sealed record MappedSignal(string EventId, int IntervalId, DateTimeOffset Start, DateTimeOffset? End, SignalKind Kind)
{
    public double? LimitMw { get; init; }
    public int? Level { get; init; }
    public SimpleLevelAction? Action { get; init; }
    public double? PriceUsdPerMwh { get; init; }

    /// <summary>The id of the dispatch event (or directive) this signal becomes: oadr-EVENT-INTERVAL-KIND.</summary>
    public string DispatchId => OpenAdrIds.Dispatch(EventId, IntervalId, Kind);

    public bool ActiveAt(DateTimeOffset now) => Start <= now && (End is null || now < End);
}

public static class OpenAdrIds
{
    public static string Dispatch(string eventId, int intervalId, SignalKind kind) =>
        $"oadr-{eventId}-{intervalId.ToString(CultureInfo.InvariantCulture)}-{kind.ToString().ToLowerInvariant()}";

    /// <summary>The OpenADR event id of a dispatch id made by <see cref="Dispatch"/> (event ids may hold '-').</summary>
    public static string? EventOf(string dispatchId)
    {
        if (!dispatchId.StartsWith("oadr-", StringComparison.Ordinal)) return null;
        var parts = dispatchId[5..].Split('-');
        return parts.Length >= 3 ? string.Join('-', parts[..^2]) : null;
    }
}

/// <summary>
/// Maps an OpenADR 3 event's intervals and payloads to what the controller acts on (docs/openadr.md):
/// IMPORT_CAPACITY_LIMIT to a load ceiling, SIMPLE levels through the program's configured mapping, PRICE to the price
/// of the interval. Anything else — another payload type, a value of the wrong kind, a limit or price without units, a
/// SIMPLE level the program does not map — refuses the whole event with its id and the payload type named: half an
/// event acted on could be worse than none, and a guess is never safe.
/// </summary>
public static class OpenAdrEventMapper
{
    public const string ImportCapacityLimit = "IMPORT_CAPACITY_LIMIT";
    public const string Simple = "SIMPLE";
    public const string Price = "PRICE";

    public static IReadOnlyList<MappedSignal> Map(OadrEvent e, OadrProgram program, OpenAdrProgramConfig config)
    {
        var id = e.Id ?? "(no id)";
        var signals = new List<MappedSignal>();
        DateTimeOffset? previousEnd = null;
        foreach (var interval in e.Intervals)
        {
            var (start, end) = Period(e, interval, previousEnd, id);
            previousEnd = end;
            foreach (var payload in interval.Payloads)
            {
                var signal = new MappedSignal(id, interval.Id, start, end, SignalKind.Limit);
                signals.Add(payload.Type switch
                {
                    ImportCapacityLimit => signal with { LimitMw = Number(payload, id, min: 0) * LimitScale(e, program, config, id) },
                    Simple when config.Sb6 => throw new OpenAdrRefusedException(id, Simple, $"program '{config.Name}' is an SB 6 program: its directives carry {ImportCapacityLimit}"),
                    Simple => SimpleSignal(signal, payload, config, id),
                    Price when config.Sb6 => throw new OpenAdrRefusedException(id, Price, $"program '{config.Name}' is an SB 6 program: its directives carry {ImportCapacityLimit}"),
                    Price => signal with { Kind = SignalKind.Price, PriceUsdPerMwh = Number(payload, id, min: double.NegativeInfinity) * PriceScale(e, program, id) },
                    var other => throw new OpenAdrRefusedException(id, other, $"not a payload type Curtail acts on ({ImportCapacityLimit}, {Simple}, {Price})"),
                });
            }
        }
        return signals;
    }

    /// <summary>
    /// An interval's own period, else the event's: intervals without their own start follow one another from the
    /// event's start, each lasting the event's duration. A zero duration lasts until the event is changed or deleted.
    /// </summary>
    private static (DateTimeOffset Start, DateTimeOffset? End) Period(OadrEvent e, OadrInterval interval, DateTimeOffset? previousEnd, string id)
    {
        var own = interval.IntervalPeriod;
        var start = own?.Start ?? previousEnd ?? e.IntervalPeriod?.Start
            ?? throw new OpenAdrRefusedException(id, "intervalPeriod", $"interval {interval.Id} has no start (neither its own intervalPeriod nor the event's)");
        if (own is null && previousEnd is null && e.Intervals.Count > 0 && interval != e.Intervals[0])
            throw new OpenAdrRefusedException(id, "intervalPeriod", $"interval {interval.Id} follows an open-ended interval");
        var durationText = own?.Duration ?? e.IntervalPeriod?.Duration;
        var duration = OadrJson.Duration(durationText)
            ?? throw new OpenAdrRefusedException(id, "intervalPeriod", $"interval {interval.Id}: duration '{durationText}' is not an ISO 8601 duration of fixed length");
        if (duration < TimeSpan.Zero) throw new OpenAdrRefusedException(id, "intervalPeriod", $"interval {interval.Id}: negative duration '{durationText}'");
        return (start, duration == TimeSpan.Zero ? null : start + duration);
    }

    private static MappedSignal SimpleSignal(MappedSignal signal, OadrValuesMap payload, OpenAdrProgramConfig config, string id)
    {
        var value = Number(payload, id, min: 0);
        if (value is not (0 or 1 or 2 or 3)) throw new OpenAdrRefusedException(id, Simple, $"level {value.ToString(CultureInfo.InvariantCulture)} is not 0, 1, 2 or 3");
        var level = (int)value;
        if (level == 0) return signal with { Kind = SignalKind.Simple, Level = 0 };
        if (!config.SimpleLevels.TryGetValue(level, out var action))
            throw new OpenAdrRefusedException(id, Simple, $"level {level} has no mapping in controller.openadr.programs '{config.Name}' simple_levels");
        return signal with { Kind = SignalKind.Simple, Level = level, Action = action };
    }

    private static double Number(OadrValuesMap payload, string id, double min)
    {
        if (payload.Values.Count != 1 || payload.Values[0].ValueKind != JsonValueKind.Number)
            throw new OpenAdrRefusedException(id, payload.Type, $"expected one number in values, got {JsonSerializer.Serialize(payload.Values)}");
        var v = payload.Values[0].GetDouble();
        if (!double.IsFinite(v) || v < min) throw new OpenAdrRefusedException(id, payload.Type, $"value {v.ToString(CultureInfo.InvariantCulture)} is out of range");
        return v;
    }

    private static OadrPayloadDescriptor? Descriptor(OadrEvent e, OadrProgram program, string type) =>
        e.PayloadDescriptors?.FirstOrDefault(d => d.PayloadType == type) ?? program.PayloadDescriptors?.FirstOrDefault(d => d.PayloadType == type && d.ObjectType != "REPORT_PAYLOAD_DESCRIPTOR");

    /// <summary>MW per unit of the limit: from the event's or program's descriptor, else the program's configured units.</summary>
    private static double LimitScale(OadrEvent e, OadrProgram program, OpenAdrProgramConfig config, string id)
    {
        var units = Descriptor(e, program, ImportCapacityLimit)?.Units ?? config.LimitUnits
            ?? throw new OpenAdrRefusedException(id, ImportCapacityLimit, $"no units: neither the event's nor the program's payloadDescriptor gives them, and controller.openadr.programs '{config.Name}' has no limit_units");
        return units.ToUpperInvariant() switch
        {
            "KW" => 1e-3,
            "MW" => 1,
            "W" => 1e-6,
            _ => throw new OpenAdrRefusedException(id, ImportCapacityLimit, $"units '{units}' are not a power (KW, MW or W)"),
        };
    }

    /// <summary>$/MWh per unit of the price: the descriptor must say per KWH or MWH, in USD.</summary>
    private static double PriceScale(OadrEvent e, OadrProgram program, string id)
    {
        var d = Descriptor(e, program, Price)
            ?? throw new OpenAdrRefusedException(id, Price, "no payloadDescriptor gives the price's units and currency");
        if (d.Currency is { } c && !c.Equals("USD", StringComparison.OrdinalIgnoreCase))
            throw new OpenAdrRefusedException(id, Price, $"currency '{c}' is not USD");
        return d.Units?.ToUpperInvariant() switch
        {
            "KWH" => 1000,
            "MWH" => 1,
            var u => throw new OpenAdrRefusedException(id, Price, $"units '{u}' are not an energy (KWH or MWH)"),
        };
    }
}
