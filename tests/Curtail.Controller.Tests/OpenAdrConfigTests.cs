using Curtail.Controller.Config;
using Curtail.Core;

namespace Curtail.Controller.Tests;

/// <summary>`controller.openadr:`: the VTN, the client credentials (secret from the environment) and the programs; bad config names its key.</summary>
public sealed class OpenAdrConfigTests
{
    private const string Site = """
        name: OpenADR site
        settlement_point: HB_WEST
        economics: {hashprice: {usd_per_th_day: 0.05}}
        fleet: [{group: a, count: 10, hashrate_th: 200, power_w: 3500}]
        policy: {kind: threshold, curtail_above_usd_per_mwh: 150, resume_below_usd_per_mwh: 100}

        """;

    private static ControllerConfig Parse(string openadr, string? secret = "s3cret") =>
        ControllerConfigParser.Parse(Site + "controller:\n  openadr:\n" + openadr, "site.yaml", Path.GetTempPath(), k => k == "VTN_SECRET" ? secret : null);

    private const string Valid = """
            vtn_url: https://vtn.example/openadr3/3.0.1
            client_id: ven-7
            client_secret_env: VTN_SECRET
            ven_name: site-ven
            poll_seconds: 15
            programs:
              - {name: ercot-dr, limit_units: kw, simple_levels: {1: {curtail_percent: 50}, 3: {target_mw: 0}}, deadline_minutes: 30}
              - {name: ercot-sb6, sb6: true}

        """;

    [Fact]
    public void A_full_section_is_read()
    {
        var c = Parse(Valid).OpenAdr!;
        Assert.Equal("https://vtn.example/openadr3/3.0.1/auth/token", c.EffectiveTokenUrl);
        Assert.Equal("s3cret", c.ClientSecret);
        Assert.DoesNotContain("s3cret", c.ToString());
        Assert.Equal(TimeSpan.FromSeconds(15), c.PollInterval);
        Assert.Equal("KW", c.Programs[0].LimitUnits);
        Assert.Equal(50, c.Programs[0].SimpleLevels[1].CurtailPercent);
        Assert.Equal(0, c.Programs[0].SimpleLevels[3].TargetMw);
        Assert.Equal(TimeSpan.FromMinutes(30), c.Programs[0].Deadline);
        Assert.True(c.Programs[1].Sb6);
        Assert.Equal(TimeSpan.FromMinutes(10), c.Programs[1].Deadline);
    }

    [Theory]
    [InlineData("vtn_url: https://vtn.example/openadr3/3.0.1", "vtn_url: ftp://x", "controller.openadr.vtn_url")]
    [InlineData("poll_seconds: 15", "poll_seconds: 0", "controller.openadr.poll_seconds")]
    [InlineData("limit_units: kw", "limit_units: PERCENT", "controller.openadr.programs[0].limit_units")]
    [InlineData("{curtail_percent: 50}", "{curtail_percent: 50, target_mw: 1}", "controller.openadr.programs[0].simple_levels.1")]
    [InlineData("simple_levels: {1:", "simple_levels: {4:", "controller.openadr.programs[0].simple_levels")]
    [InlineData("{name: ercot-sb6, sb6: true}", "{name: ercot-sb6, sb6: yes}", "controller.openadr.programs[1].sb6")]
    [InlineData("{name: ercot-sb6, sb6: true}", "{name: ercot-dr}", "controller.openadr.programs")]
    [InlineData("ven_name: site-ven", "ven_nam: site-ven", "ven_nam")]
    public void A_bad_value_names_its_key(string good, string bad, string key)
    {
        var ex = Assert.Throws<InvalidInputException>(() => Parse(Valid.Replace(good, bad)));
        Assert.Contains(key, ex.Message);
    }

    [Fact]
    public void A_missing_secret_variable_is_named_not_the_secret()
    {
        var ex = Assert.Throws<InvalidInputException>(() => Parse(Valid, secret: null));
        Assert.Contains("controller.openadr.client_secret_env", ex.Message);
        Assert.Contains("'VTN_SECRET' is not set", ex.Message);
    }
}
