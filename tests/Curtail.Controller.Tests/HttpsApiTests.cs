using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using Curtail.Controller.Config;
using Curtail.Controller.Hosting;

namespace Curtail.Controller.Tests;

/// <summary>The API over HTTPS with a certificate from the config: a client that trusts it gets through, others do not.</summary>
public sealed class HttpsApiTests
{
    [Fact]
    public async Task TheApiAnswersOverHttpsWithTheConfiguredCertificate()
    {
        var dir = Directory.CreateTempSubdirectory("curtail-https-");
        using var certificate = TestCertificates.Create("curtail-test");
        var (certPath, keyPath) = TestCertificates.WritePem(dir.FullName, "api", certificate);
        const string token = "https-operator-token-0123456";
        Environment.SetEnvironmentVariable("HTTPS_TEST_O", token);
        await File.WriteAllTextAsync(Path.Combine(dir.FullName, "site.yaml"), $$$"""
            name: HTTPS test site
            settlement_point: HB_WEST
            economics: {hashprice: {usd_per_th_day: 0.07}}
            fleet: [{group: a, count: 10, hashrate_th: 100, power_w: 3000}]
            policy: {kind: threshold, curtail_above_usd_per_mwh: 100}
            controller:
              listen: https://127.0.0.1:0
              tls: {certificate: {{{certPath}}}, key: {{{keyPath}}}}
              storage: {sqlite: state.db}
              tokens: [{name: otto, role: operator, token_env: HTTPS_TEST_O}]
            """);
        var app = ControllerHost.Build(ControllerConfigParser.Load(Path.Combine(dir.FullName, "site.yaml")));
        await app.StartAsync();
        try
        {
            var url = new Uri(app.Urls.First());
            Assert.Equal("https", url.Scheme);
            using var trusting = new HttpClient(new HttpClientHandler
            {
                // Trusts exactly the test's certificate, as a site would pin its own self-signed one.
                ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented is not null && presented.Thumbprint == certificate.Thumbprint,
            }) { BaseAddress = url };
            Assert.Equal(HttpStatusCode.OK, (await trusting.GetAsync("/api/status")).StatusCode);
            var put = new HttpRequestMessage(HttpMethod.Put, "/api/trading") { Content = new StringContent("""{"curtail_above_usd_per_mwh": 140}""", System.Text.Encoding.UTF8, "application/json") };
            put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            Assert.Equal(HttpStatusCode.OK, (await trusting.SendAsync(put)).StatusCode);
            Assert.Contains("\"curtail_above_usd_per_mwh\":140", await trusting.GetStringAsync("/api/status"));

            using var untrusting = new HttpClient { BaseAddress = url };
            await Assert.ThrowsAsync<HttpRequestException>(() => untrusting.GetAsync("/api/status"));
            using var plain = new HttpClient { BaseAddress = new UriBuilder(url) { Scheme = "http" }.Uri };
            await Assert.ThrowsAnyAsync<Exception>(() => plain.GetStringAsync("/api/status"));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            dir.Delete(recursive: true);
        }
    }
}
