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
    [InlineData("controller:\n  listen: ftp://x\n", "site.yaml:7: controller.listen: expected an http or https URL")]
    [InlineData("controller:\n  lisen: http://127.0.0.1:1\n", "site.yaml:7: controller.lisen: unknown key")]
    [InlineData("controller:\n  tokens: [{name: a, role: admin, token_env: X}]\n", "controller.tokens[0].role: must be viewer, trader or operator")]
    [InlineData("controller:\n  tokens: [{name: a, role: trader, token_env: MISSING}]\n", "environment variable 'MISSING' is not set")]
    [InlineData("controller:\n  genset: {endpoint: nowhere}\n", "controller.genset.endpoint: expected HOST:PORT")]
    [InlineData("controller:\n  genset: {endpoint: 127.0.0.1:1502, load_following: {link_loss_seconds: 5}}\n", "link_loss_timeout")]
    [InlineData("controller:\n  four_cp: {months: [13], hours: [16]}\n", "controller.four_cp.months[0]: must be 1..12, got 13")]
    [InlineData("controller:\n  cycle_minutes: 0\n", "controller.cycle_minutes: must be in (0, 60]")]
    [InlineData("controller:\n  listen: https://127.0.0.1:8443\n", "site.yaml:7: controller.listen: an https URL needs controller.tls")]
    [InlineData("controller:\n  tls: {certificate: no-such-cert.pem}\n", "site.yaml:7: controller.tls.certificate: file not found")]
    [InlineData("controller:\n  auth: {max_failures: 0}\n", "site.yaml:7: controller.auth.max_failures: must be 1..1000, got 0")]
    [InlineData("controller:\n  auth: {window_seconds: NaN}\n", "site.yaml:7: controller.auth.window_seconds: must be a finite number, got 'NaN'")]
    [InlineData("controller:\n  auth: {lockout_seconds: 1e9}\n", "site.yaml:7: controller.auth.lockout_seconds: must be 1..86400, got 1000000000")]
    [InlineData("controller:\n  genset: {endpoint: 127.0.0.1:1502, load_following: {headroom: Infinity}}\n", "controller.genset.load_following.headroom: must be a finite number")]
    [InlineData("controller:\n  genset: {endpoint: 127.0.0.1:1502, poll_ms: 0}\n", "controller.genset.poll_ms: must be 50..60000, got 0")]
    [InlineData("controller:\n  retention_days: -Infinity\n", "site.yaml:7: controller.retention_days: must be a finite number")]
    [InlineData("controller:\n  prices: {base_url: \"http://127.0.0.1:1\", stale_after_minutes: 99999}\n", "controller.prices.stale_after_minutes: must be 1..1440, got 99999")]
    public void BadSettingsNameTheKeyAndLine(string controller, string expected)
    {
        var ex = Assert.Throws<InvalidInputException>(() => Parse(controller));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void TokensMayExpireAtAnIsoTimeWithItsOffset()
    {
        var env = new Dictionary<string, string> { ["A"] = "a-very-long-secret-token", ["B"] = "b-very-long-secret-token" };
        var c = Parse("""
            controller:
              tokens:
                - {name: temp, role: trader, token_env: A, expires: "2027-01-31T18:00:00-06:00"}
                - {name: ops, role: operator, token_env: B}
            """, env);
        Assert.Equal(new DateTimeOffset(2027, 2, 1, 0, 0, 0, TimeSpan.Zero), c.Tokens[0].Expires);
        Assert.Null(c.Tokens[1].Expires);
        var ex = Assert.Throws<InvalidInputException>(() => Parse("controller:\n  tokens: [{name: a, role: trader, token_env: A, expires: 2027-01-31}]\n", env));
        Assert.Contains("site.yaml:7: controller.tokens[0].expires: expected an ISO-8601 time with offset", ex.Message);
    }

    [Fact]
    public void TlsTakesAPemCertificateWithItsKeyAndRefusesAKeyThatDoesNotMatch()
    {
        var dir = Directory.CreateTempSubdirectory("curtail-tls-config-");
        try
        {
            var (cert, key) = TestCertificates.WritePem(dir.FullName, "api");
            var (_, otherKey) = TestCertificates.WritePem(dir.FullName, "other");
            var c = ControllerConfigParser.Parse(Site + $"controller:\n  listen: https://127.0.0.1:8443\n  tls: {{certificate: {cert}, key: {key}}}\n", "site.yaml", dir.FullName);
            Assert.Equal(cert, c.Tls!.CertificatePath);
            Assert.Equal(key, c.Tls.KeyPath);
            var mismatched = Assert.Throws<InvalidInputException>(() => ControllerConfigParser.Parse(
                Site + $"controller:\n  listen: https://127.0.0.1:8443\n  tls: {{certificate: {cert}, key: {otherKey}}}\n", "site.yaml", dir.FullName));
            Assert.Contains("site.yaml:8: controller.tls.certificate:", mismatched.Message);
            Assert.Contains("cannot load the TLS certificate", mismatched.Message);
            var plainHttp = Assert.Throws<InvalidInputException>(() => ControllerConfigParser.Parse(
                Site + $"controller:\n  listen: http://127.0.0.1:8080\n  tls: {{certificate: {cert}, key: {key}}}\n", "site.yaml", dir.FullName));
            Assert.Contains("controller.tls: needs an https listen URL", plainHttp.Message);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
