namespace Curtail.Controller.OpenAdr;

/// <summary>What a SIMPLE level (1..3) asks of the site: a ceiling, a reduction from the baseline, or a share of it shed.</summary>
public sealed record SimpleLevelAction(double? TargetMw, double? ReductionMw, double? CurtailPercent)
{
    public override string ToString() =>
        TargetMw is { } t ? $"load at most {t:0.###} MW" : ReductionMw is { } r ? $"{r:0.###} MW below the baseline" : $"{CurtailPercent:0.#} % of the baseline shed";
}

/// <summary>
/// One OpenADR program the VEN follows (`controller.openadr.programs[]`): its name on the VTN, how its SIMPLE levels
/// map to load, the units of an IMPORT_CAPACITY_LIMIT when the VTN's descriptors give none, the deadline to meet a
/// limit, and whether its events are Texas SB 6 directives (docs/openadr.md).
/// </summary>
public sealed record OpenAdrProgramConfig(string Name)
{
    public IReadOnlyDictionary<int, SimpleLevelAction> SimpleLevels { get; init; } = new Dictionary<int, SimpleLevelAction>();

    /// <summary>KW, MW or W; null = the event's or program's payload descriptor must say.</summary>
    public string? LimitUnits { get; init; }

    public TimeSpan Deadline { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The program's events are SB 6 emergency directives, received through the directive desk (hash-chained).</summary>
    public bool Sb6 { get; init; }

    /// <summary>The program's events are ERCOT test deployments (recorded with test: true).</summary>
    public bool Test { get; init; }
}

/// <summary>`controller.openadr:` — the VTN to poll, the VEN's OAuth client credentials and the programs followed.</summary>
public sealed record OpenAdrConfig(string VtnUrl, string ClientId, string ClientSecret, string VenName)
{
    /// <summary>The OAuth token endpoint; null = {vtn_url}/auth/token (the spec's convenience endpoint).</summary>
    public string? TokenUrl { get; init; }

    public IReadOnlyList<OpenAdrProgramConfig> Programs { get; init; } = [];
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(30);

    public string EffectiveTokenUrl => TokenUrl ?? VtnUrl.TrimEnd('/') + "/auth/token";

    public override string ToString() => $"OpenADR VTN {VtnUrl} as {VenName} (client {ClientId}, secret hidden)";
}
