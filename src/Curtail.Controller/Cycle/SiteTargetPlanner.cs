using Curtail.Controller.DemandResponse;
using Curtail.Controller.Trading;
using Curtail.Core.Decisions;
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
        var priceDetail = $"{policy.Name}: {string.Join(", ", site.Fleet.Select((g, i) => $"{g.Name} {(next[i].IsRunning ? "run" : "curtail")} ({reasons[i]})"))}";
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
        LoadDecision? genset = null;
        if (inputs.GensetConfigured && loadFollower is not null)
        {
            genset = loadFollower.Decide(inputs.Genset, inputs.SiteLoadKw, inputs.DeviceNow ?? inputs.Now, target, inputs.GensetLinkProblem);
            if (genset.TargetKw < target - 0.5 || genset.IsShed || genset.IsFailSafe)
            {
                target = genset.TargetKw;
                limits.Add(new("genset", genset.TargetKw, $"{genset.Reason}: {genset.Detail}"));
            }
        }
        target = Math.Max(0, target);
        return new CycleDecision(inputs.Now, target, limits[^1].Source, limits, next, reasons, priceKw, genset) { ActedOn = acted };
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
