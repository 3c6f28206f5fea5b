using Curtail.Core.Decisions;

namespace Curtail.Core.Policies;

/// <summary>Replays an <see cref="OraclePlan"/> through the engine. Backtest only: it needs the interval's index.</summary>
public sealed class OraclePolicy(OraclePlan plan) : ICurtailmentPolicy
{
    public string Name => "oracle";

    public OraclePlan Plan => plan;

    public void Decide(in DecisionInputs inputs, ReadOnlySpan<GroupState> groups, Span<GroupIntent> intents)
    {
        if (inputs.IntervalIndex < 0)
            throw new InvalidOperationException("the oracle knows future prices and can only replay a backtest");
        for (var g = 0; g < groups.Length; g++)
            intents[g] = new GroupIntent(plan.PowerFractions[g][inputs.IntervalIndex], DecisionReason.OraclePlan);
    }
}
