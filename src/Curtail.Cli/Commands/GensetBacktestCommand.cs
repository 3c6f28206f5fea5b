using System.CommandLine;
using System.Globalization;
using Curtail.Core;
using Curtail.Core.Economics;
using Curtail.Core.LoadFollowing;
using Curtail.Core.Sites;
using Curtail.Simulation.Backtest;
using Curtail.Simulation.Gensets;
using Curtail.Simulation.Setup;

namespace Curtail.Cli.Commands;

/// <summary>
/// `curtail genset backtest`: the site's price policy on historical prices inside its energy topology (energy.sources,
/// as `curtail simulate` decides and books it) with the gensets' available power from a gas-supply profile; the oracle
/// over the same topology; then the policy's load served second by second, load following against running unguarded.
/// </summary>
public sealed class GensetBacktestCommand : ICliCommand
{
    public string? Parent => "genset";
    public string? ParentDescription => "Genset (Modbus TCP) tools";

    public Command Build()
    {
        var options = new BacktestOptions();
        var profile = new Option<string?>("--genset-profile") { Description = "Gas-supply CSV for all gensets together (time,available_kw; ISO-8601 instants or seconds from the window start), shared by rating. Default: the site file's available: profiles, else a seeded random walk." };
        var seed = new Option<int>("--seed") { Description = "Seed of the random-walk supply (without --genset-profile)", DefaultValueFactory = _ => 1 };
        var rated = new Option<double?>("--rated-kw") { Description = "Genset nameplate for a site file without energy.sources gensets (default: 1.2 x the site's full power)" };
        var grid = new Option<bool>("--grid") { Description = "For a site file without energy.sources gensets: grid-tied, import the shortfall and export spare power at the real-time price (default: island)" };
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
            if (p.GetValue(stepSeconds) is < 1 or > 300) throw new InvalidInputException("--step-seconds", null, "must be 1..300");
            var inputs = prepared.Inputs;
            var windowStart = new DateTimeOffset(inputs.Prices.StartTicks[inputs.FromIndex], TimeSpan.Zero);
            var window = new DateTimeOffset(inputs.Prices.StartTicks[inputs.ToIndex - 1], TimeSpan.Zero) - windowStart;
            GensetSupplyProfile? pooled = p.GetValue(profile) is { } file
                ? File.Exists(file) ? GensetSupplyProfile.LoadCsv(file) : throw new InvalidInputException(file, null, "genset profile not found")
                : null;

            // The site's energy topology when its file has gensets (the same decision as `curtail simulate`); else a
            // flare-gas genset from the options: island, or --grid with its spare power exported at the real-time price.
            EnergySources sources;
            if (site.Sources.HasGensets)
            {
                if (p.GetValue(rated) is not null)
                    throw new InvalidInputException("--rated-kw", null, $"the site file's energy.sources gives the gensets ({site.Sources.Describe()}); drop --rated-kw");
                if (p.GetValue(grid))
                    throw new InvalidInputException("--grid", null, $"the site file's energy.sources says whether the site is grid-tied ({site.Sources.Describe()}); drop --grid");
                sources = site.Sources;
            }
            else
            {
                var ratedKw = p.GetValue(rated) ?? site.FullPowerMw * 1000 * 1.2;
                if (ratedKw <= 0) throw new InvalidInputException("--rated-kw", null, "must be positive");
                // A grid-only site file's import limit stays with its grid.
                sources = new EnergySources(p.GetValue(grid) ? new GridSource(site.Sources.ImportLimitKw, ratedKw, true) : null,
                    [new GensetSource("genset", ratedKw, GensetAvailability.Reading, null, 30, 0)]);
            }
            var totalRated = sources.GensetRatedKw;
            var anyProfile = sources.Gensets.Any(g => g.Availability == GensetAvailability.Profile);
            var supply = pooled is not null ? GensetSupply.Pool(sources, pooled, windowStart)
                : anyProfile ? inputs.Supply!
                : GensetSupply.Pool(sources, GensetSupplyProfile.RandomWalk(p.GetValue(seed), totalRated, window + TimeSpan.FromDays(1), TimeSpan.FromSeconds(10)), windowStart);
            inputs = inputs.WithSite(site with { Sources = sources }) with { Supply = supply };
            var settings = new LoadFollowingSettings
            {
                Headroom = p.GetValue(headroom), MaxStepLoadPct = p.GetValue(step), SafeLoadKw = sources.GensetMinLoadKw,
            }.Validate("--headroom/--max-step-pct");
            var result = GensetBacktester.Run(inputs, site.Policy.Kind, new GensetBacktestOptions
            {
                RatedKw = totalRated, Settings = settings, Mode = sources.IsIsland ? GensetGridMode.Island : GensetGridMode.GridTied,
                Step = TimeSpan.FromSeconds(p.GetValue(stepSeconds)),
            });
            // Demand-response capacity credits, as `curtail simulate` books them (DemandResponseCredits: capacity × rate × hours).
            double? drCredits = site.DemandResponse.Count == 0 ? null : DemandResponseCredits.Usd(site, result.Policy.Intervals * 0.25);
            var output = p.InvocationConfiguration.Output;
            if (p.GetValue(options.Json))
            {
                output.WriteLine(JsonOutput.Serialize(new
                {
                    prepared.FromCpt, prepared.ToCptExclusive, rated_kw = totalRated, topology = sources.Describe(),
                    supply = pooled is not null ? "genset-profile" : anyProfile ? "site file profiles" : $"random walk (seed {p.GetValue(seed)})",
                    result.Policy, result.Oracle, result.LoadFollowing, result.Unguarded, result.TripsAvoided, dr_credits_usd = drCredits,
                }));
                return CurtailApp.ExitOk;
            }
            var inv = CultureInfo.InvariantCulture;
            output.WriteLine($"{site.Name}  {prepared.FromCpt:yyyy-MM-dd} to {prepared.ToCptExclusive:yyyy-MM-dd}  {sources.Describe()}, policy {result.Policy.Policy}");
            string Usd(double v) => v.ToString("N0", inv);
            output.WriteLine($"{"interval by interval",-22}{"hash $",10}{"import $",11}{"export $",11}{"fuel $",10}{"profit $",11}{"genset MWh",12}{"import MWh",12}{"export MWh",12}");
            foreach (var t in new[] { result.Policy, result.Oracle! })
            {
                var e = t.Energy!;
                output.WriteLine($"{t.Policy,-22}{Usd(t.HashRevenueUsd),10}{Usd(e.GridImportCostUsd),11}{Usd(e.ExportRevenueUsd),11}{Usd(e.FuelCostUsd),10}{Usd(t.ProfitUsd),11}{e.GensetMwh.ToString("N1", inv),12}{e.ImportMwh.ToString("N1", inv),12}{e.ExportMwh.ToString("N1", inv),12}");
            }
            output.WriteLine($"{"second by second",-16}{"asked MWh",12}{"served MWh",12}{"hash lost MWh",15}{"hash lost $",13}{"trips",7}{"dark h",9}{"import MWh",12}{"import $",11}{"export MWh",12}{"export $",11}{"fuel $",9}{"profit $",11}");
            foreach (var s in new[] { result.LoadFollowing, result.Unguarded })
                output.WriteLine($"{s.Strategy,-16}{s.RequestedMwh.ToString("N1", inv),12}{s.ServedMwh.ToString("N1", inv),12}{s.HashLostMwh.ToString("N1", inv),15}{Usd(s.HashLostUsd),13}{s.Trips,7}{s.DarkHours.ToString("N1", inv),9}{s.GridImportMwh.ToString("N1", inv),12}{Usd(s.GridImportCostUsd),11}{s.GridExportMwh.ToString("N1", inv),12}{Usd(s.GridExportRevenueUsd),11}{Usd(s.FuelCostUsd),9}{Usd(s.ProfitUsd),11}");
            output.WriteLine($"trips avoided by load following: {result.TripsAvoided}");
            if (drCredits is { } credits)
                output.WriteLine($"demand-response credits: ${Usd(credits)} ({string.Join(", ", site.DemandResponse.Select(d => $"{d.Program} {d.CapacityMw.ToString("0.##", inv)} MW"))}), not in the profits above");
            return CurtailApp.ExitOk;
        });
        return command;
    }
}
