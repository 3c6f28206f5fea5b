using Curtail.Core.Prices;
using Curtail.Core.Sites;
using Curtail.Core.Time;
using Curtail.Ercot;
using Curtail.Forecasting.FourCp;

namespace Curtail.Forecasting.Tests;

/// <summary>The peak model and billing intervals of the multi-peak rule, beside 4CP's.</summary>
public class PeakRuleModelTests
{
    /// <summary>
    /// Hourly load for June–July 2023: day d of the month peaks at 17:00 CPT at 60,000 + 100·d MW (so the month's
    /// highest days are its last), except July 4th, the summer's highest day (90,000 MW, peaking at 15:00); the other
    /// hours sit 10,000 MW lower.
    /// </summary>
    private static PriceSeries Synthetic()
    {
        var starts = new List<long>();
        var loads = new List<double>();
        for (var day = new DateOnly(2023, 6, 1); day < new DateOnly(2023, 8, 1); day = day.AddDays(1))
        {
            var july4 = day == new DateOnly(2023, 7, 4);
            var peak = july4 ? 90_000 : 60_000 + 100.0 * day.Day;
            for (var h = 0; h < 24; h++)
            {
                starts.Add(CentralPrevailingTime.LocalToUtc(day, h, 0, false).UtcTicks);
                loads.Add(h == (july4 ? 15 : 17) ? peak : peak - 10_000);
            }
        }
        return new PriceSeries("ERCOT", [.. starts], [.. starts.Select(s => s + TimeSpan.TicksPerHour)], [.. loads]);
    }

    private static DateTimeOffset At(int month, int day, int hour) => CentralPrevailingTime.LocalToUtc(new DateOnly(2023, month, day), hour, 0, false);

    [Fact]
    public void MultiPeakBillsTheNHighestDailyPeaksOfEachMonthOrOfTheSeason()
    {
        var load = Synthetic();
        var monthly = FourCpPeakModel.BillingPeaks(load, 2023, PeakRule.Parse("multi-peak:2:month:6,7"));
        Assert.Equal([At(6, 29, 17), At(6, 30, 17), At(7, 4, 15), At(7, 31, 17)], monthly.Select(p => p.PeakHourStart));
        Assert.Equal([6, 6, 7, 7], monthly.Select(p => p.Month));
        Assert.Equal([62_900, 63_000, 90_000, 63_100], monthly.Select(p => p.LoadMw));
        // One season: July 4th (90,000), July 31st (63,100), then June 30th and July 30th tie at 63,000: the earlier day wins.
        var season = FourCpPeakModel.BillingPeaks(load, 2023, PeakRule.Parse("multi-peak:3:season:6,7"));
        Assert.Equal([At(6, 30, 17), At(7, 4, 15), At(7, 31, 17)], season.Select(p => p.PeakHourStart));
        // 4CP through the same door is the monthly peak of each month.
        Assert.Equal(FourCpPeakModel.ActualPeaks(load, 2023, [6, 7]), FourCpPeakModel.BillingPeaks(load, 2023, PeakRule.FourCp with { Months = [6, 7] }));
    }

    [Fact]
    public void The4cpRuleFitsTheSameModelAsBefore()
    {
        var load = Ercot.Load.NativeLoadReader.Read(ShippedData.Locate().NativeLoadFile).Series.ToPriceSeries();
        Assert.Equal(FourCpPeakModel.Fit(load, 2021, 2022).Weights, FourCpPeakModel.Fit(load, 2021, 2022, PeakRule.FourCp).Weights);
    }

    [Fact]
    public void AMonthlyThreePeakModelFittedOn2021And2022RanksThe2023BillingHoursAboveTheRest()
    {
        var load = Ercot.Load.NativeLoadReader.Read(ShippedData.Locate().NativeLoadFile).Series.ToPriceSeries();
        var rule = PeakRule.Parse("multi-peak:3:month");
        var model = FourCpPeakModel.Fit(load, 2021, 2022, rule);
        Assert.Equal(rule, model.Rule);
        var billing = FourCpPeakModel.BillingPeaks(load, 2023, rule);
        Assert.Equal(12, billing.Count);
        var atPeaks = billing.Select(p => model.HourProbability(load, p.PeakHourStart)).ToList();
        var summerHours = new List<double>();
        for (var t = At(6, 1, 0); t < At(10, 1, 0); t = t.AddHours(1)) summerHours.Add(model.HourProbability(load, t));
        // The billing hours carry far more probability than the average summer hour, and over a month the hour
        // probabilities add up to about the three peaks the rule bills.
        Assert.True(atPeaks.Average() > 10 * summerHours.Average(), $"billing hours {atPeaks.Average():F4}, all hours {summerHours.Average():F4}");
        Assert.InRange(summerHours.Sum() / 4, 1.0, 6.0);
        // The 4CP model, by contrast, expects about one peak a month.
        var fourCp = FourCpPeakModel.Fit(load, 2021, 2022);
        var fourCpSum = 0.0;
        for (var t = At(6, 1, 0); t < At(10, 1, 0); t = t.AddHours(1)) fourCpSum += fourCp.HourProbability(load, t);
        Assert.True(fourCpSum < summerHours.Sum(), $"4CP {fourCpSum:F2} vs multi-peak {summerHours.Sum():F2}");
    }
}
