using Curtail.Core.Decisions;
using Curtail.Core.Policies;
using Curtail.Core.Prices;
using Curtail.Core.Time;
using Curtail.Forecasting.FourCp;

namespace Curtail.Forecasting.Tests;

public class FourCpPolicyTests
{
    // One July day of hourly load peaking at 17:00 CPT; the model is sure the day is the month's peak day.
    private static readonly DateOnly Day = new(2023, 7, 20);
    private static readonly FourCpPeakModel SureOfThePeakDay = FourCpPeakModel.FromWeights([20, 0, 0, 0]);

    private static PriceSeries Load()
    {
        var start = CentralPrevailingTime.StartOfDayUtc(Day);
        var starts = Enumerable.Range(0, 24).Select(h => (start + TimeSpan.FromHours(h)).UtcTicks).ToArray();
        var loads = Enumerable.Range(0, 24).Select(h => 60_000 + 20_000 * Math.Exp(-Math.Pow(h - 17, 2) / 4)).ToArray();
        return new PriceSeries("ERCOT", starts, starts.Select(s => s + TimeSpan.TicksPerHour).ToArray(), loads);
    }

    private static GroupIntent Decide(FourCpPolicy policy, int hourCpt, int minute = 0)
    {
        var start = CentralPrevailingTime.LocalToUtc(Day, hourCpt, minute, false);
        Span<GroupIntent> intents = new GroupIntent[1];
        var inputs = new DecisionInputs
        {
            IntervalStartTicks = start.UtcTicks,
            IntervalEndTicks = (start + MarketHistory.Interval).UtcTicks,
            SettledPrices = new[] { 30.0 },
            HashpriceUsdPerThDay = 0.05,
        };
        policy.Decide(inputs, [GroupState.RunningLongSince], intents);
        return intents[0];
    }

    [Fact]
    public void Curtails_the_likely_peak_hour_with_its_own_reason_and_leaves_the_rest_to_the_inner_policy()
    {
        var policy = new FourCpPolicy(new AlwaysOnPolicy(), SureOfThePeakDay, Load, new FourCpSettings());
        Assert.Equal("always_on+4cp", policy.Name);
        var peak = Decide(policy, 17);
        Assert.False(peak.WantsRunning);
        Assert.Equal(DecisionReason.FourCpWindow, peak.Reason);
        var morning = Decide(policy, 6);
        Assert.True(morning.WantsRunning);
        Assert.Equal(DecisionReason.AlwaysOn, morning.Reason);
        Assert.Equal(0.25, policy.UsedHours[(2023, 7)], 9);
    }

    [Fact]
    public void Stops_when_the_month_budget_is_spent()
    {
        var policy = new FourCpPolicy(new AlwaysOnPolicy(), SureOfThePeakDay, Load, new FourCpSettings { MonthlyBudgetHours = 0.5 });
        Assert.False(Decide(policy, 17, 0).WantsRunning);
        Assert.False(Decide(policy, 17, 15).WantsRunning);
        var third = Decide(policy, 17, 30);
        Assert.True(third.WantsRunning);
        Assert.Equal(DecisionReason.AlwaysOn, third.Reason);
    }
}
