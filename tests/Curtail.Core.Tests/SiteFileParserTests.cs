using Curtail.Core.Sites;

namespace Curtail.Core.Tests;

public class SiteFileParserTests
{
    private const string Valid = """
        name: West Texas demo
        settlement_point: HB_WEST
        energy:
          adder_usd_per_mwh: 4.5
          contract: index
        economics:
          hashprice: {usd_per_th_day: 0.07}
          pool_fee: 0.02
        fleet:
          - {group: s19jpro, model: Antminer S19j Pro, count: 1000, hashrate_th: 100, power_w: 3050, min_power_fraction: 0.6}
          - {group: s21, model: Antminer S21, count: 400, hashrate_th: 200, power_w: 3500}
        policy:
          kind: threshold
          curtail_above_usd_per_mwh: 90
          resume_below_usd_per_mwh: 70
          confirm_intervals: 2
          hard_cap_usd_per_mwh: 1000
        constraints: {sleep_seconds: 5, wake_minutes: 5, min_off_minutes: 15, min_on_minutes: 30}
        """;

    [Fact]
    public void ParsesEveryKey()
    {
        var site = SiteFileParser.Parse(Valid, "site.yaml");
        Assert.Equal("West Texas demo", site.Name);
        Assert.Equal("HB_WEST", site.SettlementPoint);
        Assert.Equal(4.5, site.Energy.AdderUsdPerMwh);
        Assert.Equal(0.07, site.Economics.Hashprice.ConstantUsdPerThDay);
        Assert.Equal(2, site.Fleet.Count);
        Assert.Equal(0.6, site.Fleet[0].MinPowerFraction);
        Assert.Equal(1, site.Fleet[1].MinPowerFraction);
        Assert.Equal(Curtail.Core.Fleet.ShedMode.Sleep, site.Fleet[0].Shed); // no shed key: today's behaviour

        var soft = SiteFileParser.Parse(Valid.Replace("min_power_fraction: 0.6}", "min_power_fraction: 0.6, shed: power_target, shed_floor_w: 1830}"), "site.yaml");
        Assert.Equal((Curtail.Core.Fleet.ShedMode.PowerTarget, 1830.0, 0.6), (soft.Fleet[0].Shed, soft.Fleet[0].ShedFloorW!.Value, soft.Fleet[0].ShedFloorFraction));
        Assert.Equal(PolicyKind.Threshold, site.Policy.Kind);
        Assert.Equal(70, site.Policy.EffectiveResumeBelow);
        Assert.Equal(2, site.Policy.ConfirmIntervals);
        Assert.Equal(new OperatingConstraints(5, 5, 15, 30), site.Constraints);
        Assert.Equal(3.05 + 1.4, site.FullPowerMw, 9);
    }

