using System.CommandLine;
using Curtail.Controller.Config;
using Curtail.Controller.Hosting;
using Curtail.Emulators.Miners;
using Curtail.Miners.Fleet;
using Microsoft.Extensions.Hosting;

namespace Curtail.Cli.Commands;

/// <summary>`curtail run --config site.yaml`: the long-running site controller (API, dashboard, scheduler).</summary>
public sealed class RunCommand : ICliCommand
{
    public Command Build()
    {
        var config = new Option<string>("--config") { Description = "Site file with a `controller:` section (docs/controller.md).", Required = true };
        var command = new Command("run", "Run the site controller: price and genset polls, the decision cycle, the API and the dashboard.");
        var noRehearsal = new Option<bool>("--no-rehearsal")
        {
            Description = "Start without rehearsing the shed path on emulated miners first (docs/miners.md, \"The start-up rehearsal\")",
        };
        command.Options.Add(config);
        command.Options.Add(noRehearsal);
        command.SetAction(async (p, ct) =>
        {
            var cfg = ControllerConfigParser.Load(p.GetValue(config)!);
            FleetFile? fleet = null;
            if (cfg.FleetFile is { } fleetFile && !p.GetValue(noRehearsal))
            {
                // Before the first cycle, so that the first real shed runs compiled code and never shares the CPU with this.
                fleet = FleetFile.Load(fleetFile);
                var rehearsal = await ShedRehearsal.RunAsync(fleet.Miners.Select(m => m.Family), new DispatchOptions().MaxConcurrentCommands, ct);
                p.InvocationConfiguration.Output.WriteLine(rehearsal.ToString());
            }
            var time = cfg.Time is { } t ? new AcceleratedTimeProvider(t.Start, t.Speed) : TimeProvider.System;
            // In a replay the market runs fast, but a real genset still answers in real seconds: its link is judged on the real clock.
            await using var app = ControllerHost.Build(cfg, new ControllerHostOptions { Time = time, DeviceTime = cfg.Time is null ? null : TimeProvider.System, Fleet = fleet });
            await app.StartAsync(ct);
            p.InvocationConfiguration.Output.WriteLine($"Curtail controller for {cfg.Site.Name}: dashboard and API at {string.Join(", ", app.Urls)}");
            await app.WaitForShutdownAsync(ct);
            return CurtailApp.ExitOk;
        });
        return command;
    }
}
