using Curtail.Core.Economics;
using Curtail.Core.Sites;

namespace Curtail.Core.Policies;

/// <summary>The oracle's schedule: each group's power fraction per interval (0 = curtailed) and the profit it earns.</summary>
public sealed record OraclePlan(double[][] PowerFractions, double MarginalProfitUsd);

/// <summary>
/// Perfect foresight, solved exactly. Groups are independent, so each gets a dynamic programme over states
/// (mode, intervals since the last change, capped where wake-up and minimum times are over). Rewards are those of
/// <see cref="IntervalEconomics.Account"/>, so the plan's value is what the backtest then books. While running, the
/// power fraction of each interval is chosen in closed form (the objective is concave in it).
/// </summary>
public static class OraclePlanner
{
    public static OraclePlan Plan(IntervalEconomics economics, OperatingConstraints constraints,
        ReadOnlySpan<long> startTicks, ReadOnlySpan<long> endTicks, ReadOnlySpan<double> prices, HashpriceSeries hashprice)
    {
        var shared = prices.ToArray();
        return Plan(economics, constraints, startTicks, endTicks, shared.Length, _ => shared, hashprice);
    }

    /// <summary>
    /// The plan when each group pays its own price per interval (<paramref name="pricesOfGroup"/>(g), $/MWh before the
    /// adder): a site with gensets, where a group's energy costs what its share of the site's load costs at the margin.
    /// </summary>
    public static OraclePlan Plan(IntervalEconomics economics, OperatingConstraints constraints,
        ReadOnlySpan<long> startTicks, ReadOnlySpan<long> endTicks, int n, Func<int, double[]> pricesOfGroup, HashpriceSeries hashprice)
    {
        var fractions = new double[economics.Fleet.Count][];
        if (n == 0) return new OraclePlan(fractions.Select(_ => Array.Empty<double>()).ToArray(), 0);
        var step = endTicks[0] - startTicks[0];
        for (var i = 0; i < n; i++)
            if (endTicks[i] - startTicks[i] != step || (i > 0 && startTicks[i] != endTicks[i - 1]))
                throw new ArgumentException("the oracle needs contiguous intervals of one length");

        var hashprices = new double[n];
        for (var i = 0; i < n; i++) hashprices[i] = hashprice.AtUtcTicks(startTicks[i]);

        var total = 0.0;
        for (var g = 0; g < fractions.Length; g++)
        {
            var (plan, value) = PlanGroup(g, economics, constraints, step, pricesOfGroup(g), hashprices);
            fractions[g] = plan;
            total += value;
        }
        return new OraclePlan(fractions, total);
    }

    private static (double[] Plan, double Value) PlanGroup(int g, IntervalEconomics economics, OperatingConstraints c,
        long step, ReadOnlySpan<double> prices, double[] hashprices)
    {
        var n = prices.Length;
        var hours = step / (double)TimeSpan.TicksPerHour;
        var minOn = (long)Math.Round(c.MinOnMinutes * TimeSpan.TicksPerMinute);
        var minOff = (long)Math.Round(c.MinOffMinutes * TimeSpan.TicksPerMinute);
        var timing = economics.Timing;
        var kOn = (int)Math.Max(CeilDiv(timing.WakeTicks, step), CeilDiv(minOn, step));
        var kOff = (int)Math.Max(CeilDiv(timing.SleepTicks, step), CeilDiv(minOff, step));
        var states = kOn + 1 + kOff + 1;
        var offBase = kOn + 1;

        // Per state: hours lost to the transition inside the interval and the states reachable next.
        var transitionHours = new double[states];
        var stayNext = new int[states];
        var switchNext = new int[states];
        for (var k = 0; k <= kOn; k++)
        {
            transitionHours[k] = timing.WakeHours(k * step, step);
            stayNext[k] = Math.Min(k + 1, kOn);
            switchNext[k] = (k + 1) * step >= minOn ? offBase : -1;
        }
        for (var k = 0; k <= kOff; k++)
        {
            transitionHours[offBase + k] = timing.SleepHours(k * step, step);
            stayNext[offBase + k] = offBase + Math.Min(k + 1, kOff);
            switchNext[offBase + k] = (k + 1) * step >= minOff ? 0 : -1;
        }

        var bestFraction = new double[n];
        var runValuePerHour = new double[n];
        var costPerHour = new double[n];
        var minFraction = economics.Fleet[g].MinPowerFraction;
        for (var i = 0; i < n; i++)
        {
            if (i > 0 && prices[i] == prices[i - 1] && hashprices[i] == hashprices[i - 1])
            {
                // Same price and hashprice as the interval before (always so inside an interval on the SCED clock): same figures.
                bestFraction[i] = bestFraction[i - 1];
                runValuePerHour[i] = runValuePerHour[i - 1];
                costPerHour[i] = costPerHour[i - 1];
                continue;
            }
            var r = economics.RevenuePerHourAtFull(g, hashprices[i]);
            var cost = economics.CostPerHourAtFull(g, prices[i]);
            var f = PowerHashrateModel.BestPowerFraction(r, cost, minFraction);
            bestFraction[i] = f;
            runValuePerHour[i] = r * PowerHashrateModel.HashrateFraction(f) - cost * f;
            costPerHour[i] = cost;
        }

        // Backward pass: value[s] = best profit from interval i on, starting in state s. choice[i, s] = state at i+1.
        var value = new double[states];
        var nextValue = new double[states];
        var choice = new short[n * states];
        for (var i = n - 1; i >= 0; i--)
        {
            for (var s = 0; s < states; s++)
            {
                var transition = transitionHours[s];
                var reward = s < offBase
                    ? (hours - transition) * runValuePerHour[i] - transition * costPerHour[i]
                    : -transition * costPerHour[i];
                var best = stayNext[s];
                var bestValue = nextValue[best];
                var alt = switchNext[s];
                if (alt >= 0 && nextValue[alt] > bestValue)
                {
                    best = alt;
                    bestValue = nextValue[alt];
                }
                value[s] = reward + (i == n - 1 ? 0 : bestValue);
                choice[i * states + s] = (short)best;
            }
            (value, nextValue) = (nextValue, value);
        }

        // The site comes into the window long settled in the running state and may switch at the first interval.
        var state = kOn;
        if (switchNext[kOn] >= 0 && nextValue[switchNext[kOn]] > nextValue[kOn]) state = switchNext[kOn];
        var value0 = nextValue[state];
        var plan = new double[n];
        for (var i = 0; i < n; i++)
        {
            plan[i] = state < offBase ? bestFraction[i] : 0;
            state = choice[i * states + state];
        }
        return (plan, value0);
    }

    private static long CeilDiv(long a, long b) => a <= 0 ? 0 : (a + b - 1) / b;
}