    [Theory]
    [InlineData("  pool_fee: 0.02", "  pool_fe: 0.02", "site.yaml:8: economics.pool_fe: unknown key 'pool_fe'")]
    [InlineData("count: 400,", "count: -3,", "site.yaml:11: fleet[1].count: must not be negative, got -3")]
    [InlineData("resume_below_usd_per_mwh: 70", "resume_below_usd_per_mwh: 120", "site.yaml:15: policy.resume_below_usd_per_mwh: resume strike 120 is above the curtail strike 90")]
    [InlineData("settlement_point: HB_WEST", "settlement_point: HB_MARS", "site.yaml:2: settlement_point: unknown settlement point 'HB_MARS'")]
    [InlineData("kind: threshold", "kind: psychic", "site.yaml:13: policy.kind: unknown policy 'psychic'")]
    [InlineData("  contract: index", "  contract: fixed", "energy.fixed_price_usd_per_mwh: is required when energy.contract is 'fixed'")]
    [InlineData("hashprice: {usd_per_th_day: 0.07}", "hashprice: {usd_per_th_day: 0.07, file: hp.csv}", "site.yaml:7: economics.hashprice: give exactly one of usd_per_th_day or file")]
    [InlineData("hashrate_th: 100,", "hashrate_th: lots,", "site.yaml:10: fleet[0].hashrate_th: expected a number, got 'lots'")]
    [InlineData("min_power_fraction: 0.6", "min_power_fraction: 1.5", "site.yaml:10: fleet[0].min_power_fraction: must be in (0, 1], got 1.5")]
    [InlineData("min_power_fraction: 0.6}", "min_power_fraction: 0.6, shed: nap}", "site.yaml:10: fleet[0].shed: must be sleep, power_target or hashboards, got 'nap'")]
    [InlineData("min_power_fraction: 0.6}", "min_power_fraction: 0.6, shed_floor_w: 2000}", "site.yaml:10: fleet[0].shed_floor_w: applies to shed: power_target only")]
    [InlineData("min_power_fraction: 0.6}", "min_power_fraction: 0.6, shed: power_target, shed_floor_w: 4000}", "site.yaml:10: fleet[0].shed_floor_w: must be positive and at most power_w (3050), got 4000")]
    [InlineData("wake_minutes: 5", "wake_minutes: -5", "constraints.wake_minutes: must not be negative, got -5")]
    [InlineData("  pool_fee: 0.02", "  pool_fee: 1.2", "site.yaml:8: economics.pool_fee: is a fraction in [0, 1), got 1.2")]
    [InlineData("confirm_intervals: 2", "confirm_intervals: 0", "site.yaml:16: policy.confirm_intervals: must be at least 1, got 0")]
    [InlineData("group: s21,", "group: s19jpro,", "fleet[1].group: duplicate group name 's19jpro'")]
    [InlineData("hashrate_th: 100,", "hashrate_th: NaN,", "site.yaml:10: fleet[0].hashrate_th: must be a finite number, got 'NaN'")]
    [InlineData("power_w: 3500", "power_w: 1e400", "site.yaml:11: fleet[1].power_w: must be a finite number, got '1e400'")]
    [InlineData("power_w: 3500", "power_w: 3500000", "site.yaml:11: fleet[1].power_w: must be positive and at most 100000, got 3500000")]
    [InlineData("count: 400,", "count: 4000000,", "site.yaml:11: fleet[1].count: must be at most 1000000, got 4000000")]
    [InlineData("curtail_above_usd_per_mwh: 90", "curtail_above_usd_per_mwh: -Infinity", "site.yaml:14: policy.curtail_above_usd_per_mwh: must be a finite number, got '-Infinity'")]
    [InlineData("curtail_above_usd_per_mwh: 90", "curtail_above_usd_per_mwh: 90000", "site.yaml:14: policy.curtail_above_usd_per_mwh: must be within [-251, 10000], got 90000")]
    [InlineData("hard_cap_usd_per_mwh: 1000", "hard_cap_usd_per_mwh: nan", "site.yaml:17: policy.hard_cap_usd_per_mwh: must be a finite number, got 'nan'")]
    [InlineData("adder_usd_per_mwh: 4.5", "adder_usd_per_mwh: 4500", "site.yaml:4: energy.adder_usd_per_mwh: must be within [-1000, 1000], got 4500")]
    [InlineData("confirm_intervals: 2", "confirm_intervals: 97", "site.yaml:16: policy.confirm_intervals: must be at most 96 (a day of intervals), got 97")]
    [InlineData("sleep_seconds: 5,", "sleep_seconds: 86400,", "site.yaml:18: constraints.sleep_seconds: must be at most 3600, got 86400")]
    [InlineData("group: s21,", "group: s21xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx,", "site.yaml:11: fleet[1].group: must be at most 200 characters, got 201")]
    public void BadInputNamesTheKeyAndLine(string from, string to, string expected)
    {
        var yaml = Valid.Replace(from, to);
        Assert.NotEqual(Valid, yaml);
        var ex = Assert.Throws<InvalidInputException>(() => SiteFileParser.Parse(yaml, "site.yaml"));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void MissingRequiredKeyIsNamed()
    {
        var yaml = Valid.Replace("settlement_point: HB_WEST\n", "");
        var ex = Assert.Throws<InvalidInputException>(() => SiteFileParser.Parse(yaml, "site.yaml"));
        Assert.Contains("settlement_point: is required", ex.Message);
    }

    [Fact]
    public void APeakWatchOnAnIslandSiteIsRefusedAtItsLine()
    {
        var island = Valid.Replace("  contract: index\n", "  contract: index\n  sources:\n    gensets: [{name: flare, rated_kw: 1000, min_load_pct: 30, fuel_cost_usd_per_mwh: 0}]\n");
        var ex = Assert.Throws<InvalidInputException>(() => SiteFileParser.Parse(island + "\nfour_cp: {enabled: true}\n", "site.yaml"));
        Assert.StartsWith("site.yaml:21: ", ex.Message); // the four_cp line
        Assert.Contains("four_cp: is a grid charge and this site is an island", ex.Message);
        // Under its other name the message names the section as written.
        var multiPeak = Assert.Throws<InvalidInputException>(() => SiteFileParser.Parse(island + "\npeak_avoidance: {enabled: true}\n", "site.yaml"));
        Assert.Contains("peak_avoidance: is a grid charge and this site is an island", multiPeak.Message);
        // Switched off, or beside a grid, it is accepted.
        Assert.False(SiteFileParser.Parse(island + "\nfour_cp: {enabled: false}\n", "site.yaml").FourCp!.Enabled);
        var tied = island.Replace("  sources:\n", "  sources:\n    grid: {import_limit_kw: 5000}\n");
        Assert.True(SiteFileParser.Parse(tied + "\nfour_cp: {enabled: true}\n", "site.yaml").FourCp!.Enabled);
    }

    [Fact]
    public void BrokenYamlReportsItsLine()
    {
        var ex = Assert.Throws<InvalidInputException>(() => SiteFileParser.Parse("name: x\nfleet: [\n  {group: a\n", "bad.yaml"));
        Assert.StartsWith("bad.yaml:", ex.Message);
        Assert.Contains("not valid YAML", ex.Message);
    }

    [Fact]
    public void ThresholdNeedsAStrike()
    {
        var yaml = Valid.Replace("  curtail_above_usd_per_mwh: 90\n", "").Replace("  resume_below_usd_per_mwh: 70\n", "");
        var ex = Assert.Throws<InvalidInputException>(() => SiteFileParser.Parse(yaml, "site.yaml"));
        Assert.Contains("policy.curtail_above_usd_per_mwh: is required for the threshold policy", ex.Message);
    }
}
