using System.Text.Json;
using Curtail.Controller.Config;
using Curtail.Controller.Hosting;

namespace Curtail.Cli.Tests;

public sealed class ControllerClientCommandTests : IAsyncLifetime
{
    private const string Token = "cli-operator-token-0123456789";
    private Microsoft.AspNetCore.Builder.WebApplication _app = null!;
    private string _url = null!;
    private string _dir = null!;

    public async Task InitializeAsync()
    {
        var dir = _dir = CliRunner.TempDir();
        var config = Path.Combine(dir, "site.yaml");
        await File.WriteAllTextAsync(config, """
            name: CLI client test
            settlement_point: HB_WEST
            economics: {hashprice: {usd_per_th_day: 0.07}}
            fleet: [{group: a, count: 10, hashrate_th: 100, power_w: 3000}]
            policy: {kind: threshold, curtail_above_usd_per_mwh: 100}
            controller:
              listen: http://127.0.0.1:0
              storage: {sqlite: state.db}
              tokens: [{name: cli-ops, role: operator, token_file: token.txt}]
            """);
        await File.WriteAllTextAsync(Path.Combine(dir, "token.txt"), Token);
        _app = ControllerHost.Build(ControllerConfigParser.Load(config));
        await _app.StartAsync();
        _url = _app.Urls.First();
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task TradersAndOperatorsCanDoFromTheCliWhatTheApiOffers()
    {
        var set = await CliRunner.Run("trading", "set", "--curtail-above", "130", "--resume-below", "90", "--url", _url, "--token", Token);
        Assert.Equal(0, set.ExitCode);
        var status = await CliRunner.Run("status", "--url", _url);
        Assert.Equal(0, status.ExitCode);
        var trading = JsonDocument.Parse(status.Out).RootElement.GetProperty("trading");
        Assert.Equal(130, trading.GetProperty("curtail_above_usd_per_mwh").GetDouble());
        Assert.Equal(90, trading.GetProperty("resume_below_usd_per_mwh").GetDouble());

        Assert.Equal(0, (await CliRunner.Run("trading", "override", "--mode", "force_curtail", "--minutes", "15", "--reason", "test", "--url", _url, "--token", Token)).ExitCode);
        Assert.Equal(0, (await CliRunner.Run("events", "dispatch", "--program", "ers-30", "--reduction-mw", "0.01", "--id", "cli-ers", "--url", _url, "--token", Token)).ExitCode);
        var events = await CliRunner.Run("events", "list", "--url", _url);
        Assert.Contains("cli-ers", events.Out);
        Assert.Equal(0, (await CliRunner.Run("events", "release", "cli-ers", "--url", _url, "--token", Token)).ExitCode);
        Assert.Equal(0, (await CliRunner.Run("trading", "clear-override", "--url", _url, "--token", Token)).ExitCode);
    }

    [Fact]
    public async Task TestDispatchesAreFlaggedAndAnEventsTraceIsShownAsATableOrJson()
    {
        Assert.Equal(0, (await CliRunner.Run("events", "dispatch", "--program", "ers-10", "--target-mw", "0", "--id", "cli-drill", "--test", "--url", _url, "--token", Token)).ExitCode);
        Assert.Equal(0, (await CliRunner.Run("events", "dispatch", "--program", "ecrs", "--target-mw", "0", "--id", "cli-real", "--url", _url, "--token", Token)).ExitCode);
        var list = await CliRunner.Run("events", "list", "--url", _url);
        Assert.Equal(0, list.ExitCode);
        var flags = JsonDocument.Parse(list.Out).RootElement.EnumerateArray()
            .ToDictionary(x => x.GetProperty("event").GetProperty("id").GetString()!, x => x.GetProperty("event").GetProperty("test").GetBoolean());
        Assert.True(flags["cli-drill"]);
        Assert.False(flags["cli-real"]);

        var table = await CliRunner.Run("events", "trace", "cli-drill", "--url", _url);
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("cli-drill (ers10, TEST deployment)", table.Out);
        Assert.Contains("no minutes recorded yet", table.Out);
        // Minutes as the controller's recorder writes them, into the controller's own store file.
        var minute = new DateTimeOffset(2026, 7, 1, 18, 5, 0, TimeSpan.Zero);
        using (var store = Curtail.Controller.Storage.ControllerStore.Sqlite(Path.Combine(_dir, "state.db"), "cli-client-test"))
            store.SaveTraceMinute(new Curtail.Controller.DemandResponse.LoadTraceMinute("cli-drill", minute, 0.4567, 58, Curtail.Controller.DemandResponse.LoadTraceSource.Genset));
        var rows = await CliRunner.Run("events", "trace", "cli-drill", "--url", _url);
        Assert.Matches(@"2026-07-01 18:05\s*│\s*13:05\s*│\s*0\.457\s*│\s*58\s*│\s*genset", rows.Out);
        Assert.Contains("real deployment", (await CliRunner.Run("events", "trace", "cli-real", "--url", _url)).Out);
        var json = await CliRunner.Run("events", "trace", "cli-drill", "--json", "--url", _url);
        Assert.Equal(0, json.ExitCode);
        var trace = JsonDocument.Parse(json.Out).RootElement;
        Assert.Equal("cli-drill", trace.GetProperty("event").GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.Array, trace.GetProperty("minutes").ValueKind);

        var missing = await CliRunner.Run("events", "trace", "nope", "--url", _url);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("no event 'nope'", missing.Err);
    }

    [Fact]
    public async Task RefusalsComeBackAsBadInputWithTheServersReason()
    {
        var noToken = await CliRunner.Run("trading", "set", "--curtail-above", "130", "--url", _url);
        Assert.Equal(2, noToken.ExitCode);
        Assert.Contains("CURTAIL_TOKEN", noToken.Err);
        var wrong = await CliRunner.Run("trading", "set", "--curtail-above", "130", "--url", _url, "--token", "wrong-token-0123456789");
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("401", wrong.Err);
        var invalid = await CliRunner.Run("trading", "set", "--resume-below", "500", "--url", _url, "--token", Token);
        Assert.Equal(2, invalid.ExitCode);
        Assert.Contains("resume strike 500 is above the curtail strike", invalid.Err);
        var down = await CliRunner.Run("status", "--url", "http://127.0.0.1:1");
        Assert.Equal(1, down.ExitCode);
        Assert.Contains("cannot reach the controller", down.Err);
    }
}

public sealed class ControllerTablesTests : IAsyncLifetime
{
    private Microsoft.AspNetCore.Builder.WebApplication _app = null!;
    private string _url = null!;

