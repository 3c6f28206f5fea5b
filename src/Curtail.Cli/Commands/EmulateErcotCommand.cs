using System.CommandLine;
using Curtail.Core;
using Curtail.Core.Prices;
using Curtail.Emulators.Ercot;

namespace Curtail.Cli.Commands;

/// <summary>`curtail emulate ercot`: the ERCOT Public API on loopback, serving the shipped history, until Ctrl+C.</summary>
public sealed class EmulateErcotCommand : ICliCommand
{
    public string? Parent => "emulate";
    public string? ParentDescription => "Run device emulators (real network servers on loopback)";

    public Command Build()
    {
        var port = new Option<int>("--port") { Description = "TCP port on 127.0.0.1 (0 = any free port).", DefaultValueFactory = _ => 8087 };
        var data = ForecastOptions.Data();
        var start = new Option<string?>("--start") { Description = "Emulated time at start (ISO-8601 or CPT wall time). Default: 2023-08-17 12:00 CPT." };
        var speed = new Option<double>("--speed") { Description = "Emulated seconds per real second (24 = a day an hour).", DefaultValueFactory = _ => 1 };
        var points = new Option<string[]>("--points") { Description = "Settlement points to serve.", DefaultValueFactory = _ => ["HB_WEST", "HB_NORTH"], AllowMultipleArgumentsPerToken = true };
        var command = new Command("ercot", "Emulate the ERCOT Public API (NP6-905-CD, NP6-788-CD, NP4-190-CD, archive, token) over the shipped history.");
        foreach (var o in new Option[] { port, data, start, speed, points }) command.Options.Add(o);
        command.SetAction(async (p, ct) =>
        {
            var output = p.InvocationConfiguration.Output;
            var portValue = p.GetValue(port);
            if (portValue is < 0 or > 65535) throw new InvalidInputException("--port", null, $"{portValue} is not 0..65535");
            if (p.GetValue(speed) is <= 0 or > 1_000_000) throw new InvalidInputException("--speed", null, "must be positive (at most 1e6)");
            var pointList = p.GetValue(points)!;
            foreach (var pt in pointList)
                if (!SettlementPoints.IsKnown(pt)) throw new InvalidInputException("--points", null, $"unknown settlement point '{pt}'");
            var startUtc = p.GetValue(start) is { } s ? ForecastOptions.Instant(s, "--start") : ForecastOptions.Instant("2023-08-17 12:00", "--start");
            var emulatorData = ErcotEmulatorData.Load(ForecastOptions.Locate(p.GetValue(data)), pointList);
            var options = new ErcotEmulatorOptions { Port = portValue, StartUtc = startUtc, Speed = p.GetValue(speed) };
            await using var emulator = new ErcotApiEmulator(emulatorData, options, TimeProvider.System);
            emulator.Start();
            output.WriteLine($"ERCOT API emulator on {emulator.BaseUrl} (token at http://127.0.0.1:{emulator.Port}{ErcotApiEmulator.TokenPath}); " +
                $"emulated time {startUtc:u} at {options.Speed}x; points {string.Join(", ", pointList)}");
            output.WriteLine($"credentials: {Curtail.Ercot.Api.ErcotApiCredentials.UsernameVariable}={options.Username} {Curtail.Ercot.Api.ErcotApiCredentials.PasswordVariable}={options.Password} {Curtail.Ercot.Api.ErcotApiCredentials.SubscriptionKeyVariable}={options.SubscriptionKey}");
            output.Flush();
            await Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => { }, CancellationToken.None);
            return CurtailApp.ExitOk;
        });
        return command;
    }
}
