using System.Globalization;
using System.IO.Compression;
using System.Text.Json;

namespace Curtail.Cli.Tests;

public class SimulateCommandTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task DefaultRunPrintsTheSummaryAsJsonWithEveryField()
    {
        var r = await CliRunner.Run("simulate", "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        var j = doc.RootElement;
        foreach (var field in new[] { "intervals", "energy_mwh", "curtailed_mwh", "uptime_fraction", "transitions", "hash_revenue_usd",
                     "energy_cost_usd", "profit_usd", "always_on_profit_usd", "oracle_profit_usd", "capture_ratio" })
            Assert.True(j.TryGetProperty(field, out _), $"missing {field}");
        Assert.Equal(35040, j.GetProperty("intervals").GetInt32());
        var profit = j.GetProperty("profit_usd").GetDouble();
        var alwaysOn = j.GetProperty("always_on_profit_usd").GetDouble();
        var oracle = j.GetProperty("oracle_profit_usd").GetDouble();
        Assert.Equal(j.GetProperty("hash_revenue_usd").GetDouble() - j.GetProperty("energy_cost_usd").GetDouble(), profit, 6);
        Assert.Equal((profit - alwaysOn) / (oracle - alwaysOn), j.GetProperty("capture_ratio").GetDouble(), 9);
        Assert.True(alwaysOn < profit && profit <= oracle, $"expected always-on {alwaysOn} < threshold {profit} <= oracle {oracle} in 2023");
    }

    /// <summary>
    /// Always-on over the shipped 2023 HB_WEST data, recomputed from the raw gzip CSVs with nothing but the formulas of
    /// the issue: cost = P·h·(price + adder), revenue = H·hashprice(UTC date)·h/24·(1 − fee). Must agree to 0.01%.
    /// </summary>
    [Fact]
    public async Task AlwaysOnAgreesWithAnIndependentRecomputationOnRealData()
    {
        var r = await CliRunner.Run("simulate", "--json", "--policy", "always_on");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        var j = doc.RootElement;

        var hashprice = new Dictionary<string, double>();
        foreach (var line in ReadGzipLines(Path.Combine(CliRunner.DataDir, "bitcoin", "hashprice_daily.csv.gz")).Skip(1))
        {
            var f = line.Split(',');
            hashprice[f[0]] = double.Parse(f[^1], CultureInfo.InvariantCulture);
        }
        // The default site: adder 6.5, pool fee 0.02; 1200 x (100 TH, 3050 W), 800 x (140 TH, 3010 W), 500 x (200 TH, 3500 W).
        const double mw = (1200 * 3050 + 800 * 3010 + 500 * 3500) / 1e6;
        const double th = 1200 * 100 + 800 * 140 + 500 * 200;
        double revenue = 0, cost = 0;
        var n = 0;
        foreach (var line in ReadGzipLines(Path.Combine(CliRunner.DataDir, "ercot", "rtm_spp_hubs_15min_2023.csv.gz")).Skip(1))
        {
            var f = line.Split(',');
            if (f[2] != "HB_WEST") continue;
            var price = double.Parse(f[3], CultureInfo.InvariantCulture);
            cost += mw * 0.25 * (price + 6.5);
            revenue += th * hashprice[f[0][..10]] * 0.25 / 24 * (1 - 0.02);
            n++;
        }
        Assert.Equal(n, j.GetProperty("intervals").GetInt32());
        Assert.Equal(revenue, j.GetProperty("hash_revenue_usd").GetDouble(), revenue * 1e-4);
        Assert.Equal(cost, j.GetProperty("energy_cost_usd").GetDouble(), cost * 1e-4);
        Assert.Equal(revenue - cost, j.GetProperty("always_on_profit_usd").GetDouble(), Math.Abs(revenue - cost) * 1e-4);
    }

    [Fact]
    public async Task TableOutputShowsThePolicyAlwaysOnOracleAndCaptureRatio()
    {
        var r = await CliRunner.Run("simulate", "--from", "2023-08-01", "--to", "2023-09-01");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("threshold", r.Out);
        Assert.Contains("always_on", r.Out);
        Assert.Contains("oracle", r.Out);
        Assert.Contains("capture ratio:", r.Out);
        Assert.Contains("2,976 intervals", r.Out);
    }

    [Fact]
    public async Task OutWritesTheIntervalCsvAndASelfContainedHtmlReport()
    {
        var dir = CliRunner.TempDir();
        var r = await CliRunner.Run("simulate", "--from", "2023-08-15", "--to", "2023-08-20", "--out", dir, "--json");
        Assert.Equal(0, r.ExitCode);
        var csv = File.ReadAllLines(Path.Combine(dir, "intervals.csv"));
        Assert.Equal(5 * 96 + 1, csv.Length);
        Assert.StartsWith("interval_start_utc,interval_start_local,price_usd_per_mwh", csv[0]);
        var html = File.ReadAllText(Path.Combine(dir, "report.html"));
        // Daily band, site load, cumulative profit, and one detail chart per day (5 days), each inside its <details>.
        Assert.Equal(3 + 5, CountOf(html, "<svg"));
        Assert.Equal(5, CountOf(html, "<details>"));
        Assert.Contains("min, mean, max", html);
        Assert.Contains("<tr><td>2023-08</td>", html);
        Assert.Contains("Cumulative profit", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", ""));
        // The last cumulative profit in the CSV is the profit of the JSON summary.
        using var doc = JsonDocument.Parse(r.Out);
        var cumulative = double.Parse(csv[^1].Split(',')[9], CultureInfo.InvariantCulture);
        Assert.Equal(doc.RootElement.GetProperty("profit_usd").GetDouble(), cumulative, 0.01);
    }

    [Fact]
    public async Task TheReportBreaksTheWindowDownByMonthAndDrawsTheHardCap()
    {
        var dir = CliRunner.TempDir();
        // The shipped default site has a hard cap.
        var r = await CliRunner.Run("simulate", "--from", "2023-07-01", "--to", "2023-09-01", "--out", dir, "--json");
        Assert.True(r.ExitCode == 0, r.Err);
        var html = File.ReadAllText(Path.Combine(dir, "report.html"));
        Assert.Contains("<tr><td>2023-07</td>", html);
        Assert.Contains("<tr><td>2023-08</td>", html);
        Assert.Contains("hard cap", html);
        Assert.Equal(62, CountOf(html, "<details>"));
        // The monthly profits add up to the window's profit.
        var months = System.Text.RegularExpressions.Regex.Matches(html, @"<tr><td>2023-0[78]</td><td>(-?)\$([\d,]+)</td>")
            .Sum(m => (m.Groups[1].Value == "-" ? -1 : 1) * double.Parse(m.Groups[2].Value.Replace(",", ""), CultureInfo.InvariantCulture));
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal(doc.RootElement.GetProperty("profit_usd").GetDouble(), months, 2.0);
    }

    [Fact]
    public async Task AUserPriceFileAndSiteFileAreUsed()
    {
        var dir = CliRunner.TempDir();
        var prices = Path.Combine(dir, "prices.csv");
        var lines = new List<string> { "interval_start_utc,interval_start_local,settlement_point,spp" };
        var t0 = new DateTimeOffset(2023, 6, 1, 5, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 96; i++)
        {
            var t = t0.AddMinutes(15 * i);
            var local = t.ToOffset(TimeSpan.FromHours(-5));
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{t:yyyy-MM-ddTHH:mm}Z,{local:yyyy-MM-ddTHH:mm}-05:00,HB_NORTH,{(i is >= 60 and < 70 ? 800 : 30)}"));
        }
        File.WriteAllLines(prices, lines);
        var site = Path.Combine(dir, "site.yaml");
        File.WriteAllText(site, """
            name: tiny
            settlement_point: HB_NORTH
            economics: {hashprice: {usd_per_th_day: 0.05}}
            fleet: [{group: a, count: 10, hashrate_th: 100, power_w: 3000}]
            policy: {kind: threshold, curtail_above_usd_per_mwh: 100}
            """);
        var r = await CliRunner.Run("simulate", "--site", site, "--prices", prices, "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal(96, doc.RootElement.GetProperty("intervals").GetInt32());
        Assert.Equal(2, doc.RootElement.GetProperty("transitions").GetInt32());
        Assert.Equal("HB_NORTH", doc.RootElement.GetProperty("settlement_point").GetString());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("dr_credits_usd").ValueKind); // enrolled in nothing

        // Enrolled in ECRS: capacity credits over the window's 24 hours, the model the controller's money panel uses.
        File.AppendAllText(site, "\ndemand_response: [{program: ecrs, capacity_mw: 0.5, credit_usd_per_mw_hour: 5}]\n");
        var enrolled = await CliRunner.Run("simulate", "--site", site, "--prices", prices, "--json");
        Assert.True(enrolled.ExitCode == 0, enrolled.Err);
        Assert.Equal(0.5 * 5 * 24, JsonDocument.Parse(enrolled.Out).RootElement.GetProperty("dr_credits_usd").GetDouble(), 6);
        var table = await CliRunner.Run("simulate", "--site", site, "--prices", prices);
        Assert.Contains("DR credits: $60 over 24 h enrolled (ecrs 0.5 MW × $5/MW-h), not in profit", table.Out);
        // A program ERCOT does not have is refused with the key and line.
        File.WriteAllText(site, File.ReadAllText(site).Replace("program: ecrs", "program: ers-60"));
        var bad = await CliRunner.Run("simulate", "--site", site, "--prices", prices);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("demand_response[0].program: must be one of ers-10, ers-30, ecrs, rrs, got 'ers-60'", bad.Err);
    }

    [Fact]
    public async Task TheTableFitsEightyColumnsOverAFullYearWithDrCredits()
    {
        var dir = CliRunner.TempDir();
        var site = Path.Combine(dir, "site.yaml");
        var repo = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(repo.FullName, "simulations", "sites", "default.yaml"))) repo = repo.Parent!;
        File.WriteAllText(site, File.ReadAllText(Path.Combine(repo.FullName, "simulations", "sites", "default.yaml"))
            + "\ndemand_response: [{program: ecrs, capacity_mw: 2.5, credit_usd_per_mw_hour: 4.2}, {program: ers-30, capacity_mw: 1, credit_usd_per_mw_hour: 9}]\n");
        CliResult r;
        using (Commands.Terminal.AsTerminal(80))
            r = await CliRunner.Run("simulate", "--site", site, "--from", "2021-01-01", "--to", "2022-01-01");
        Assert.True(r.ExitCode == 0, r.Err);
        output.WriteLine(r.Out);
        var lines = r.Out.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.All(lines, l => Assert.True(l.Length <= 80, $"{l.Length} columns: {l}"));
        var header = lines.First(l => l.Contains("policy", StringComparison.Ordinal) && l.Contains("profit", StringComparison.Ordinal));
        foreach (var title in new[] { "revenue", "cost", "profit", "curt MWh", "uptime", "switches" }) Assert.Contains(title, header);
        Assert.Contains(lines, l => l.Contains("always_on", StringComparison.Ordinal) && l.Contains('$'));
        Assert.Contains(lines, l => l.Contains("DR credits:", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--from", "2023-02-30")]
    [InlineData("--policy", "magic")]
    public async Task BadOptionsExitWithTwo(string option, string value)
    {
        var r = await CliRunner.Run("simulate", option, value);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(value, r.Err);
    }

    [Fact]
    public async Task ABadSiteFileExitsWithTwoAndNamesTheKeyAndLine()
    {
        var dir = CliRunner.TempDir();
        var site = Path.Combine(dir, "bad.yaml");
        File.WriteAllText(site, "name: x\nsettlement_point: HB_WEST\neconomics: {hashprice: {usd_per_th_day: 0.05}}\nfleet: [{group: a, count: -4, hashrate_th: 100, power_w: 3000}]\npolicy: {kind: always_on}\n");
        var r = await CliRunner.Run("simulate", "--site", site);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("bad.yaml:4: fleet[0].count: must not be negative, got -4", r.Err);
    }

    [Fact]
    public async Task ACorruptPriceFileIsRefusedWithFileAndLine()
    {
        var dir = CliRunner.TempDir();
        var prices = Path.Combine(dir, "p.csv");
        File.WriteAllLines(prices, ["interval_start_utc,interval_start_local,settlement_point,spp",
            "2023-06-01T05:00Z,2023-06-01T00:00-05:00,HB_WEST,30", "2023-06-01T05:15Z,2023-06-01T00:15-05:00,HB_WEST,abc",
            "2023-06-01T05:30Z,2023-06-01T00:30-05:00,HB_WEST,30"]);
        var r = await CliRunner.Run("simulate", "--prices", prices);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("p.csv:3", r.Err);
    }

    [Fact]
    public async Task FromAfterToIsBadInput()
    {
        var r = await CliRunner.Run("simulate", "--from", "2023-05-01", "--to", "2023-04-01");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--to is exclusive", r.Err);
    }

    private static int CountOf(string s, string what) => (s.Length - s.Replace(what, "").Length) / what.Length;

    private static IEnumerable<string> ReadGzipLines(string path)
    {
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        while (reader.ReadLine() is { } line) yield return line;
    }
}
