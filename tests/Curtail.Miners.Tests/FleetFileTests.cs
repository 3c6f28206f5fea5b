using Curtail.Core.Fleet;
using Curtail.Core;
using Curtail.Miners.Fleet;

namespace Curtail.Miners.Tests;

public class FleetFileTests
{
    private const string Yaml = """
        credentials:
          stock: { user: root, password_env: TEST_ANTMINER_PW }
        groups:
          hall-a: { min_power_fraction: 0.25, min_on_minutes: 15, min_off_minutes: 10, prefer: throttle }
        miners:
          - { address: 10.0.1.250-10.0.2.3, family: antminer, model: S19j Pro, credentials: stock, group: hall-a }
          - { address: "127.0.0.1:20000-20002", aux_port: 20100, family: braiins, model: "Antminer S19", name: bos- }
          - { address: 10.0.3.7, family: luxos, model: s21 }
        """;

    private static string? Env(string name) => name == "TEST_ANTMINER_PW" ? "s3cret" : null;

    [Fact]
    public void Reads_shed_modes_with_their_floors_and_the_new_families()
    {
        const string yaml = """
            groups:
              soft: { shed: power_target, shed_floor_w: 2200 }
              boards: { shed: hashboards, shed_floor_boards: 2 }
              plain: { min_power_fraction: 0.1 }
            miners:
              - { address: 10.0.0.1, family: epic, model: S19 XP, group: boards }
              - { address: 10.0.0.2, family: avalon, model: A1366, group: soft }
            """;
        var fleet = FleetFile.Parse(yaml, "fleet.yaml");
        Assert.Equal((ShedMode.PowerTarget, 2200.0), (fleet.Groups["soft"].Shed, fleet.Groups["soft"].ShedFloorW!.Value));
        Assert.Equal((ShedMode.Hashboards, 2), (fleet.Groups["boards"].Shed, fleet.Groups["boards"].ShedFloorBoards));
        Assert.Equal(ShedMode.Sleep, fleet.Groups["plain"].Shed); // no shed: today's behaviour
        Assert.Equal((MinerFamily.Epic, 4028, (int?)null), (fleet.Miners[0].Family, fleet.Miners[0].Endpoint.Port, fleet.Miners[0].Endpoint.AuxPort));
        Assert.Equal((MinerFamily.Avalon, ModelCatalog.AvalonA1366), (fleet.Miners[1].Family, fleet.Miners[1].Model));
        Assert.Equal("letmein", fleet.Miners[0].Credentials.Password); // ePIC's public default
    }

    [Fact]
    public void Expands_ranges_resolves_secrets_and_groups()
    {
        var fleet = FleetFile.Parse(Yaml, "fleet.yaml", environment: Env);
        Assert.Equal(10 + 3 + 1, fleet.Miners.Count); // .250-.255 and .0-.3
        var first = fleet.Miners[0];
        Assert.Equal(("10.0.1.250:80", MinerFamily.AntminerStock, "hall-a"), (first.Id, first.Family, first.Group));
        Assert.Equal(new MinerEndpoint("10.0.1.250", 80, 4028), first.Endpoint);
        Assert.Equal("10.0.2.0", fleet.Miners[6].Endpoint.Host);
        Assert.Equal("10.0.2.3", fleet.Miners[9].Endpoint.Host);
        Assert.Equal("s3cret", first.Credentials.Password);
        Assert.DoesNotContain("s3cret", first.Credentials.ToString());
        Assert.DoesNotContain("s3cret", first.ToString());

        var bos = fleet.Miners.Where(m => m.Family == MinerFamily.BraiinsOs).ToList();
        Assert.Equal(["bos-0", "bos-1", "bos-2"], bos.Select(m => m.Id));
        Assert.Equal([20100, 20101, 20102], bos.Select(m => m.Endpoint.AuxPort!.Value));
        Assert.Equal(MinerCredentials.Default(MinerFamily.BraiinsOs), bos[0].Credentials);

        Assert.Equal(ModelCatalog.AntminerS21, fleet.Miners[^1].Model);
        Assert.Equal(4028, fleet.Miners[^1].Endpoint.Port);
        var hall = fleet.Groups["hall-a"];
        Assert.Equal((0.25, TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(10), PowerPreference.Throttle),
            (hall.MinPowerFraction, hall.MinOnTime, hall.MinOffTime, hall.Prefer));
    }

