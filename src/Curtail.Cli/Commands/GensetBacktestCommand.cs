using System.CommandLine;
using System.Globalization;
using Curtail.Core;
using Curtail.Core.LoadFollowing;
using Curtail.Simulation.Backtest;
using Curtail.Simulation.Gensets;
using Curtail.Simulation.Setup;

namespace Curtail.Cli.Commands;

/// <summary>
/// `curtail genset backtest`: the site's price policy on historical prices, with its power from a genset whose
/// available power follows a gas-supply profile; load following against running unguarded.
/// </summary>
public sealed class GensetBacktestCommand : ICliCommand
{
    public string? Parent => "genset";
    public string? ParentDescription => "Genset (Modbus TCP) tools";

    public Command Build()
    {
        var options = new BacktestOptions();
        var profile = new Option<string?>("--genset-profile") { Description = "Gas-supply CSV (time,available_kw; ISO-8601 instants or seconds from the window start). Default: a seeded random walk." };
        var seed = new Option<int>("--seed") { Description = "Seed of the random-walk supply (without --genset-profile)", DefaultValueFactory = _ => 1 };
        var rated = new Option<double?>("--rated-kw") { Description = "Genset nameplate (default: 1.2 x the site's full power)" };
        var grid = new Option<bool>("--grid") { Description = "Grid-tied: import the shortfall at the real-time price (default: island)" };
        var headroom = new Option<double>("--headroom") { Description = "Load-following headroom (fraction)", DefaultValueFactory = _ => 0.10 };
        var step = new Option<double>("--max-step-pct") { Description = "Largest load increase, % of rated", DefaultValueFactory = _ => 15 };
        var stepSeconds = new Option<int>("--step-seconds") { Description = "Simulation step", DefaultValueFactory = _ => 10 };
        var command = new Command("backtest", "Backtest a site on a genset supply profile: hashing lost to derates against trips avoided");
        options.AddTo(command);
        foreach (var o in new Option[] { profile, seed, rated, grid, headroom, step, stepSeconds }) command.Options.Add(o);
        command.SetAction(p =>
        {
            var prepared = BacktestSetup.Prepare(options.Request(p));
            var site = prepared.Site.Site;
            var ratedKw = p.GetValue(rated) ?? site.FullPowerMw * 1000 * 1.2;
            if (ratedKw <= 0) throw new InvalidInputException("--rated-kw", null, "must be positive");
            if (p.GetValue(stepSeconds) is < 1 or > 300) throw new InvalidInputException("--step-seconds", null, "must be 1..300");
            var inputs = prepared.Inputs;
            var window = new DateTimeOffset(inputs.Prices.StartTicks[inputs.ToIndex - 1], TimeSpan.Zero)
                - new DateTimeOffset(inputs.Prices.StartTicks[inputs.FromIndex], TimeSpan.Zero);
            var supply = p.GetValue(profile) is { } file
                ? File.Exists(file) ? GensetSupplyProfile.LoadCsv(file) : throw new InvalidInputException(file, null, "genset profile not found")
                : GensetSupplyProfile.RandomWalk(p.GetValue(seed), ratedKw, window + TimeSpan.FromDays(1), TimeSpan.FromSeconds(10));
            var settings = new LoadFollowingSettings
            {
                Headroom = p.GetValue(headroom), MaxStepLoadPct = p.GetValue(step), SafeLoadKw = 0.3 * ratedKw,
            }.Validate("--headroom/--max-step-pct");
            var result = GensetBacktester.Run(inputs, PolicyFactory.Create(inputs, site.Policy.Kind), new GensetBacktestOptions
            {
                Profile = supply, RatedKw = ratedKw, Settings = settings, Mode = p.GetValue(grid) ? GensetGridMode.GridTied : GensetGridMode.Island,
                Step = TimeSpan.FromSeconds(p.GetValue(stepSeconds)),
            });
            var output = p.InvocationConfiguration.Output;
            if (p.GetValue(options.Json))
            {
                output.WriteLine(JsonOutput.Serialize(new { prepared.FromCpt, prepared.ToCptExclusive, rated_kw = ratedKw, result.Policy, result.LoadFollowing, result.Unguarded, result.TripsAvoided }));
                return CurtailApp.ExitOk;
            }
            var inv = CultureInfo.InvariantCulture;
            output.WriteLine($"{site.Name}  {prepared.FromCpt:yyyy-MM-dd} to {prepared.ToCptExclusive:yyyy-MM-dd}  genset {ratedKw.ToString("N0", inv)} kW ({(p.GetValue(grid) ? "grid-tied" : "island")}), policy {result.Policy.Policy}");
            output.WriteLine($"{"strategy",-16}{"asked MWh",12}{"served MWh",12}{"hash lost MWh",15}{"hash lost $",13}{"trips",7}{"dark h",9}{"import MWh",12}{"import $",11}{"export MWh",12}{"export $",11}");
            foreach (var s in new[] { result.LoadFollowing, result.Unguarded })
                output.WriteLine($"{s.Strategy,-16}{s.RequestedMwh.ToString("N1", inv),12}{s.ServedMwh.ToString("N1", inv),12}{s.HashLostMwh.ToString("N1", inv),15}{s.HashLostUsd.ToString("N0", inv),13}{s.Trips,7}{s.DarkHours.ToString("N1", inv),9}{s.GridImportMwh.ToString("N1", inv),12}{s.GridImportCostUsd.ToString("N0", inv),11}{s.GridExportMwh.ToString("N1", inv),12}{s.GridExportRevenueUsd.ToString("N0", inv),11}");
            output.WriteLine($"trips avoided by load following: {result.TripsAvoided}");
            return CurtailApp.ExitOk;
        });
        return command;
    }
}
