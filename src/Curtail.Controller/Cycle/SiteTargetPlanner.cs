using Curtail.Controller.DemandResponse;
using Curtail.Controller.Trading;
using Curtail.Core.Decisions;
using Curtail.Core.Energy;
using Curtail.Core.LoadFollowing;
using Curtail.Core.Policies;
using Curtail.Core.Sites;

namespace Curtail.Controller.Cycle;

/// <summary>
/// Turns a <see cref="CycleInputs"/> snapshot into a site target. The price decision is the backtest's
/// <see cref="CurtailmentEngine"/> with the trader's live strikes; overrides, demand-response events, 4CP windows and
/// the genset's load-following ceiling can only lower (or, for a force-run override, raise) it. Every limit that
/// applied is kept with its reason so the decision can be explained afterwards.
/// </summary>
public sealed class SiteTargetPlanner(SiteDefinition site, LoadFollower? loadFollower, Func<SiteDefinition, ICurtailmentPolicy>? policyFactory = null)
{
    public static readonly TimeSpan DecisionHorizon = TimeSpan.FromMinutes(15);

    public SiteDefinition Site => site;

    public CycleDecision Decide(CycleInputs inputs)
    {
        var live = site with { Policy = inputs.Trading.ApplyTo(site.Policy) };
        var policy = (policyFactory ?? DefaultPolicy)(live);
        var engine = new CurtailmentEngine(site.Fleet.Count, site.Constraints, policy);
        var next = new GroupState[site.Fleet.Count];
        var reasons = new DecisionReason[site.Fleet.Count];
        var now = inputs.Now.UtcTicks;
        var acted = ActedPrice.From(inputs);
        engine.Decide(new DecisionInputs
        {
            IntervalStartTicks = now,
            IntervalEndTicks = now + DecisionHorizon.Ticks,
            SettledPrices = inputs.SettledPrices,
            LastSettledEndTicks = inputs.LastSettledIntervalStart is { } last ? (last + TimeSpan.FromMinutes(15)).UtcTicks : 0,
            // On the SCED clock exactly as the backtest decides on it: the SCED LMPs so far, newest last, so that
            // confirmation counts SCED runs; only when a run is newer than the last settled price.
            DecidesOnSced = acted?.Source == ActedPrice.Sced,
            ScedPrices = acted?.Source == ActedPrice.Sced ? inputs.Sced.Select(r => r.Lmp).ToArray() : [],
            HashpriceUsdPerThDay = inputs.HashpriceUsdPerThDay,
            IntervalIndex = -1,
        }, inputs.Groups, next, reasons);

        if (inputs.HoldReason is not null)
        {
            // Without a fresh input the price policy may still curtail (the safe direction) but never wakes: a restart
            // mid-spike must not read "no price" as "run", nor a hung feed's last low price as a reason to resume.
            for (var g = 0; g < next.Length; g++)
                if (next[g].IsRunning && !inputs.Groups[g].IsRunning)
                {
                    next[g] = inputs.Groups[g];
                    reasons[g] = DecisionReason.HeldWithoutFreshInput;
                }
        }
        var fullKw = site.FullPowerMw * 1000;
        var priceKw = HeldKw(next);
        var priceDetail = $"{policy.Name}: {string.Join(", ", site.Fleet.Select((g, i) => $"{g.Name} {(next[i].IsRunning ? "run" : "curtail")} ({Api.ApiJson.Snake(reasons[i].ToString())})"))}";
        if (inputs.HoldReason is { } hold)
        {
            // Nor does it wake a miner the groups' states do not know is asleep: at most the load measured now.
            if (inputs.HoldAtKw is { } measured && measured < priceKw) priceKw = Math.Max(0, measured);
            priceDetail = $"no waking, at most {priceKw:0.#} kW ({hold}); {priceDetail}";
        }

        var limits = new List<TargetLimit>
        {
            new("price", priceKw, priceDetail
                + (acted is null ? "; no price yet" : $"; acted on {acted}")
                + (acted?.Source == ActedPrice.Sced && inputs.SettledPrices.Length > 0 ? $"; last settled {inputs.SettledPrices[^1]:0.00} $/MWh" : "")
                + (inputs.PricesStale ? "; PRICES STALE" : "")),
        };
        var target = priceKw;
        var floor = EnergyFloorFor(inputs, fullKw, acted);
        if (floor is { } f && f.FloorKw > target + 0.5)
        {
            if (inputs.HoldReason is null)
            {
                target = f.FloorKw;
                limits.Add(new("energy", target, f.Reason));
            }
            else limits.Add(new("energy", target, $"not raised to {f.FloorKw:0.#} kW without fresh input ({inputs.HoldReason}): {f.Reason}"));
        }
        var raisedByEnergy = target;
        if (inputs.Override is { } o && o.ActiveAt(inputs.Now))
        {
            target = o.Mode == OverrideMode.ForceRun ? fullKw : 0;
            limits.Add(new("override", target, $"{o.Mode} until {o.Until:u} by {o.SetBy}{(o.Reason is null ? "" : $": {o.Reason}")}"));
        }
        if (inputs.InFourCpWindow && target > 0)
        {
            target = 0;
            limits.Add(new("4cp", 0, inputs.FourCpReason ?? "likely 4CP peak interval: curtail"));
        }
        foreach (var e in inputs.ActiveEvents.Where(e => e.ActiveAt(inputs.Now)))
        {
            var reading = inputs.GensetConfigured ? inputs.Genset : null;
            var ceiling = EventCeiling.Kw(e, reading);
            if (ceiling < target)
            {
                target = ceiling;
                limits.Add(new(e.Directive is null ? "demand_response" : "directive", ceiling, EventCeiling.Describe(e, reading)));
            }
        }
        // What lowered the target below the energy floor (an override, 4CP, a demand-response event): the minimum load
        // the genset needs may then not be kept, and the record says so.
        var loweredBy = target < raisedByEnergy - 0.5 ? limits[^1] : null;
        LoadDecision? genset = null;
        var gridTied = site.Sources.IsGridTiedWithGenset;
        if (inputs.GensetConfigured && loadFollower is not null)
        {
            genset = loadFollower.Decide(inputs.Genset, inputs.SiteLoadKw, inputs.DeviceNow ?? inputs.Now, target, inputs.GensetLinkProblem);
            if (genset.IsFailSafe || (!gridTied && (genset.TargetKw < target - 0.5 || genset.IsShed)))
            {
                // Island (or a site file without sources): the genset carries the miners, so its ceiling caps them.
                // Grid-tied: the grid carries them; only the link's fail-safe preempts (docs/controller.md).
                target = genset.TargetKw;
                limits.Add(new("genset", genset.TargetKw, $"{genset.Reason}: {genset.Detail}"));
            }
            else if (!gridTied && genset.Reason == LoadDecisionReason.MinLoad && genset.TargetKw > target + 0.5)
            {
                // The genset's minimum load is kept: price curtailment does not idle the engine.
                if (loweredBy is null)
                {
                    target = genset.TargetKw;
                    limits.Add(new("genset_min_load", target, $"MinLoad: {genset.Detail}; price curtailment does not idle the engine"));
                }
                else limits.Add(new("genset_min_load", target, $"minimum load {genset.TargetKw:0.#} kW not kept: {loweredBy.Source} ({loweredBy.Detail})"));
            }
        }
        // The grid's import limit + what the genset gives now (EnergyBalance.ImportCeilingKw: the backtest applies the
        // same rule with the genset's available power). A grid-only site with a limit is capped at the limit.
        var gensetKw = inputs.Genset?.ActivePowerKw ?? 0;
        if (EnergyBalance.ImportCeilingKw(site.Sources, gensetKw) is { } importCeiling && target > importCeiling + 0.5)
        {
            target = importCeiling;
            limits.Add(new("grid_import", importCeiling, $"import limit {site.Sources.ImportLimitKw:0.#} kW + genset {Math.Max(0, gensetKw):0.#} kW"));
        }
        target = Math.Max(0, target);
        return new CycleDecision(inputs.Now, target, limits[^1].Source, limits, next, reasons, priceKw, genset)
        {
            ActedOn = acted,
            MinLoad = MinLoadNote(target, limits, genset, inputs),
        };
    }