    [Theory]
    [InlineData("miners:\n  - { address: 10.0.0.1, family: bitaxe, model: S19 }\n", 2, "unknown family 'bitaxe'")]
    [InlineData("groups:\n  g: { shed: nap }\nminers: []\n", 2, "shed must be sleep, power_target or hashboards, got 'nap'")]
    [InlineData("groups:\n  g: { shed: hashboards, shed_floor_w: 2000 }\nminers: []\n", 2, "shed_floor_w applies to shed: power_target only")]
    [InlineData("groups:\n  g: { shed: hashboards, shed_floor_boards: 1.5 }\nminers: []\n", 2, "shed_floor_boards must be a whole number")]
    [InlineData("miners:\n  - { address: 10.0.0.1, family: luxos, model: S99 }\n", 2, "unknown model 'S99'")]
    [InlineData("credentials:\n  c: { user: root, password: hunter2 }\nminers: []\n", 2, "inline passwords are not allowed")]
    [InlineData("credentials:\n  c: { user: root, password_env: NOPE }\nminers: []\n", 2, "NOPE is not set")]
    [InlineData("miners:\n  - { address: 10.0.0.1, family: luxos, model: S19, credentials: missing }\n", 2, "credentials 'missing' are not defined")]
    [InlineData("miners:\n  - { address: 10.0.0.9-10.0.0.1, family: luxos, model: S19 }\n", 2, "range end is before its start")]
    [InlineData("miners:\n  - { address: 10.0.0.1, family: luxos, model: S19 }\n  - { address: 10.0.0.1, family: luxos, model: S19 }\n", 3, "listed twice")]
    [InlineData("groups:\n  g: { prefer: maybe }\nminers: []\n", 2, "prefer must be sleep or throttle")]
    [InlineData("miners:\n  - { address: 10.0.0.1, family: [luxos }\n", 2, "not valid YAML")]
    [InlineData("groups:\n  g: { min_power_fraction: NaN }\nminers: []\n", 2, "'min_power_fraction' must be a finite number, got 'NaN'")]
    [InlineData("groups:\n  g: { min_on_minutes: Infinity }\nminers: []\n", 2, "'min_on_minutes' must be a finite number, got 'Infinity'")]
    [InlineData("groups:\n  g: { min_off_minutes: -5 }\nminers: []\n", 2, "group 'g': min_off_minutes must be within [0, 1440], got -5")]
    [InlineData("miners:\n  - { address: 10.0.0.1, family: luxos, model: S19, aux_port: 70000 }\n", 2, "aux_port must be within [1, 65535], got 70000")]
    [InlineData("miners:\n  - { address: 10.0.0.1, family: luxos, model: S19, aux_port: 4028.5 }\n", 2, "aux_port must be a whole number, got 4028.5")]
    public void Bad_input_names_file_line_and_problem(string yaml, int line, string message)
    {
        var ex = Assert.Throws<InvalidInputException>(() => FleetFile.Parse(yaml, "site.yaml", environment: Env));
        Assert.Equal("site.yaml", ex.Location);
        Assert.Equal(line, ex.Line);
        Assert.Contains(message, ex.Message);
    }

    [Fact]
    public void Password_file_is_read_relative_to_the_fleet_file()
    {
        var dir = Directory.CreateTempSubdirectory("curtail-fleet-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "wm.txt"), "from-file\n");
            File.WriteAllText(Path.Combine(dir.FullName, "fleet.yaml"),
                "credentials:\n  wm: { user: admin, password_file: wm.txt }\nminers:\n  - { address: 10.0.0.5, family: whatsminer, model: M50S, credentials: wm }\n");
            var fleet = FleetFile.Load(Path.Combine(dir.FullName, "fleet.yaml"));
            Assert.Equal("from-file", fleet.Miners.Single().Credentials.Password);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Selectors_filter_by_family_group_model_and_id_globs()
    {
        var fleet = FleetFile.Parse(Yaml, "fleet.yaml", environment: Env);
        int Count(string expr) => fleet.Miners.Count(MinerSelector.Parse(expr).Matches);
        Assert.Equal(14, Count(""));
        Assert.Equal(10, Count("group=hall-a"));
        Assert.Equal(3, Count("family=braiins"));
        Assert.Equal(1, Count("family=luxos,model=*S21*"));
        Assert.Equal(3, Count("id=bos-*,host=127.0.0.1"));
        Assert.Equal(6, Count("host=10.0.1.*"));
        Assert.Throws<InvalidInputException>(() => MinerSelector.Parse("colour=red"));
    }

    [Fact]
    public void Describe_round_trips_an_emulated_fleet_without_writing_secrets()
    {
        var miners = new[]
        {
            new MinerSpec("a", MinerFamily.LuxOs, new MinerEndpoint("127.0.0.1", 20000), ModelCatalog.AntminerS19, MinerCredentials.Default(MinerFamily.LuxOs)),
            new MinerSpec("b", MinerFamily.WhatsminerV2, new MinerEndpoint("127.0.0.1", 20001), ModelCatalog.WhatsminerM50S, new MinerCredentials("admin", "not-in-file")),
        };
        var text = FleetFile.Describe(miners, "pw.txt");
        Assert.DoesNotContain("not-in-file", text);
        var dir = Directory.CreateTempSubdirectory("curtail-fleet-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "pw.txt"), "not-in-file");
            File.WriteAllText(Path.Combine(dir.FullName, "f.yaml"), text);
            var back = FleetFile.Load(Path.Combine(dir.FullName, "f.yaml"));
            Assert.Equal(miners.Select(m => (m.Family, m.Endpoint, m.Model, m.Credentials)), back.Miners.Select(m => (m.Family, m.Endpoint, m.Model, m.Credentials)));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
