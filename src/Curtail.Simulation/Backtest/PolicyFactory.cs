using Curtail.Core.Economics;
using Curtail.Core.Policies;
using Curtail.Core.Sites;
using Curtail.Forecasting.FourCp;
using Curtail.Forecasting.Policies;

namespace Curtail.Simulation.Backtest;

/// <summary>The policy a site asks for, wrapped in the 4CP watch when the site turns it on.</summary>
public sealed record SitePolicy(ICurtailmentPolicy Policy, FourCpPolicy? FourCp);

/// <summary>Builds the policy a site file asks for; the oracle is planned over the backtest window first.</summary>
public static class PolicyFactory
{
    /// <summary>The plain policy of a kind (no 4CP watch): also how the always-on and oracle references are built.</summary>
    public static ICurtailmentPolicy Create(BacktestInputs inputs, PolicyKind kind)
    {
        var plain = CreatePlain(inputs, kind);
        // A site with gensets (or an import limit) decides inside its energy topology: the references (always-on,
        // oracle) too. The oracle already plans on the topology's costs (TopologyOracle), so only the supply's ceiling
        // (an island's gensets, the import limit) is applied to it.
        return InTopology(inputs.Site.Sources)
            ? new TopologyPolicy(plain, inputs.Site, kind == PolicyKind.Oracle ? inputs.GensetAvailableByRow() : inputs.GensetAvailableAtDecisions(), applyFloor: kind != PolicyKind.Oracle)
            : plain;
    }

    /// <summary>Whether a site decides inside its energy topology: gensets, or a grid whose import limit caps the load.</summary>
    public static bool InTopology(EnergySources sources) => sources.HasGensets || sources.HasSupplyCeiling;

    private static ICurtailmentPolicy CreatePlain(BacktestInputs inputs, PolicyKind kind)
    {
        var site = inputs.Site;
        return kind switch
        {
            PolicyKind.AlwaysOn => new AlwaysOnPolicy(),
            PolicyKind.Threshold => ThresholdPolicy.From(site.Policy),
            PolicyKind.Breakeven => BreakevenPolicy.From(site),
            PolicyKind.Oracle => new OraclePolicy(PlanOracle(inputs)),
            PolicyKind.Forecast => CreateForecast(inputs),
            PolicyKind.ForecastGated => CreateForecastGated(inputs),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown policy kind"),
        };
    }

    /// <summary>The policy the site runs: <paramref name="kind"/> (or the site's), inside the 4CP watch when <c>four_cp.enabled</c>.</summary>
    public static SitePolicy CreateForSite(BacktestInputs inputs, PolicyKind? kind = null)
    {
        var inner = Create(inputs, kind ?? inputs.Site.Policy.Kind);
        if (inputs.Site.FourCp is not { Enabled: true } f) return new SitePolicy(inner, null);
        var context = inputs.ForecastingOrShipped();
        var settings = new FourCpSettings { ProbabilityThreshold = f.ProbabilityThreshold, MonthlyBudgetHours = f.MonthlyBudgetHours, RateUsdPerKwYear = f.RateUsdPerKwYear };
        var load = context.SystemLoad;
        var watch = new FourCpPolicy(inner, context.PeakModel(inputs), () => load, settings);
        return new SitePolicy(watch, watch);
    }

    public static ForecastPolicy CreateForecast(BacktestInputs inputs)
    {
        var context = inputs.ForecastingOrShipped();
        var model = context.Model(inputs);
        var history = context.History;
        var s = inputs.Site.Policy.Forecast;
        var options = new ForecastPolicyOptions
        {
            Horizon = s.HorizonIntervals,
            RiskWeight = s.RiskWeight,
            Expectation = s.Expectation == ForecastExpectation.Mean ? PriceExpectation.Mean : PriceExpectation.Quantiles,
        };
        return new ForecastPolicy(model, () => history, inputs.Site, options);
    }

    /// <summary>
    /// The gated forecast rule with the site's trigger and gates. Its forecasts (one horizon-1 forecast per 15-minute
    /// interval) are remembered by the forecast context, so the runs of a sweep share them.
    /// </summary>
    public static ForecastGatedPolicy CreateForecastGated(BacktestInputs inputs)
    {
        var context = inputs.ForecastingOrShipped();
        var options = GateOptions(inputs.Site.Policy);
        var history = context.History;
        var forecaster = options.UsesForecast ? context.Remembered(context.Model(inputs)) : null;
        return new ForecastGatedPolicy(forecaster, options.UsesForecast ? () => history : null, inputs.Site, options);
    }

    /// <summary>The gated rule's options from a site's policy settings: the same mapping live and in backtests.</summary>
    public static ForecastGateOptions GateOptions(PolicySettings policy)
    {
        var g = policy.Gates;
        return new ForecastGateOptions
        {
            CurtailMarginUsdPerMwh = g.CurtailMarginUsdPerMwh,
            ResumeMarginUsdPerMwh = g.ResumeMarginUsdPerMwh,
            Confirm = policy.ConfirmIntervals,
            ScedConfirmRuns = g.ScedConfirmRuns,
            VetoBelow = g.VetoBelow,
            EarlyResumeBelow = g.EarlyResumeBelow,
            ScedMode = g.ScedMode,
        };
    }

    /// <summary>
    /// The oracle's plan over the window, on the backtest's decision clock: per settlement interval, or on the SCED
    /// clock per 5-minute sub-interval with perfect foresight of the SPP each sub-interval settles at (the best a
    /// controller deciding every SCED run can do). A site with gensets: over its energy topology (<see cref="TopologyOracle"/>).
    /// </summary>
    public static OraclePlan PlanOracle(BacktestInputs inputs)
    {
        if (InTopology(inputs.Site.Sources)) return TopologyOracle.Plan(inputs);
        if (inputs.Sced is { } sced)
            return OraclePlanner.Plan(new IntervalEconomics(inputs.Site), inputs.Site.Constraints,
                sced.StartTicks, sced.EndTicks, sced.SettlementPrices, inputs.Hashprice);
        var range = new Range(inputs.FromIndex, inputs.ToIndex);
        return OraclePlanner.Plan(new IntervalEconomics(inputs.Site), inputs.Site.Constraints,
            inputs.Prices.StartTicks[range], inputs.Prices.EndTicks[range], inputs.Prices.Prices[range], inputs.Hashprice);
    }
}
