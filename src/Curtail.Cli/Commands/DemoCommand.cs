using System.CommandLine;
using System.Globalization;
using Curtail.Demo;
using Curtail.Core;

namespace Curtail.Cli.Commands;

/// <summary>
/// `curtail demo`: an emulated site (miners, genset), the ERCOT emulator replaying a day with a price spike in
/// accelerated time, and the controller with its dashboard on 127.0.0.1.
/// </summary>
public sealed class DemoCommand : ICliCommand
{
    public Command Build()
    {
        var start = new Option<string>("--start") { Description = "Replay start, Central Prevailing Time, YYYY-MM-DDTHH:MM or YYYY-MM-DD (the default is before that evening's HB_WEST spike, with 5-minute SCED LMPs; 2024-08-20T18:30 is another 2024 spike; 2023-08-17T11:00 and 2021-02-15T00:00 (Uri) replay settled prices only).", DefaultValueFactory = _ => "2024-05-08T16:30" };
        var speed = new Option<double>("--speed") { Description = "How many times faster than real time (120: an hour every 30 s).", DefaultValueFactory = _ => 120 };
        var miners = new Option<int>("--miners") { Description = "Number of emulated miners (a few MW).", DefaultValueFactory = _ => DemoOptions.DefaultMiners };
        var mix = new Option<string>("--mix") { Description = "Share of each firmware family.", DefaultValueFactory = _ => DemoOptions.DefaultMix };
        var minerPort = new Option<int>("--miner-base-port") { Description = "Miner i listens on base+i; second APIs follow the main ports.", DefaultValueFactory = _ => 27000 };
        var port = new Option<int>("--port") { Description = "Dashboard port on 127.0.0.1 (default 8080).", DefaultValueFactory = _ => 8080 };
        var minutes = new Option<double?>("--minutes") { Description = "Stop after this many real minutes (default: run until Ctrl+C)." };
        var curtailAbove = new Option<double>("--curtail-above") { Description = "The site's curtail strike in $/MWh (default 1000).", DefaultValueFactory = _ => 1000 };
        var resumeBelow = new Option<double>("--resume-below") { Description = "The site's resume strike in $/MWh (default 300).", DefaultValueFactory = _ => 300 };
        var command = new Command("demo", "Run an emulated site, the ERCOT emulator and the controller with its dashboard.");
        foreach (var o in new Option[] { start, speed, miners, mix, minerPort, port, minutes, curtailAbove, resumeBelow }) command.Options.Add(o);
        command.SetAction(async (p, ct) =>
        {
            if (!DateTime.TryParseExact(p.GetValue(start)!, ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
                throw new InvalidInputException("--start", null, $"'{p.GetValue(start)}' is not a time (YYYY-MM-DDTHH:MM or YYYY-MM-DD, Central Prevailing Time)");
            var startUtc = Core.Time.CentralPrevailingTime.LocalToUtc(DateOnly.FromDateTime(local), local.Hour, local.Minute, false);
            if (p.GetValue(speed) is <= 0 or > 3600) throw new InvalidInputException("--speed", null, "must be in (0, 3600]");
            if (p.GetValue(miners) is < 1 or > 10000) throw new InvalidInputException("--miners", null, "must be 1..10000");
            if (p.GetValue(resumeBelow) > p.GetValue(curtailAbove)) throw new InvalidInputException("--resume-below", null, "must not be above --curtail-above");
            var output = p.InvocationConfiguration.Output;
            await using var demo = await DemoSite.StartAsync(new DemoOptions
            {
                Start = startUtc, Speed = p.GetValue(speed), Miners = p.GetValue(miners), Port = p.GetValue(port),
                Mix = p.GetValue(mix)!, MinerBasePort = p.GetValue(minerPort),
                CurtailAboveUsdPerMwh = p.GetValue(curtailAbove), ResumeBelowUsdPerMwh = p.GetValue(resumeBelow),
            }, ct);
            var families = string.Join(", ", demo.Fleet.Miners.GroupBy(m => m.Family).Select(g => $"{g.Count()} {g.Key}"));
            output.WriteLine($"Curtail demo: {demo.Fleet.Miners.Count} emulated miners ({families}; {demo.Fleet.Miners.Sum(m => m.Model.NominalW) / 1e6:0.00} MW), genset on 127.0.0.1:{demo.Genset.Port}, ERCOT emulator at {demo.Ercot.BaseUrl}");
            output.WriteLine($"replaying HB_WEST from {p.GetValue(start)} CPT at {p.GetValue(speed)}x; operator token: {demo.OperatorToken}");
            output.WriteLine($"dashboard: {demo.DashboardUrl}");
            var limit = p.GetValue(minutes) is { } m ? TimeSpan.FromMinutes(m) : Timeout.InfiniteTimeSpan;
            try
            {
                await Task.Delay(limit, ct);
            }
            catch (OperationCanceledException)
            {
            }
            output.WriteLine($"stopped at {demo.LocalNow:yyyy-MM-dd HH:mm} CPT (replay time)");
            return CurtailApp.ExitOk;
        });
        return command;
    }
}
