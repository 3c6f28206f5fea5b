using Curtail.Controller.DemandResponse;
using Curtail.Controller.Trading;
using Curtail.Core.Decisions;
using Curtail.Core.LoadFollowing;

namespace Curtail.Controller.Cycle;

/// <summary>
/// The snapshot a decision cycle decides from, taken all at once at the start of the cycle so that the decision and its
/// record agree: prices settled so far, hashprice, the price policy's group states, trader settings and overrides,
/// active demand-response events, the genset reading and the site's measured load.
/// </summary>
public sealed record CycleInputs
{
    public required DateTimeOffset Now { get; init; }
    public required double[] SettledPrices { get; init; }
    public DateTimeOffset? LastSettledIntervalStart { get; init; }

    /// <summary>Every SCED run the controller holds up to now (the last two hours), oldest first: what confirmation counts on the SCED clock.</summary>
    public IReadOnlyList<ScedRun> Sced { get; init; } = [];

    /// <summary>The SCED runs after the last settled interval ended (see <see cref="ScedSoFar.After"/>); the policy acts on the latest.</summary>
    public IReadOnlyList<ScedRun> ScedRuns => ScedSoFar.After(Sced, LastSettledIntervalStart + TimeSpan.FromMinutes(15), Now);
    public required double HashpriceUsdPerThDay { get; init; }
    public required GroupState[] Groups { get; init; }
    public required TradingSettings Trading { get; init; }
    public TradingOverride? Override { get; init; }
    public IReadOnlyList<DispatchEvent> ActiveEvents { get; init; } = [];
    public bool InFourCpWindow { get; init; }

    /// <summary>Why the hour is a 4CP window (a configured window, or the watch's forecast), for the decision's reasons.</summary>
    public string? FourCpReason { get; init; }
    public bool GensetConfigured { get; init; }

    /// <summary>Now on the device clock, against which the genset reading's age is judged (see ControllerHostOptions.DeviceTime).</summary>
    public DateTimeOffset? DeviceNow { get; init; }
    public GensetReading? Genset { get; init; }
    public string? GensetLinkProblem { get; init; }
    public required double SiteLoadKw { get; init; }
    public bool PricesStale { get; init; }

    /// <summary>
    /// Why the price policy must not wake miners this cycle (no fresh settled price, a failed cycle), or null. It may
    /// still curtail; every other limit (override, events, 4CP, genset) applies as usual.
    /// </summary>
    public string? HoldReason { get; init; }

    /// <summary>
    /// The most a held price target may be: what the miners were measured to draw, when the cycle reads them (without a
    /// fleet to measure, the held group states' nameplate share is the bound).
    /// </summary>
    public double? HoldAtKw { get; init; }

    /// <summary>How old each input was at the decision.</summary>
    public Safety.InputAges? Ages { get; init; }
}

/// <summary>One thing that limits the site target this cycle, in the order they were applied.</summary>
public sealed record TargetLimit(string Source, double TargetKw, string Detail);

/// <summary>The cycle's decision: the site target, what set it, and the price policy's per-group view.</summary>
public sealed record CycleDecision(
    DateTimeOffset Time,
    double TargetKw,
    string LimitedBy,
    IReadOnlyList<TargetLimit> Limits,
    GroupState[] NextGroups,
    DecisionReason[] GroupReasons,
    double PriceTargetKw,
    LoadDecision? Genset)
{
    /// <summary>The price the policy acted on: the latest SCED LMP or the last settled SPP; null before any price.</summary>
    public ActedPrice? ActedOn { get; init; }

    /// <summary>Whether the genset's minimum load is kept, and if not, why (null when the site has no genset source).</summary>
    public string? MinLoad { get; init; }
}
