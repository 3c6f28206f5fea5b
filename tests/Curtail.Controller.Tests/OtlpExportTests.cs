using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Curtail.Controller.Config;
using Curtail.Controller.Hosting;

namespace Curtail.Controller.Tests;

/// <summary>The controller exports its metrics and cycle traces over OTLP/HTTP to a receiver on loopback.</summary>
public class OtlpExportTests
{
    [Fact]
    public async Task MetricsAndTracesReachAnOtlpReceiver()
    {
        var port = FreePort();
        using var receiver = new HttpListener();
        receiver.Prefixes.Add($"http://127.0.0.1:{port}/");
        receiver.Start();
        var received = new ConcurrentBag<(string Path, string ContentType, int Bytes)>();
        var serving = Task.Run(async () =>
        {
            while (receiver.IsListening)
            {
                HttpListenerContext ctx;
                try { ctx = await receiver.GetContextAsync(); }
                catch (Exception) { return; }
                using var body = new MemoryStream();
                await ctx.Request.InputStream.CopyToAsync(body);
                received.Add((ctx.Request.Url!.AbsolutePath, ctx.Request.ContentType ?? "", (int)body.Length));
                ctx.Response.StatusCode = 200;
                ctx.Response.Close();
            }
        });

        var dir = Path.Combine(Path.GetTempPath(), "curtail-otlp-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var token = "otlp-operator-token-0123456789";
        await File.WriteAllTextAsync(Path.Combine(dir, "token"), token);
        await File.WriteAllTextAsync(Path.Combine(dir, "site.yaml"), $$$"""
            name: OTLP test
            settlement_point: HB_WEST
            economics: {hashprice: {usd_per_th_day: 0.07}}
            fleet: [{group: a, count: 10, hashrate_th: 100, power_w: 3000}]
            policy: {kind: threshold, curtail_above_usd_per_mwh: 100}
            controller:
              listen: http://127.0.0.1:0
              storage: {sqlite: state.db}
              tokens: [{name: ops, role: operator, token_file: token}]
              telemetry: {otlp_endpoint: "http://127.0.0.1:{{{port}}}", protocol: http, export_interval_seconds: 1}
            """);
        var app = ControllerHost.Build(ControllerConfigParser.Load(Path.Combine(dir, "site.yaml")));
        await app.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            var cycle = new HttpRequestMessage(HttpMethod.Post, "/api/cycle");
            cycle.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            Assert.True((await http.SendAsync(cycle)).IsSuccessStatusCode);
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (waited.Elapsed < TimeSpan.FromSeconds(20) && !(received.Any(r => r.Path == "/v1/metrics") && received.Any(r => r.Path == "/v1/traces")))
                await Task.Delay(200);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            receiver.Stop();
        }
        Assert.Contains(received, r => r.Path == "/v1/metrics" && r.ContentType.Contains("protobuf") && r.Bytes > 0);
        Assert.Contains(received, r => r.Path == "/v1/traces" && r.ContentType.Contains("protobuf") && r.Bytes > 0);
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
