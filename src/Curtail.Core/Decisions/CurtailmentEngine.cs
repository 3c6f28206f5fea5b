using Curtail.Core.Policies;
using Curtail.Core.Sites;

namespace Curtail.Core.Decisions;

/// <summary>
/// The one decision engine of live control and backtest: asks the policy what it wants, then keeps the operating
/// constraints (minimum on and off times) and returns each group's next state with the reason. It holds no state of
/// its own between cycles: the caller passes the groups' actual states every time.
/// </summary>
public sealed class CurtailmentEngine
{
    private readonly ICurtailmentPolicy _policy;
    private readonly long _minOnTicks;
    private readonly long _minOffTicks;
    private readonly GroupIntent[] _intents;

    public CurtailmentEngine(int groupCount, OperatingConstraints constraints, ICurtailmentPolicy policy)
    {
        _policy = policy;
        _minOnTicks = (long)Math.Round(constraints.MinOnMinutes * TimeSpan.TicksPerMinute);
        _minOffTicks = (long)Math.Round(constraints.MinOffMinutes * TimeSpan.TicksPerMinute);
        _intents = new GroupIntent[groupCount];
    }

    public ICurtailmentPolicy Policy => _policy;

    public void Decide(in DecisionInputs inputs, ReadOnlySpan<GroupState> current, Span<GroupState> next, Span<DecisionReason> reasons)
    {
        _policy.Decide(inputs, current, _intents);
        var now = inputs.IntervalStartTicks;
        for (var g = 0; g < current.Length; g++)
        {
            var state = current[g];
            var intent = _intents[g];
            var elapsed = now - state.SinceTicks;
            if (state.IsRunning && !intent.WantsRunning && elapsed < _minOnTicks)
            {
                next[g] = state;
                reasons[g] = DecisionReason.HeldByMinOnTime;
            }
            else if (!state.IsRunning && intent.WantsRunning && elapsed < _minOffTicks)
            {
                next[g] = state;
                reasons[g] = DecisionReason.HeldByMinOffTime;
            }
            else
            {
                var mode = intent.WantsRunning ? GroupMode.Running : GroupMode.Curtailed;
                next[g] = mode == state.Mode
                    ? state with { PowerFraction = intent.PowerFraction }
                    : new GroupState(mode, now, intent.PowerFraction);
                reasons[g] = intent.Reason;
            }
        }
    }
}
