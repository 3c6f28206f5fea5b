using Curtail.Core.Decisions;

namespace Curtail.Core.Policies;

/// <summary>
/// Decides, at the start of an interval, the power fraction each fleet group should run at (0 = curtail). It sees only
/// <see cref="DecisionInputs"/> and the groups' actual states, so the same policy drives live control and backtests.
/// </summary>
public interface ICurtailmentPolicy
{
    string Name { get; }

    void Decide(in DecisionInputs inputs, ReadOnlySpan<GroupState> groups, Span<GroupIntent> intents);
}
