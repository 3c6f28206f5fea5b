using Curtail.Controller.Config;
using Curtail.Controller.Hosting;
using Curtail.Core;
using Curtail.Core.Fleet;
using Curtail.Miners.Fleet;
using Microsoft.Extensions.DependencyInjection;

namespace Curtail.Controller.Tests;

/// <summary>
/// A site file's <c>shed:</c> is how the backtest prices a group's cuts; the live controller's allocator follows the
/// same mode for that group, so what was backtested is what runs (issue 11). Before, only the fleet file's
/// <c>groups:</c> reached the allocator and a site file's <c>shed: power_target</c> group was shed by sleeping.
/// </summary>
public sealed class SiteShedModeTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "curtail-shed-" + Guid.NewGuid().ToString("N"));

    public SiteShedModeTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ControllerConfig Load(string siteGroups, string fleetGroups)
    {
        File.WriteAllText(Path.Combine(_dir, "fleet.yaml"), fleetGroups + """

            miners:
              - { address: 10.0.0.1-10.0.0.2, family: braiins, model: Antminer S19j Pro, group: hall-a }
              - { address: 10.0.0.3, family: luxos, model: Antminer S19j Pro, group: hall-b }
            """);
        var site = Path.Combine(_dir, "site.yaml");
        File.WriteAllText(site, $$$"""
            name: Shed test site
            settlement_point: HB_WEST
            economics: {hashprice: {usd_per_th_day: 0.05}}
            fleet:
            {{{siteGroups}}}
            policy: {kind: threshold, curtail_above_usd_per_mwh: 100}
            controller:
              listen: http://127.0.0.1:0
              storage: {sqlite: state.db}
              fleet: fleet.yaml
            """);
        return ControllerConfigParser.Load(site);
    }

    private const string SiteGroups = """
          - {group: hall-a, model: Antminer S19j Pro, count: 2, hashrate_th: 104, power_w: 3068, shed: power_target, shed_floor_w: 2200}
          - {group: hall-b, model: Antminer S19j Pro, count: 1, hashrate_th: 104, power_w: 3068, shed: power_target}
        """;

    [Fact]
    public async Task The_running_controllers_allocator_takes_each_groups_shed_mode_and_floor_from_the_site_file()
    {
        var config = Load(SiteGroups, "groups:\n  hall-a: { min_on_minutes: 5 }\n  hall-b: { min_power_fraction: 0.25 }");
        await using var app = ControllerHost.Build(config);

        var groups = app.Services.GetRequiredService<FleetActuator>().Groups;
        Assert.Equal((ShedMode.PowerTarget, 2200.0), (groups["hall-a"].Shed, groups["hall-a"].ShedFloorW!.Value));
        // No floor in the site file: the backtest's default, half the nameplate; the fleet file's other settings stay.
        Assert.Equal((ShedMode.PowerTarget, 1534.0, 0.25), (groups["hall-b"].Shed, groups["hall-b"].ShedFloorW!.Value, groups["hall-b"].MinPowerFraction));
    }

    [Fact]
    public void A_fleet_file_that_says_shed_keeps_its_own_and_one_that_contradicts_the_site_file_is_refused()
    {
        var site = new[]
        {
            new FleetGroup("hall-a", "Antminer S19j Pro", 2, 104, 3068, 1) { Shed = ShedMode.PowerTarget, ShedFloorW = 2200 },
        };
        var same = FleetFile.Parse("groups:\n  hall-a: { shed: power_target, shed_floor_w: 2500 }\nminers:\n  - { address: 10.0.0.1, family: luxos, model: S19j Pro, group: hall-a }", "fleet.yaml");
        Assert.Equal(2500.0, ControllerHost.WithSiteShedModes(same.Groups, site, "fleet.yaml")["hall-a"].ShedFloorW);

        var silent = FleetFile.Parse("groups:\n  hall-a: { min_on_minutes: 5 }\nminers:\n  - { address: 10.0.0.1, family: luxos, model: S19j Pro, group: hall-a }", "fleet.yaml");
        Assert.Equal(ShedMode.Sleep, silent.Groups["hall-a"].Shed);
        var merged = ControllerHost.WithSiteShedModes(silent.Groups, site, "fleet.yaml")["hall-a"];
        Assert.Equal((ShedMode.PowerTarget, 2200.0, TimeSpan.FromMinutes(5)), (merged.Shed, merged.ShedFloorW!.Value, merged.MinOnTime));

        var other = FleetFile.Parse("groups:\n  hall-a: { shed: hashboards }\nminers:\n  - { address: 10.0.0.1, family: epic, model: S19 XP, group: hall-a }", "fleet.yaml");
        var ex = Assert.Throws<InvalidInputException>(() => ControllerHost.WithSiteShedModes(other.Groups, site, "fleet.yaml"));
        Assert.StartsWith("fleet.yaml: group 'hall-a': shed is hashboards here but power_target in the site file", ex.Message);

        // A site file that leaves a group at sleep changes nothing.
        var sleepSite = new[] { new FleetGroup("hall-a", "Antminer S19j Pro", 2, 104, 3068, 1) };
        Assert.Equal(ShedMode.Hashboards, ControllerHost.WithSiteShedModes(other.Groups, sleepSite, "fleet.yaml")["hall-a"].Shed);
    }
}
