using System.Net.Http.Headers;
using System.Text.Json;
using Curtail.Controller.Config;
using Curtail.Controller.Hosting;
using Curtail.Core.Time;
using Curtail.Emulators.Ercot;
using Curtail.Ercot;
using Curtail.Ercot.Api;

namespace Curtail.Controller.Tests;

/// <summary>The site file's 4CP watch inside the running controller, on ERCOT's load forecast for August 2023 (from the emulator).</summary>
public sealed class FourCpWatchHostTests
{
    private const string Operator = "operator-token-4cp-0123456789";

    [Fact]
    public async Task TheControllerCurtailsTheLikelyPeakHourOfTheDayAndShowsWhy()
    {
        // The ERCOT emulator serves the shipped history, its native load as the seven-day load forecast.
        var time = new ManualTimeProvider(new DateTimeOffset(2023, 8, 10, 9, 0, 0, TimeSpan.FromHours(-5)));
        await using var ercot = new ErcotApiEmulator(ErcotEmulatorData.Load(ShippedData.Locate(), ["HB_WEST"]),
            new ErcotEmulatorOptions { StartUtc = time.GetUtcNow(), RequestsPerMinute = 1000 }, time);
        ercot.Start();
        var dir = Path.Combine(Path.GetTempPath(), "curtail-4cp-host-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var config = Path.Combine(dir, "site.yaml");
        await File.WriteAllTextAsync(config, """
            name: 4CP watch site
            settlement_point: HB_WEST
            economics: {hashprice: {usd_per_th_day: 0.07}}
            fleet: [{group: a, count: 100, hashrate_th: 100, power_w: 3000}]
            policy: {kind: threshold, curtail_above_usd_per_mwh: 5000}
            four_cp: {probability_threshold: 0.02, monthly_budget_hours: 12}
            controller:
              listen: http://127.0.0.1:0
              storage: {sqlite: state.db}
              tokens: [{name: otto, role: operator, token_env: CURTAIL_4CP_TEST_OPERATOR}]
              prices: {base_url: "ERCOT_URL"}
            """.Replace("ERCOT_URL", ercot.BaseUrl));
        Environment.SetEnvironmentVariable("CURTAIL_4CP_TEST_OPERATOR", Operator);
        // 2023-08-10, ERCOT's record demand that summer: find the hour the model likes best that day, then run a cycle in it.
        var app = ControllerHost.Build(ControllerConfigParser.Load(config), new ControllerHostOptions
        {
            Time = time, ErcotCredentials = new ErcotApiCredentials("emulator", "emulator", "emulator-key"),
        });
        await app.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            // The forecast is fetched by the first cycle; the status shows the day from it once it has arrived.
            JsonElement status = default;
            for (var i = 0; i < 200; i++)
            {
                status = JsonDocument.Parse(await http.GetStringAsync("/api/status")).RootElement.GetProperty("four_cp_watch");
                if (status.GetProperty("today").GetArrayLength() > 0) break;
                await Task.Delay(50);
            }
            Assert.Equal(JsonValueKind.Null, status.GetProperty("problem").ValueKind);
            var today = status.GetProperty("today").EnumerateArray()
                .Select(h => (Start: h.GetProperty("hour_start").GetDateTimeOffset(), P: h.GetProperty("probability").GetDouble())).ToList();
            Assert.Equal(24, today.Count);
            var likeliest = today.MaxBy(h => h.P);
            Assert.True(likeliest.P >= 0.02, $"likeliest hour {likeliest.Start:u} p {likeliest.P}");
            var local = CentralPrevailingTime.ToLocal(likeliest.Start);
            Assert.InRange(local.Hour, 14, 18); // summer peaks come in the late afternoon

            time.Advance(likeliest.Start.AddMinutes(5) - time.GetUtcNow());
            using var run = new HttpRequestMessage(HttpMethod.Post, "/api/cycle");
            run.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Operator);
            (await http.SendAsync(run)).EnsureSuccessStatusCode();

            // The cycle runs as a scheduler job after the request is accepted: wait for its record.
            JsonElement decision = default;
            for (var i = 0; i < 200; i++)
            {
                var recent = JsonDocument.Parse(await http.GetStringAsync("/api/decisions?limit=20")).RootElement.EnumerateArray()
                    .Where(d => d.GetProperty("trigger").GetString() == "api:otto").ToList();
                if (recent.Count > 0)
                {
                    decision = recent[0];
                    break;
                }
                await Task.Delay(50);
            }
            Assert.Equal(JsonValueKind.Object, decision.ValueKind);
            Assert.Equal("4cp", decision.GetProperty("limited_by").GetString());
            Assert.Equal(0, decision.GetProperty("target_kw").GetDouble());
            Assert.Contains(decision.GetProperty("limits").EnumerateArray(),
                l => l.GetProperty("detail").GetString()!.StartsWith("4CP watch: peak probability", StringComparison.Ordinal)
                     && l.GetProperty("detail").GetString()!.Contains("load from ERCOT's load forecast (NP3-565-CD)", StringComparison.Ordinal));
            var after = JsonDocument.Parse(await http.GetStringAsync("/api/status")).RootElement.GetProperty("four_cp_watch");
            Assert.Equal(1, after.GetProperty("used_hours_this_month").GetInt32());
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
