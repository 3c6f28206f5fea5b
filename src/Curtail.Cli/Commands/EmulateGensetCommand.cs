using System.CommandLine;
using Curtail.Core;
using Curtail.Core.LoadFollowing;
using Curtail.Emulators.Genset;

namespace Curtail.Cli.Commands;

/// <summary>`curtail emulate genset`: a gas genset on Modbus TCP (default map) until Ctrl+C.</summary>
public sealed class EmulateGensetCommand : ICliCommand
{
    public string? Parent => "emulate";
    public string? ParentDescription => "Run device emulators (real network servers on loopback)";

    public Command Build()
    {
        var port = new Option<int>("--port") { Description = "TCP port on 127.0.0.1 (0 = any free port)", DefaultValueFactory = _ => 5020 };
        var profile = new Option<FileInfo?>("--profile") { Description = "Gas-supply CSV (time,available_kw; time in seconds or ISO-8601)" };
        var seed = new Option<int>("--seed") { Description = "Seed of the random-walk gas supply (when no --profile)", DefaultValueFactory = _ => 1 };
        var rated = new Option<double>("--rated-kw") { Description = "Nameplate power", DefaultValueFactory = _ => 1000 };
        var load = new Option<double>("--load-kw") { Description = "Initial site load (registers 101-102 override it)", DefaultValueFactory = _ => 500 };
        var unit = new Option<int>("--unit") { Description = "Modbus unit id", DefaultValueFactory = _ => 1 };
        var tripAfter = new Option<double>("--trip-after-s") { Description = "Seconds of overload before the genset trips", DefaultValueFactory = _ => 5 };
        var droop = new Option<double>("--droop-pct") { Description = "Governor droop, % of nominal from no load to rated (0 = isochronous, the default)", DefaultValueFactory = _ => 0 };
        var gridTied = new Option<bool>("--grid-tied") { Description = "Paralleled with the grid: grid frequency, output at base load or the setpoint in registers 106-107" };
        var count = new Option<int>("--count") { Description = "Number of gensets (consecutive ports from --port, or any free ports with --port 0)", DefaultValueFactory = _ => 1 };
        var command = new Command("genset", "Emulate a flare-gas genset controller on Modbus TCP (default register map)")
        {
            port, profile, seed, rated, load, unit, tripAfter, droop, gridTied, count,
        };
        command.SetAction(async (parse, ct) =>
        {
            var basePort = parse.GetValue(port);
            var n = parse.GetValue(count);
            if (basePort is < 0 or > 65535) throw new InvalidInputException("--port", null, $"{basePort} is not 0..65535");
            if (n is < 1 or > 500) throw new InvalidInputException("--count", null, $"{n} is not 1..500");
            if (parse.GetValue(unit) is < 0 or > 255) throw new InvalidInputException("--unit", null, "must be 0..255");
            if (parse.GetValue(rated) <= 0) throw new InvalidInputException("--rated-kw", null, "must be positive");
            if (parse.GetValue(droop) is < 0 or > 20 || double.IsNaN(parse.GetValue(droop))) throw new InvalidInputException("--droop-pct", null, "must be in [0, 20]");
            var supply = parse.GetValue(profile) is { } file
                ? (file.Exists ? GensetSupplyProfile.LoadCsv(file.FullName) : throw new InvalidInputException(file.FullName, null, "profile file not found"))
                : null;
            var emulators = new List<GensetEmulator>();
            try
            {
                for (var i = 0; i < n; i++)
                {
                    var emulator = new GensetEmulator(new GensetEmulatorOptions
                    {
                        Port = basePort == 0 ? 0 : basePort + i,
                        Profile = supply,
                        Seed = parse.GetValue(seed) + i,
                        RatedKw = parse.GetValue(rated),
                        InitialSiteLoadKw = parse.GetValue(load),
                        UnitId = (byte)parse.GetValue(unit),
                        TripAfter = TimeSpan.FromSeconds(parse.GetValue(tripAfter)),
                        DroopPct = parse.GetValue(droop),
                        GridTied = parse.GetValue(gridTied),
                    });
                    emulators.Add(emulator);
                    emulator.Start();
                    parse.InvocationConfiguration.Output.WriteLine(
                        $"genset emulator listening on 127.0.0.1:{emulator.Port} (unit {parse.GetValue(unit)}, rated {parse.GetValue(rated)} kW, {(supply is null ? $"random-walk supply seed {parse.GetValue(seed) + i}" : "profile " + parse.GetValue(profile)!.Name)})");
                }
                parse.InvocationConfiguration.Output.Flush();
                await Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => { }, CancellationToken.None);
            }
            finally
            {
                foreach (var e in emulators) await e.DisposeAsync();
            }
            return CurtailApp.ExitOk;
        });
        return command;
    }
}
