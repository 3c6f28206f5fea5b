using Curtail.Core.Decisions;

namespace Curtail.Core.Policies;

/// <summary>Never curtails: the baseline every other policy is measured against.</summary>
public sealed class AlwaysOnPolicy : ICurtailmentPolicy, ISteadyStretches
{
    public string Name => "always_on";

    public void Decide(in DecisionInputs inputs, ReadOnlySpan<GroupState> groups, Span<GroupIntent> intents) =>
        intents.Fill(GroupIntent.Run(DecisionReason.AlwaysOn));

    public int SteadyUntil(ReadOnlySpan<double> prices, int from, int to, GroupMode mode) =>
        mode == GroupMode.Running ? to : from;
}
