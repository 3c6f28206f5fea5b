using Curtail.Core.Sites;

namespace Curtail.Core.Tests;

/// <summary>The peak rule of the <c>four_cp:</c> / <c>peak_avoidance:</c> section and of <c>--peak-rule</c>.</summary>
public class PeakRuleTests
{
    private const string Site = """
        name: Peak site
        settlement_point: HB_WEST
        economics:
          hashprice: {usd_per_th_day: 0.07}
        fleet:
          - {group: s19, count: 100, hashrate_th: 100, power_w: 3050}
        policy:
          kind: threshold
          curtail_above_usd_per_mwh: 90

        """;

    [Fact]
    public void TextFormsParseAndNameThemselvesTheSameWay()
    {
        Assert.Equal(PeakRule.FourCp, PeakRule.Parse("4cp"));
        var season = PeakRule.Parse("multi-peak:12:season");
        Assert.Equal(new PeakRule(PeakRuleKind.MultiPeak, 12, PeakPeriod.Season, [6, 7, 8, 9]), season);
        Assert.Equal("multi-peak:12:season:6,7,8,9", season.Name);
        var winter = PeakRule.Parse("multi-peak:2:month:12,1,2,7");
        Assert.Equal([1, 2, 7, 12], winter.Months);
        Assert.Equal(winter, PeakRule.Parse(winter.Name));
    }

    [Theory]
    [InlineData("5cp", "unknown peak rule")]
    [InlineData("4cp:2", "4cp takes no parameters")]
    [InlineData("multi-peak:0:month", "whole number in 1..100, got '0'")]
    [InlineData("multi-peak:3:week", "must be month or season, got 'week'")]
    [InlineData("multi-peak:3:month:6,13", "months are 1..12, got '13'")]
    [InlineData("multi-peak:3", "expected multi-peak:N:month|season")]
    public void BadRulesAreRefusedSayingWhy(string text, string message) =>
        Assert.Contains(message, Assert.Throws<ArgumentException>(() => PeakRule.Parse(text)).Message);

    [Fact]
    public void TheSiteFileSelectsAMultiPeakRule()
    {
        var site = SiteFileParser.Parse(Site + "four_cp:\n  rule: multi-peak\n  peaks: 3\n  period: month\n  months: [1, 2, 7, 8]\n  monthly_budget_hours: 40\n", "site.yaml");
        Assert.Equal(new PeakRule(PeakRuleKind.MultiPeak, 3, PeakPeriod.Month, [1, 2, 7, 8]), site.FourCp!.Rule);
        Assert.Equal(40, site.FourCp.MonthlyBudgetHours);
        // The default stays 4CP, and the section may be called peak_avoidance.
        Assert.Equal(PeakRule.FourCp, SiteFileParser.Parse(Site + "four_cp:\n  enabled: true\n", "site.yaml").FourCp!.Rule);
        var alias = SiteFileParser.Parse(Site + "peak_avoidance:\n  rule: multi-peak\n  peaks: 10\n  period: season\n", "site.yaml");
        Assert.Equal(PeakRule.Parse("multi-peak:10:season"), alias.FourCp!.Rule);
        Assert.True(alias.FourCpEnabled);
    }

    [Theory]
    [InlineData("four_cp:\n  rule: 12cp\n", "four_cp.rule: must be 4cp or multi-peak, got '12cp'")]
    [InlineData("four_cp:\n  rule: multi-peak\n  period: month\n", "four_cp.peaks: is required for rule: multi-peak")]
    [InlineData("four_cp:\n  rule: multi-peak\n  peaks: 3\n", "four_cp.period: is required for rule: multi-peak")]
    [InlineData("four_cp:\n  rule: multi-peak\n  peaks: 2.5\n  period: month\n", "four_cp.peaks: must be a whole number in 1..100, got 2.5")]
    [InlineData("four_cp:\n  rule: multi-peak\n  peaks: 2\n  period: month\n  months: [0]\n", "four_cp.months: months are 1..12, got 0")]
    [InlineData("four_cp:\n  peaks: 2\n", "peaks, period and months belong to rule: multi-peak")]
    [InlineData("four_cp:\n  enabled: true\npeak_avoidance:\n  enabled: true\n", "peak_avoidance: is the same section as four_cp")]
    public void BadSectionsAreRefusedNamingTheKeyAndLine(string section, string message)
    {
        var e = Assert.Throws<InvalidInputException>(() => SiteFileParser.Parse(Site + section, "site.yaml"));
        Assert.Contains(message, e.Message);
        Assert.NotNull(e.Line);
    }
}
