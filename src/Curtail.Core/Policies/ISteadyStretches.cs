using Curtail.Core.Decisions;

namespace Curtail.Core.Policies;

/// <summary>
/// Optional capability of a policy that can tell, from settled prices alone, how long it will keep every group in
/// one mode. A backtest uses it to book such stretches in one step instead of interval by interval, with the same
/// result: a policy that does not implement it is simply replayed interval by interval.
/// </summary>
public interface ISteadyStretches
{
    /// <summary>
    /// With every group long in <paramref name="mode"/> (at full power when running, past its wake-up or sleep
    /// transition), the first interval index in [<paramref name="from"/>, <paramref name="to"/>] whose decision might
    /// be anything but "stay in <paramref name="mode"/> at full power". Interval k is decided on the settled prices
    /// <c>prices[..k]</c>; returning <paramref name="from"/> means "decide it normally".
    /// </summary>
    int SteadyUntil(ReadOnlySpan<double> prices, int from, int to, GroupMode mode);
}
