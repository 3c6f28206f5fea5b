using System.CommandLine;
using Curtail.Core;
using Curtail.Emulators.OpenAdr;

namespace Curtail.Cli.Commands;

/// <summary>`curtail emulate vtn`: an OpenADR 3 VTN on loopback (token, programs, events, reports, vens) until Ctrl+C.</summary>
public sealed class EmulateVtnCommand : ICliCommand
{
    public string? Parent => "emulate";
    public string? ParentDescription => "Run device emulators (real network servers on loopback)";

    public Command Build()
    {
        var port = new Option<int>("--port") { Description = "TCP port on 127.0.0.1 (0 = any free port).", DefaultValueFactory = _ => 8088 };
        var programs = new Option<string[]>("--program")
        {
            Description = "Program to create at start (repeatable); IMPORT_CAPACITY_LIMIT in KW and PRICE in USD/KWH are described.",
            DefaultValueFactory = _ => ["ercot-dr"], AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("vtn", "Emulate an OpenADR 3.0 VTN: /auth/token (client credentials), /programs, /events, /reports, /vens.");
        foreach (var o in new Option[] { port, programs }) command.Options.Add(o);
        command.SetAction(async (p, ct) =>
        {
            var output = p.InvocationConfiguration.Output;
            var portValue = p.GetValue(port);
            if (portValue is < 0 or > 65535) throw new InvalidInputException("--port", null, $"{portValue} is not 0..65535");
            var names = p.GetValue(programs)!;
            if (names.Any(n => n.Length is 0 or > 128)) throw new InvalidInputException("--program", null, "a program name is 1..128 characters");
            var options = new VtnEmulatorOptions { Port = portValue, Programs = names };
            await using var vtn = new VtnEmulator(options, TimeProvider.System);
            vtn.Start();
            output.WriteLine($"OpenADR 3 VTN emulator on {vtn.BaseUrl} (token at {vtn.TokenUrl}); programs {string.Join(", ", names.Select(n => $"{n} ({vtn.ProgramId(n)})"))}");
            output.WriteLine("clients: " + string.Join(", ", options.Clients.Select(c => $"{c.Key}/{c.Value}")));
            output.WriteLine($"publish an event: POST {vtn.BaseUrl}/events with a bearer token of vtn-operator, e.g. " +
                """{"programID": "program-1", "intervalPeriod": {"start": "...Z", "duration": "PT15M"}, "intervals": [{"id": 0, "payloads": [{"type": "IMPORT_CAPACITY_LIMIT", "values": [500]}]}]}""");
            output.Flush();
            await Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => { }, CancellationToken.None);
            return CurtailApp.ExitOk;
        });
        return command;
    }
}