    /// <summary>
    /// The least load the site's energy topology calls for (<see cref="EnergyBalance.Floor"/>), from the genset's fresh
    /// reading; null for a grid-only site or without a usable reading (the fail-safe decides then).
    /// </summary>
    private EnergyFloor? EnergyFloorFor(CycleInputs inputs, double fullKw, ActedPrice? acted)
    {
        var sources = site.Sources;
        if (!sources.HasGensets) return null;
        var reading = inputs.Genset;
        var deviceNow = inputs.DeviceNow ?? inputs.Now;
        var maxAge = loadFollower?.Settings.MaxReadingAge ?? TimeSpan.FromSeconds(2);
        if (reading is null || !reading.IsUsableAt(deviceNow, maxAge) || !reading.IsOnLoad) return null;
        var hashValue = EnergyBalance.HashValueUsdPerMwh(site, inputs.HashpriceUsdPerThDay);
        return EnergyBalance.Floor(sources, reading.AvailablePowerKw!.Value, fullKw, hashValue, acted?.Price);
    }

    /// <summary>
    /// Whether the site keeps the genset's minimum load (the part it cannot export), and when not, why: what set the
    /// target, a fault, or no reading. Null for a site whose energy sources have no genset.
    /// </summary>
    private string? MinLoadNote(double target, List<TargetLimit> limits, LoadDecision? genset, CycleInputs inputs)
    {
        var sources = site.Sources;
        if (!sources.HasGensets) return null;
        var onSite = Math.Max(0, sources.GensetMinLoadKw - sources.ExportLimitKw);
        var what = sources.ExportLimitKw > 0
            ? $"genset minimum load {sources.GensetMinLoadKw:0.#} kW ({onSite:0.#} kW beyond the {sources.ExportLimitKw:0.#} kW export limit)"
            : $"genset minimum load {sources.GensetMinLoadKw:0.#} kW";
        if (target >= onSite - 0.5) return $"kept: {what}, site target {target:0.#} kW";
        if (genset is { IsFailSafe: true } or { IsShed: true }) return $"NOT kept: {what}; {genset.Reason}: {genset.Detail}";
        if (inputs.Genset is null) return $"NOT kept: {what}; no genset reading ({inputs.GensetLinkProblem ?? "none yet"})";
        var by = limits[^1];
        return $"NOT kept: {what}; target set by {by.Source}: {by.Detail}";
    }

    private double HeldKw(GroupState[] groups)
    {
        var kw = 0.0;
        for (var g = 0; g < groups.Length; g++)
            if (groups[g].IsRunning) kw += site.Fleet[g].FullPowerMw * 1000 * groups[g].PowerFraction;
        return kw;
    }

    private static ICurtailmentPolicy DefaultPolicy(SiteDefinition s) => s.Policy.Kind switch
    {
        PolicyKind.Threshold => ThresholdPolicy.From(s.Policy),
        PolicyKind.Breakeven => BreakevenPolicy.From(s),
        PolicyKind.AlwaysOn => new AlwaysOnPolicy(),
        _ => throw new InvalidOperationException($"policy '{SiteFileParser.PolicyKindName(s.Policy.Kind)}' cannot run live (the oracle needs future prices)"),
    };
}
