using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace Curtail.Cli.Tests;

public class ScedCommandTests
{
    private static readonly string[] Week = ["--from", "2024-01-14", "--to", "2024-01-21"];

    private static JsonElement Json(CliResult r)
    {
        Assert.True(r.ExitCode == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        return doc.RootElement.Clone();
    }

    [Fact]
    public async Task SimulateDecidesEveryFiveMinutesOnTheShippedScedData()
    {
        var sced = Json(await CliRunner.Run(["simulate", "--json", "--sced", .. Week]));
        var quarter = Json(await CliRunner.Run(["simulate", "--json", .. Week]));
        Assert.Equal(5, sced.GetProperty("decision_cadence_minutes").GetInt32());
        Assert.Equal(15, quarter.GetProperty("decision_cadence_minutes").GetInt32());
        Assert.Equal(JsonValueKind.Null, quarter.GetProperty("sced_missing_runs").ValueKind);
        Assert.True(sced.GetProperty("sced_missing_runs").GetInt32() >= 0);
        var intervals = sced.GetProperty("intervals").GetInt32();
        Assert.Equal(quarter.GetProperty("intervals").GetInt32(), intervals);
        Assert.Equal(3 * intervals, sced.GetProperty("decisions").GetInt32());

        // Same settlement: always-on books the same money on either clock; the oracle at 5 minutes is never worse.
        Assert.Equal(quarter.GetProperty("always_on_profit_usd").GetDouble(), sced.GetProperty("always_on_profit_usd").GetDouble(), 3);
        Assert.True(sced.GetProperty("oracle_profit_usd").GetDouble() >= quarter.GetProperty("oracle_profit_usd").GetDouble() - 1e-6);
        var profit = sced.GetProperty("profit_usd").GetDouble();
        var alwaysOn = sced.GetProperty("always_on_profit_usd").GetDouble();
        var oracle = sced.GetProperty("oracle_profit_usd").GetDouble();
        Assert.True(profit <= oracle);
        Assert.Equal((profit - alwaysOn) / (oracle - alwaysOn), sced.GetProperty("capture_ratio").GetDouble(), 9);
        Assert.NotEqual(quarter.GetProperty("profit_usd").GetDouble(), profit);

        var named = Json(await CliRunner.Run(["simulate", "--json", "--sced", "shipped", .. Week]));
        Assert.Equal(profit, named.GetProperty("profit_usd").GetDouble());
    }

    [Fact]
    public async Task Np6788CdFilesGiveTheSameBacktestAsTheTidyLayout()
    {
        // The shipped HB_WEST runs of 2024-01-15 (CPT) rewritten in ERCOT's NP6-788-CD layout, with a resource node's rows mixed in.
        var dir = CliRunner.TempDir();
        var csv = new StringBuilder("SCEDTimestamp,RepeatedHourFlag,SettlementPoint,LMP\n");
        foreach (var line in ReadGzipLines(Path.Combine(CliRunner.DataDir, "ercot", "sced_lmp_5min_hubs_2024.csv.gz")).Skip(1))
        {
            var f = line.Split(',');
            if (f[3] != "HB_WEST" || !f[0].StartsWith("2024-01-15", StringComparison.Ordinal)) continue;
            var local = DateTime.ParseExact(f[0], "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
            var stamp = local.ToString("MM/dd/yyyy HH:mm:ss", CultureInfo.InvariantCulture);
            csv.Append(CultureInfo.InvariantCulture, $"{stamp},{f[1]},HB_WEST,{f[4]}\n");
            csv.Append(CultureInfo.InvariantCulture, $"{stamp},{f[1]},AEEC_RN,12.34\n");
        }
        var path = Path.Combine(dir, "cdr.00012300.LMPSROSNODENP6788_20240115.csv");
        File.WriteAllText(path, csv.ToString());
        string[] day = ["--from", "2024-01-15", "--to", "2024-01-16"];
        var ercot = Json(await CliRunner.Run(["simulate", "--json", "--sced", path, .. day]));
        var tidy = Json(await CliRunner.Run(["simulate", "--json", "--sced", .. day]));
        Assert.Equal(5, ercot.GetProperty("decision_cadence_minutes").GetInt32());
        Assert.Equal(tidy.GetProperty("profit_usd").GetDouble(), ercot.GetProperty("profit_usd").GetDouble(), 6);
        Assert.Equal(tidy.GetProperty("transitions").GetInt32(), ercot.GetProperty("transitions").GetInt32());
    }

    [Fact]
    public async Task SweepRunsOnTheScedClock()
    {
        var r = Json(await CliRunner.Run(["sweep", "--json", "--sced", "--param", "policy.confirm_intervals=1:3:1", .. Week]));
        Assert.Equal(5, r.GetProperty("decision_cadence_minutes").GetInt32());
        var results = r.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(3, results.Count);
        // The default site confirms over 2 intervals: that grid point is the `simulate --sced` result.
        var single = Json(await CliRunner.Run(["simulate", "--json", "--sced", .. Week]));
        var two = results.Single(x => x.GetProperty("policy.confirm_intervals").GetDouble() == 2);
        Assert.Equal(single.GetProperty("profit_usd").GetDouble(), two.GetProperty("profit_usd").GetDouble(), 0.0051); // the sweep reports money to the cent
        Assert.Equal(single.GetProperty("oracle_profit_usd").GetDouble(), two.GetProperty("oracle_profit_usd").GetDouble(), 0.0051); // the sweep reports money to the cent
        var table = await CliRunner.Run(["sweep", "--sced", "--param", "policy.confirm_intervals=1:2:1", .. Week]);
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("decisions every 5 min", table.Out);
    }

    [Fact]
    public async Task AWindowWithoutScedRunsIsRefused()
    {
        var r = await CliRunner.Run("simulate", "--sced", "--from", "2023-07-01", "--to", "2023-07-02");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no HB_WEST SCED runs between 2023-07-01T05:00Z and 2023-07-02T05:00Z", r.Err);
    }

    [Fact]
    public async Task DayAheadFilesMustCoverTheWindow()
    {
        var dir = CliRunner.TempDir();
        var path = Path.Combine(dir, "dam.csv");
        File.WriteAllLines(path, ReadGzipLines(Path.Combine(CliRunner.DataDir, "ercot", "dam_spp_hourly_2024.csv.gz"))
            .Where((line, i) => i == 0 || line.StartsWith("2024-01-01,", StringComparison.Ordinal)));
        string[] window = ["--from", "2024-01-01", "--to", "2024-01-03"];
        var r = await CliRunner.Run(["simulate", "--dam", path, .. window]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--dam", r.Err);
        Assert.Contains("HB_WEST day-ahead prices", r.Err);
        Assert.Contains("missing for 24 h", r.Err);
        Assert.Contains("2024-01-02T06:00Z..2024-01-03T06:00Z (CPT 2024-01-02 00:00..2024-01-03 00:00)", r.Err);

        var covered = await CliRunner.Run(["simulate", "--json", "--dam", Path.Combine(CliRunner.DataDir, "ercot", "dam_spp_hourly_2024.csv.gz"), .. window]);
        Assert.Equal(0, covered.ExitCode);
    }

    [Fact]
    public async Task LoadFilesMustCoverTheWindow()
    {
        var dir = CliRunner.TempDir();
        var path = Path.Combine(dir, "load.csv");
        File.WriteAllLines(path, ReadGzipLines(Path.Combine(CliRunner.DataDir, "ercot", "native_load_hourly_2024.csv.gz")).Take(1 + 36));
        var r = await CliRunner.Run("simulate", "--load", path, "--from", "2024-01-01", "--to", "2024-01-03");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--load", r.Err);
        Assert.Contains("ERCOT native load", r.Err);
        Assert.Contains("missing for 12 h", r.Err);
        Assert.Contains("2024-01-02T18:00Z..2024-01-03T06:00Z", r.Err);
        var none = await CliRunner.Run("simulate", "--load");
        Assert.Equal(2, none.ExitCode);
    }

    private static IEnumerable<string> ReadGzipLines(string path)
    {
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        while (reader.ReadLine() is { } line) yield return line;
    }
}
