using System.Text.Json;
using System.Text.Json.Serialization;

namespace Curtail.Controller.OpenAdr;

// The OpenADR 3.0.1 objects a VEN reads and writes (openadr3.yaml, components/schemas: program, event, interval,
// intervalPeriod, valuesMap, eventPayloadDescriptor, report, reportPayloadDescriptor, ven, clientCredentialResponse,
// problem). Only the fields Curtail uses are typed; the VTN may send more, which are ignored.

/// <summary>Temporal aspects of an event, an interval or a report interval: a start and an ISO 8601 duration.</summary>
public sealed record OadrIntervalPeriod
{
    public DateTimeOffset Start { get; init; }

    /// <summary>ISO 8601 duration; PT0S (the default) is "instantaneous or until further notice" depending on the payload.</summary>
    public string? Duration { get; init; }

    public string? RandomizeStart { get; init; }
}

/// <summary>A type and its values, e.g. {type: PRICE, values: [0.17]}.</summary>
public sealed record OadrValuesMap
{
    public string Type { get; init; } = "";
    public IReadOnlyList<JsonElement> Values { get; init; } = [];
}

public sealed record OadrInterval
{
    public int Id { get; init; }
    public OadrIntervalPeriod? IntervalPeriod { get; init; }
    public IReadOnlyList<OadrValuesMap> Payloads { get; init; } = [];
}

/// <summary>Context for an event payload type: its units (e.g. KW) and currency.</summary>
public sealed record OadrPayloadDescriptor
{
    public string? ObjectType { get; init; }
    public string PayloadType { get; init; } = "";
    public string? Units { get; init; }
    public string? Currency { get; init; }
    public string? ReadingType { get; init; }
}

public sealed record OadrProgram
{
    public string? Id { get; init; }
    public string ProgramName { get; init; } = "";
    public string? ProgramLongName { get; init; }
    public DateTimeOffset? ModificationDateTime { get; init; }
    public IReadOnlyList<OadrPayloadDescriptor>? PayloadDescriptors { get; init; }
}

public sealed record OadrEvent
{
    public string? Id { get; init; }

    [JsonPropertyName("programID")]
    public string ProgramId { get; init; } = "";

    public string? EventName { get; init; }
    public int? Priority { get; init; }
    public DateTimeOffset? CreatedDateTime { get; init; }
    public DateTimeOffset? ModificationDateTime { get; init; }
    public IReadOnlyList<OadrPayloadDescriptor>? PayloadDescriptors { get; init; }
    public OadrIntervalPeriod? IntervalPeriod { get; init; }
    public IReadOnlyList<OadrInterval> Intervals { get; init; } = [];

    /// <summary>The reports the VTN asks the VEN to send for this event.</summary>
    public IReadOnlyList<OadrReportDescriptor>? ReportDescriptors { get; init; }
}

/// <summary>
/// A report the VTN requests (3.0.1 reportDescriptor): the payload type and its units. aggregate, startInterval,
/// numIntervals, historical, frequency and repeat are read but not acted on (docs/openadr.md, "Reports").
/// </summary>
public sealed record OadrReportDescriptor
{
    public string PayloadType { get; init; } = "";
    public string? ReadingType { get; init; }
    public string? Units { get; init; }
    public bool? Aggregate { get; init; }
    public int? StartInterval { get; init; }
    public int? NumIntervals { get; init; }
    public bool? Historical { get; init; }
    public int? Frequency { get; init; }
    public int? Repeat { get; init; }
}

/// <summary>Report data of one resource (AGGREGATED_REPORT for the whole site).</summary>
public sealed record OadrReportResource
{
    public string ResourceName { get; init; } = "";
    public OadrIntervalPeriod? IntervalPeriod { get; init; }
    public IReadOnlyList<OadrInterval> Intervals { get; init; } = [];
}

public sealed record OadrReport
{
    public string? Id { get; init; }

    [JsonPropertyName("programID")]
    public string ProgramId { get; init; } = "";

    [JsonPropertyName("eventID")]
    public string EventId { get; init; } = "";

    public string ClientName { get; init; } = "";
    public string? ReportName { get; init; }
    public IReadOnlyList<OadrPayloadDescriptor>? PayloadDescriptors { get; init; }
    public IReadOnlyList<OadrReportResource> Resources { get; init; } = [];
}

public sealed record OadrVen
{
    public string? Id { get; init; }
    public string VenName { get; init; } = "";
}

/// <summary>RFC 6749 token response (snake_case per the spec's clientCredentialResponse).</summary>
public sealed record OadrTokenResponse
{
    [JsonPropertyName("access_token")]
    public string? AccessToken { get; init; }

    [JsonPropertyName("token_type")]
    public string? TokenType { get; init; }

    [JsonPropertyName("expires_in")]
    public int? ExpiresIn { get; init; }
}

/// <summary>The problem object (RFC 7807) a VTN answers errors with.</summary>
public sealed record OadrProblem
{
    public string? Title { get; init; }
    public int? Status { get; init; }
    public string? Detail { get; init; }
}

public static class OadrJson
{
    /// <summary>camelCase as the spec spells its properties; nulls left out of what Curtail sends.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>ISO 8601 duration (e.g. PT15M, P1D, PT0S; weeks as P2W) as a TimeSpan; null when it is not one.</summary>
    public static TimeSpan? Duration(string? text)
    {
        if (string.IsNullOrEmpty(text)) return TimeSpan.Zero;
        if (text.Length > 2 && text[0] == 'P' && text[^1] == 'W' && int.TryParse(text[1..^1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var weeks))
            return TimeSpan.FromDays(7 * weeks);
        // Years and months have no fixed length: an event interval given in them is refused rather than guessed.
        var datePart = text.Split('T')[0];
        if (datePart.Contains('Y') || datePart.Contains('M')) return null;
        try
        {
            return System.Xml.XmlConvert.ToTimeSpan(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public static string Iso(TimeSpan t) => System.Xml.XmlConvert.ToString(t);
}
