using Curtail.Controller.Config;
using Curtail.Core;

namespace Curtail.Controller.Tests;

public class ControllerConfigParserTests
{
    private const string Site = """
        name: t
        settlement_point: HB_WEST
        economics: {hashprice: {usd_per_th_day: 0.07}}
        fleet: [{group: a, count: 1, hashrate_th: 100, power_w: 3000}]
        policy: {kind: threshold, curtail_above_usd_per_mwh: 100}

        """;

    private static ControllerConfig Parse(string controller, Dictionary<string, string>? env = null) =>
        ControllerConfigParser.Parse(Site + controller, "site.yaml", Path.GetTempPath(), k => env?.GetValueOrDefault(k));

    [Fact]
    public void ParsesEverySection()
    {
        var c = Parse("""
            controller:
              listen: http://127.0.0.1:9090
              storage: {sqlite: state.db}
              tokens:
                - {name: alice, role: trader, token_env: ALICE}
              prices: {base_url: "http://127.0.0.1:7000/api/public-reports"}
              genset:
                endpoint: 127.0.0.1:1502
                map: dse-gencomm
                load_following: {headroom: 0.15, fail_safe: hold, link_loss_seconds: 1.5}
              fleet: fleet.yaml
              cycle_minutes: 2
              four_cp: {months: [6, 7, 8, 9], hours: [15, 16]}
              telemetry: {otlp_endpoint: "http://127.0.0.1:4317"}
            """, new() { ["ALICE"] = "a-very-long-secret-token" });
        Assert.Equal("http://127.0.0.1:9090", c.Listen);
        Assert.EndsWith("state.db", c.SqlitePath);
        Assert.Equal(ApiRole.Trader, c.Tokens[0].Role);
        Assert.DoesNotContain("secret", c.Tokens[0].ToString());
        Assert.Equal(1502, c.Genset!.Port);
        Assert.Equal(0.15, c.Genset.LoadFollowing.Headroom);
        Assert.Equal(TimeSpan.FromSeconds(1.5), c.Genset.LoadFollowing.LinkLossTimeout);
        Assert.Equal(TimeSpan.FromMinutes(2), c.CycleInterval);
        Assert.Equal([15, 16], c.FourCp!.Hours);
    }

    [Theory]
    [InlineData("controller:\n  listen: ftp://x\n", "site.yaml:7: controller.listen: expected an http URL")]
    [InlineData("controller:\n  lisen: http://127.0.0.1:1\n", "site.yaml:7: controller.lisen: unknown key")]
    [InlineData("controller:\n  tokens: [{name: a, role: admin, token_env: X}]\n", "controller.tokens[0].role: must be viewer, trader or operator")]
    [InlineData("controller:\n  tokens: [{name: a, role: trader, token_env: MISSING}]\n", "environment variable 'MISSING' is not set")]
    [InlineData("controller:\n  genset: {endpoint: nowhere}\n", "controller.genset.endpoint: expected HOST:PORT")]
    [InlineData("controller:\n  genset: {endpoint: 127.0.0.1:1502, load_following: {link_loss_seconds: 5}}\n", "link_loss_timeout")]
    [InlineData("controller:\n  four_cp: {months: [13], hours: [16]}\n", "controller.four_cp.months[0]: must be 1..12, got 13")]
    [InlineData("controller:\n  cycle_minutes: 0\n", "controller.cycle_minutes: must be in (0, 60]")]
    public void BadSettingsNameTheKeyAndLine(string controller, string expected)
    {
        var ex = Assert.Throws<InvalidInputException>(() => Parse(controller));
        Assert.Contains(expected, ex.Message);
    }
}
