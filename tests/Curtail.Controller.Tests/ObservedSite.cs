using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using Curtail.Controller.Config;
using Curtail.Controller.Hosting;
using Curtail.Emulators.Miners;
using Curtail.Miners;
using Curtail.Miners.Fleet;
using Microsoft.AspNetCore.Builder;

namespace Curtail.Controller.Tests;

/// <summary>
/// A controller driving a few emulated miners over loopback, with a trader token: enough for a cycle that sends real
/// commands, whose audit rows, metrics and API records the observability tests read.
/// </summary>
internal sealed class ObservedSite : IAsyncDisposable
{
    public const string TraderToken = "observed-trader-token-0123456789";
    public const string TokenVariable = "CURTAIL_OBSERVED_TRADER";
    public const string OperatorToken = "observed-operator-token-0123456789";
    public const string OperatorTokenVariable = "CURTAIL_OBSERVED_OPERATOR";

    private ObservedSite(MinerFleetEmulator fleet, WebApplication app, string dir)
    {
        Fleet = fleet;
        App = app;
        Dir = dir;
        Http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
    }

    public MinerFleetEmulator Fleet { get; }
    public WebApplication App { get; }
    public HttpClient Http { get; }
    public string Dir { get; }

    public static async Task<ObservedSite> StartAsync(int miners = 6, int seed = 5)
    {
        var dir = Directory.CreateTempSubdirectory("curtail-observed-").FullName;
        var fleet = new MinerFleetEmulator(new FleetEmulatorOptions { Count = miners, BasePort = FreePorts.Block(miners), Seed = seed }, TimeProvider.System);
        fleet.Start();
        var specs = fleet.Miners.Select(m => new MinerSpec($"{m.Endpoint.Host}:{m.Endpoint.Port}", m.Family, m.Endpoint, m.Model, m.Credentials)).ToList();
        await File.WriteAllTextAsync(Path.Combine(dir, "fleet.yaml"), FleetFile.Describe(specs));
        string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
        await File.WriteAllTextAsync(Path.Combine(dir, "site.yaml"), $$$"""
            name: Observed site
            settlement_point: HB_WEST
            economics: {hashprice: {usd_per_th_day: 0.05}}
            fleet: [{group: site, count: {{{miners}}}, hashrate_th: {{{F(fleet.Miners.Average(m => m.Model.NominalThs))}}}, power_w: {{{F(fleet.Miners.Average(m => m.Model.NominalW))}}}}]
            policy: {kind: threshold, curtail_above_usd_per_mwh: 150, resume_below_usd_per_mwh: 100}
            controller:
              listen: http://127.0.0.1:0
              storage: {sqlite: {{{Path.Combine(dir, "state.db")}}}}
              tokens:
                - {name: tina, role: trader, token_env: {{{TokenVariable}}}}
                - {name: olga, role: operator, token_env: {{{OperatorTokenVariable}}}}
              fleet: {{{Path.Combine(dir, "fleet.yaml")}}}
              cycle_minutes: 60
            """);
        Environment.SetEnvironmentVariable(TokenVariable, TraderToken);
        Environment.SetEnvironmentVariable(OperatorTokenVariable, OperatorToken);
        var app = ControllerHost.Build(ControllerConfigParser.Load(Path.Combine(dir, "site.yaml")));
        await app.StartAsync();
        var site = new ObservedSite(fleet, app, dir);
        await site.FirstCycleDoneAsync();
        return site;
    }

    /// <summary>The start-up cycle, done with its dispatch, so that what a test asks for next is decided by its own cycle.</summary>
    private async Task FirstCycleDoneAsync()
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            var decisions = System.Text.Json.JsonDocument.Parse(await Http.GetStringAsync("/api/decisions?limit=1")).RootElement;
            if (decisions.GetArrayLength() > 0 && decisions[0].GetProperty("expected_load_kw").ValueKind == System.Text.Json.JsonValueKind.Number) return;
            await Task.Delay(100);
        }
        throw new TimeoutException("the start-up cycle did not finish in 60 s");
    }

    /// <summary>Forces the site to curtail (the trader's override), which runs a cycle that puts every miner to sleep.</summary>
    public async Task<HttpResponseMessage> ForceCurtailAsync()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/overrides")
        {
            Content = JsonContent.Create(new { mode = "force_curtail", minutes = 30, reason = "observability test" }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TraderToken);
        return await Http.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        await Fleet.DisposeAsync();
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}
