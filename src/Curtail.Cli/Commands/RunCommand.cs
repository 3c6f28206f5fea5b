using System.CommandLine;
using Curtail.Controller.Config;
using Curtail.Controller.Hosting;
using Microsoft.Extensions.Hosting;

namespace Curtail.Cli.Commands;

/// <summary>`curtail run --config site.yaml`: the long-running site controller (API, dashboard, scheduler).</summary>
public sealed class RunCommand : ICliCommand
{
    public Command Build()
    {
        var config = new Option<string>("--config") { Description = "Site file with a `controller:` section (docs/controller.md).", Required = true };
        var command = new Command("run", "Run the site controller: price and genset polls, the decision cycle, the API and the dashboard.");
        command.Options.Add(config);
        command.SetAction(async (p, ct) =>
        {
            var cfg = ControllerConfigParser.Load(p.GetValue(config)!);
            var time = cfg.Time is { } t ? new AcceleratedTimeProvider(t.Start, t.Speed) : TimeProvider.System;
            // In a replay the market runs fast, but a real genset still answers in real seconds: its link is judged on the real clock.
            await using var app = ControllerHost.Build(cfg, new ControllerHostOptions { Time = time, DeviceTime = cfg.Time is null ? null : TimeProvider.System });
            await app.StartAsync(ct);
            p.InvocationConfiguration.Output.WriteLine($"Curtail controller for {cfg.Site.Name}: dashboard and API at {string.Join(", ", app.Urls)}");
            await app.WaitForShutdownAsync(ct);
            return CurtailApp.ExitOk;
        });
        return command;
    }
}
