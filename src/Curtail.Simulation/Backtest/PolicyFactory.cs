using Curtail.Core.Economics;
using Curtail.Core.Policies;
using Curtail.Core.Sites;

namespace Curtail.Simulation.Backtest;

/// <summary>Builds the policy a site file asks for; the oracle is planned over the backtest window first.</summary>
public static class PolicyFactory
{
    public static ICurtailmentPolicy Create(BacktestInputs inputs, PolicyKind kind)
    {
        var site = inputs.Site;
        return kind switch
        {
            PolicyKind.AlwaysOn => new AlwaysOnPolicy(),
            PolicyKind.Threshold => ThresholdPolicy.From(site.Policy),
            PolicyKind.Breakeven => BreakevenPolicy.From(site),
            PolicyKind.Oracle => new OraclePolicy(PlanOracle(inputs)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown policy kind"),
        };
    }

    public static OraclePlan PlanOracle(BacktestInputs inputs)
    {
        var range = new Range(inputs.FromIndex, inputs.ToIndex);
        return OraclePlanner.Plan(new IntervalEconomics(inputs.Site), inputs.Site.Constraints,
            inputs.Prices.StartTicks[range], inputs.Prices.EndTicks[range], inputs.Prices.Prices[range], inputs.Hashprice);
    }
}
