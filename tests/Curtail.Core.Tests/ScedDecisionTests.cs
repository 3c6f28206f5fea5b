using Curtail.Core.Decisions;
using Curtail.Core.Policies;

namespace Curtail.Core.Tests;

/// <summary>
/// The price rule on SCED runs (<see cref="DecisionInputs.ScedPrices"/>): the newest price is the latest SCED LMP after
/// the last settled interval, and confirmation counts SCED runs. Prices are HB_WEST's of 2024-05-08 around 17:00 CDT.
/// </summary>
public class ScedDecisionTests
{
    private static readonly double[] Settled = [223.73, 282.53]; // 16:30, 16:45

    private static GroupIntent Decide(ICurtailmentPolicy policy, double[] settled, double[] sced, bool running)
    {
        var intents = new GroupIntent[1];
        var inputs = new DecisionInputs
        {
            IntervalStartTicks = 0, IntervalEndTicks = TimeSpan.TicksPerMinute * 15, SettledPrices = settled, ScedPrices = sced,
            HashpriceUsdPerThDay = 0.05, IntervalIndex = -1,
        };
        policy.Decide(inputs, [running ? GroupState.RunningLongSince : new GroupState(GroupMode.Curtailed, GroupState.LongAgoTicks, 0)], intents);
        return intents[0];
    }

    [Fact]
    public void TheLatestScedLmpIsThePriceActedOnAndWithoutRunsTheSettledOne()
    {
        var sced = new[] { 477.24, 1731.5 }; // the 17:00:14 and 17:05:15 runs
        var inputs = new DecisionInputs { IntervalStartTicks = 0, IntervalEndTicks = 1, SettledPrices = Settled, ScedPrices = sced, HashpriceUsdPerThDay = 0 };
        Assert.True(inputs.DecidesOnSced);
        Assert.Equal(1731.5, inputs.LatestPrice);
        Assert.Equal(282.53, inputs.LastSettledPrice);
        var settledOnly = new DecisionInputs { IntervalStartTicks = 0, IntervalEndTicks = 1, SettledPrices = Settled, HashpriceUsdPerThDay = 0 };
        Assert.False(settledOnly.DecidesOnSced);
        Assert.Equal(282.53, settledOnly.LatestPrice);
    }

    [Fact]
    public void OneScedRunAboveTheStrikeCurtailsWhenOneConfirms()
    {
        var policy = new ThresholdPolicy(1000, 300, 1, null);
        Assert.Equal(DecisionReason.BelowStrike, Decide(policy, Settled, [477.24], running: true).Reason);
        var cut = Decide(policy, Settled, [477.24, 1731.5], running: true);
        Assert.False(cut.WantsRunning);
        Assert.Equal(DecisionReason.AboveStrike, cut.Reason);
        // The same settled prices without the SCED runs keep the site running.
        Assert.Equal(DecisionReason.BelowStrike, Decide(policy, Settled, [], running: true).Reason);
    }

    [Fact]
    public void ConfirmationCountsScedRunsThenSettledIntervalsBeforeThem()
    {
        var policy = new ThresholdPolicy(1000, 300, 2, null);
        Assert.Equal(DecisionReason.AwaitingConfirmation, Decide(policy, Settled, [477.24, 1731.5], running: true).Reason);
        Assert.Equal(DecisionReason.AboveStrike, Decide(policy, Settled, [477.24, 1731.5, 1731.3], running: true).Reason);
        // Once 17:00 has settled ($1,292.53, above the strike) a single SCED run after it confirms with it...
        Assert.Equal(DecisionReason.AboveStrike, Decide(policy, [.. Settled, 1292.53], [1354.77], running: true).Reason);
        // ...and a run below the strike after it keeps the site running: the latest price decides.
        Assert.Equal(DecisionReason.BelowStrike, Decide(policy, [.. Settled, 1292.53], [500], running: true).Reason);
    }

    [Fact]
    public void ResumesAndHitsTheHardCapOnTheLatestScedRun()
    {
        var policy = new ThresholdPolicy(1000, 300, 3, 2500);
        // Curtailed through the spike: a SCED run below the resume strike wakes the site before any settled price does.
        Assert.Equal(DecisionReason.HysteresisHold, Decide(policy, [1373.65], [788.28], running: false).Reason);
        Assert.Equal(DecisionReason.BelowResumeStrike, Decide(policy, [1373.65], [788.28, 258.26], running: false).Reason);
        // One run above the hard cap curtails at once, whatever the confirmation count.
        Assert.Equal(DecisionReason.HardCapExceeded, Decide(policy, Settled, [2866.04], running: true).Reason);
    }

    [Fact]
    public void BreakevenPolicyActsOnTheLatestScedRunToo()
    {
        var policy = new BreakevenPolicy([new Fleet.FleetGroup("a", "a", 1, 100, 3000, 0.6)], 0.02, 0, 1, 1, null);
        var strike = policy.StrikeFor(0, 0.05);
        Assert.Equal(DecisionReason.BelowStrike, Decide(policy, [strike - 1], [], running: true).Reason);
        Assert.Equal(DecisionReason.AboveStrike, Decide(policy, [strike - 1], [strike + 1], running: true).Reason);
    }
}