    public async Task InitializeAsync()
    {
        var dir = CliRunner.TempDir();
        var config = Path.Combine(dir, "site.yaml");
        await File.WriteAllTextAsync(config, """
            name: CLI table test
            settlement_point: HB_WEST
            economics: {hashprice: {usd_per_th_day: 0.07}}
            fleet: [{group: a, count: 10, hashrate_th: 100, power_w: 3000}]
            policy: {kind: threshold, curtail_above_usd_per_mwh: 100}
            controller:
              listen: http://127.0.0.1:0
              storage: {sqlite: state.db}
            """);
        _app = ControllerHost.Build(ControllerConfigParser.Load(config));
        await _app.StartAsync();
        _url = _app.Urls.First();
        // The start-up cycle, so that there is a decision to show.
        using var http = new HttpClient();
        for (var i = 0; i < 300 && JsonDocument.Parse(await http.GetStringAsync(_url + "/api/decisions")).RootElement.GetArrayLength() == 0; i++) await Task.Delay(100);
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [Theory]
    [InlineData("status", "strikes")]
    [InlineData("decisions", "limited by")]
    [InlineData("events", "no demand-response events")]
    public async Task ATerminalGetsATableThatFitsEightyColumnsAndJsonOnRequest(string verb, string expected)
    {
        string[] args = verb == "events" ? ["events", "list", "--url", _url] : [verb, "--url", _url];
        CliResult table, json;
        using (Commands.Terminal.AsTerminal(80))
        {
            table = await CliRunner.Run(args);
            json = await CliRunner.Run([.. args, "--json"]);
        }
        Assert.Equal(0, table.ExitCode);
        Assert.Contains(expected, table.Out);
        Assert.DoesNotContain("{", table.Out);
        Assert.All(table.Out.Split('\n'), l => Assert.True(l.TrimEnd('\r').Length <= 80, l));
        Assert.Equal(0, json.ExitCode);
        JsonDocument.Parse(json.Out);
        Assert.DoesNotContain("\\u002B", json.Out);
        // Redirected output (a script) is JSON without asking.
        JsonDocument.Parse((await CliRunner.Run(args)).Out);
    }
}
