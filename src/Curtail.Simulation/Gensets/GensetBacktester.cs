using Curtail.Core.Economics;
using Curtail.Core.Energy;
using Curtail.Core.Fleet;
using Curtail.Core.LoadFollowing;
using Curtail.Core.Policies;
using Curtail.Core.Sites;
using Curtail.Simulation.Backtest;

namespace Curtail.Simulation.Gensets;

public enum GensetGridMode
{
    /// <summary>Off-grid: the genset is the only source; a trip darkens the site until restart.</summary>
    Island,
    /// <summary>Behind the meter: the grid carries what the genset does not, at the real-time price.</summary>
    GridTied,
}

public sealed record GensetBacktestOptions
{
    /// <summary>One supply profile for the genset (relative profiles start at the first interval). Or <see cref="Supply"/>.</summary>
    public GensetSupplyProfile? Profile { get; init; }

    /// <summary>The site's gensets' available power (<see cref="GensetBacktester.Run"/> sets it from the inputs); wins over <see cref="Profile"/>.</summary>
    public GensetSupply? Supply { get; init; }

    public required double RatedKw { get; init; }
    public GensetGridMode Mode { get; init; } = GensetGridMode.Island;
    public LoadFollowingSettings Settings { get; init; } = new();
    /// <summary>Simulation step inside each price interval (the control loop polls every second; 10 s keeps a year fast).</summary>
    public TimeSpan Step { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Load above available power for this long trips the genset.</summary>
    public TimeSpan TripAfter { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>After a trip the genset is down this long (inspection, restart, resync).</summary>
    public TimeSpan RestartTime { get; init; } = TimeSpan.FromMinutes(15);
    /// <summary>Grid-tied: sell the genset's spare capacity (available × (1 − headroom) − site share) when export pays more than fuel.</summary>
    public bool ExportSurplus { get; init; } = true;

    /// <summary>
    /// Where the power goes and what it is worth (<c>energy.sources</c>): export limit, export paid or not, each
    /// genset's fuel cost. Null: export unlimited and paid at the real-time price, free fuel (a flare-gas genset).
    /// </summary>
    public EnergySources? Sources { get; init; }

    /// <summary>What a MWh imported costs on top of the real-time price.</summary>
    public double ImportAdderUsdPerMwh { get; init; }
    /// <summary>Nominal frequency of the synthetic readings (the floor check sees a sag while overloaded).</summary>
    public double NominalHz { get; init; } = 60;

    /// <summary>
    /// The site's groups, for the hashing a derate costs: when a group sets <c>shed: power_target</c> the cut is priced
    /// by <see cref="ShedRule"/> (the live allocator's rule), else hashing lost is proportional to the energy not served.
    /// </summary>
    public IReadOnlyList<FleetGroup>? Fleet { get; init; }
}

/// <summary>One strategy over the backtest window: what the price policy asked for, what the genset allowed, what it cost.</summary>
public sealed record GensetStrategyTotals(
    string Strategy,
    double RequestedMwh,
    double ServedMwh,
    double HashLostMwh,
    double HashLostUsd,
    int Trips,
    double DarkHours,
    double GensetMwh,
    double GridImportMwh,
    double GridImportCostUsd,
    double GridExportMwh,
    double GridExportRevenueUsd)
{
    /// <summary>Grid-tied net energy cost: imports less export revenue.</summary>
    public double GridNetCostUsd => GridImportCostUsd - GridExportRevenueUsd;

    /// <summary>The gensets' fuel over everything they produced (site share and export), each at its own fuel cost.</summary>
    public double FuelCostUsd { get; init; }

    /// <summary>What the miners earned: the price policy's hashing less what the genset's limits cost.</summary>
    public double HashRevenueUsd { get; init; }

    /// <summary>Hashing revenue − grid import cost + export revenue − fuel cost.</summary>
    public double ProfitUsd => HashRevenueUsd - GridImportCostUsd + GridExportRevenueUsd - FuelCostUsd;
}

/// <summary>Load following against running the price policy's load unguarded, over the same genset supply.</summary>
public sealed record GensetBacktestResult(BacktestTotals Policy, GensetStrategyTotals LoadFollowing, GensetStrategyTotals Unguarded)
{
    /// <summary>The oracle over the same energy topology and supply, interval by interval (<see cref="TopologyOracle"/>).</summary>
    public BacktestTotals? Oracle { get; init; }

    /// <summary>Trips the load follower avoided.</summary>
    public int TripsAvoided => Unguarded.Trips - LoadFollowing.Trips;
}

/// <summary>
/// A site powered by a genset whose available power follows a supply profile. The price policy runs through the
/// shared backtester as usual; its per-interval site load is then served second by second from the genset: once
/// through the <see cref="LoadFollower"/> (the live controller's logic) and once unguarded, so an operator sees
/// hashing lost to derates against trips avoided (island), or grid import against trips (grid-tied).
/// </summary>
public static class GensetBacktester
{
    /// <summary>
    /// The site's policy (<paramref name="kind"/>) and the oracle over the site's energy topology and the gensets'
    /// supply (<see cref="BacktestInputs.Supply"/>: the same decision and accounting as <c>curtail simulate</c>), then
    /// the policy's intervals served second by second, load following against unguarded.
    /// </summary>
    public static GensetBacktestResult Run(BacktestInputs inputs, PolicyKind kind, GensetBacktestOptions options)
    {
        // The site's policy as `curtail simulate` runs it: inside the 4CP (peak) watch when the site file turns it on.
        inputs = inputs.Forecasting is null && (SimulationRunner.UsesForecast(kind) || inputs.Site.FourCpEnabled) ? inputs.WithForecasting() : inputs;
        var policy = PolicyFactory.CreateForSite(inputs, kind).Policy;
        var oracle = Backtester.Run(inputs, PolicyFactory.Create(inputs, PolicyKind.Oracle));
        return Run(inputs, policy, options) with { Oracle = oracle };
    }

    public static GensetBacktestResult Run(BacktestInputs inputs, ICurtailmentPolicy policy, GensetBacktestOptions options)
    {
        var records = new List<IntervalRecord>(inputs.IntervalCount);
        var totals = Backtester.Run(inputs, policy, records);
        options = options.Fleet is null ? options with { Fleet = inputs.Site.Fleet } : options;
        if (inputs.Site.Sources.HasGensets)
        {
            options = options with
            {
                Sources = options.Sources ?? inputs.Site.Sources,
                ImportAdderUsdPerMwh = inputs.Site.Energy.AdderUsdPerMwh,
                Supply = options.Supply ?? inputs.Supply ?? GensetSupply.RatedPower(inputs.Site.Sources,
                    new DateTimeOffset(inputs.Prices.StartTicks[inputs.FromIndex], TimeSpan.Zero)),
            };
        }
        return new GensetBacktestResult(totals, Serve(records, options, follow: true), Serve(records, options, follow: false));
    }

    /// <summary>Serves the intervals' site load from the genset; public so tests can feed synthetic intervals.</summary>
    public static GensetStrategyTotals Serve(IReadOnlyList<IntervalRecord> intervals, GensetBacktestOptions o, bool follow)
    {
        var follower = follow ? new LoadFollower(o.Settings) : null;
        var softShed = o.Fleet is { } fleet && fleet.Any(g => g.Shed == ShedMode.PowerTarget) ? fleet : null;
        var running = new double[softShed?.Count ?? 0];
        var origin = intervals.Count > 0 ? new DateTimeOffset(intervals[0].StartTicks, TimeSpan.Zero) : DateTimeOffset.UnixEpoch;
        if (o.Supply is null && o.Profile is null) throw new ArgumentException("a genset backtest needs a supply: Profile or Supply", nameof(o));
        var exportLimit = o.Sources is { } src ? src.IsIsland ? 0 : src.ExportLimitKw : double.PositiveInfinity;
        var exportPaid = o.Sources is not { } paidSrc || paidSrc.Grid is { ExportPaidAtRealTime: true };
        var fuelPerMwh = o.Sources is { } fuelSrc ? EnergyBalance.FuelCostUsdPerMwh(fuelSrc) : 0;
        var importLimit = o.Sources?.ImportLimitKw ?? double.PositiveInfinity;
        double fuelUsd = 0, hashUsd = 0;
        double requestedKwh = 0, servedKwh = 0, lostKwh = 0, lostUsd = 0, gensetKwh = 0, importKwh = 0, importUsd = 0, exportKwh = 0, exportUsd = 0, darkHours = 0;
        var trips = 0;
        double gensetKw = 0;
        DateTimeOffset? overloadSince = null;
        var downUntil = DateTimeOffset.MinValue;
        foreach (var interval in intervals)
        {
            var requestedKw = interval.SitePowerMw * 1000;
            var revenuePerKwh = interval.EnergyMwh > 0 ? interval.HashRevenueUsd / (interval.EnergyMwh * 1000) : 0;
            // With soft shedding: the interval's revenue per hour of nameplate hashrate, to price a cut group by group.
            var revenuePerThHour = 0.0;
            if (softShed is not null && interval.Groups.Length == softShed.Count)
            {
                var hashing = 0.0;
                for (var g = 0; g < softShed.Count; g++)
                {
                    running[g] = interval.Groups[g].IsRunning ? interval.Groups[g].PowerFraction : 0;
                    hashing += softShed[g].FullHashrateTh * PowerHashrateModel.HashrateFraction(running[g]);
                }
                var intervalHours = (interval.EndTicks - interval.StartTicks) / (double)TimeSpan.TicksPerHour;
                revenuePerThHour = hashing > 0 && intervalHours > 0 ? interval.HashRevenueUsd / (hashing * intervalHours) : 0;
            }
            for (var t = interval.StartTicks; t < interval.EndTicks; t += o.Step.Ticks)
            {
                var now = new DateTimeOffset(t, TimeSpan.Zero);
                var hours = Math.Min(o.Step.Ticks, interval.EndTicks - t) / (double)TimeSpan.TicksPerHour;
                var available = o.Supply?.TotalKwAt(now) ?? o.Profile!.AvailableKwAt(now, origin);
                var down = now < downUntil;

                // What the genset is asked to carry this step.
                double wanted;
                if (follower is not null)
                {
                    var reading = new GensetReading
                    {
                        TimeRead = now,
                        ActivePowerKw = down ? 0 : gensetKw,
                        AvailablePowerKw = available,
                        RatedPowerKw = o.RatedKw,
                        FrequencyHz = down ? 0 : gensetKw > available ? o.NominalHz * 0.98 : o.NominalHz,
                        EngineState = down ? EngineState.Shutdown : EngineState.RunningLoaded,
                        BreakerClosed = !down,
                    };
                    wanted = follower.Decide(reading, down ? 0 : gensetKw, now, requestedKw).TargetKw;
                }
                else wanted = requestedKw;
                gensetKw = down ? 0 : wanted;

                if (!down && gensetKw > available)
                {
                    overloadSince ??= now;
                    if (now - overloadSince.Value >= o.TripAfter)
                    {
                        trips++;
                        downUntil = now + o.RestartTime;
                        gensetKw = 0;
                        overloadSince = null;
                        down = true;
                    }
                }
                else overloadSince = null;
                if (down) darkHours += o.Mode == GensetGridMode.Island ? hours : 0;

                var gridTied = o.Mode == GensetGridMode.GridTied;
                // Grid-tied, the grid carries what the genset does not, up to its import limit: the miners get at most
                // the limit + the genset's output (the live planner's cap, EnergyBalance.ImportCeilingKw).
                var imported = gridTied ? Math.Min(Math.Max(0, requestedKw - gensetKw), importLimit) : 0;
                var served = gridTied ? Math.Min(requestedKw, Math.Min(gensetKw, requestedKw) + imported) : Math.Min(gensetKw, requestedKw);
                // Grid-tied, what the genset carries beyond the miners goes out, and so does its spare capacity when
                // export pays more than its fuel; never beyond the export limit.
                var surplus = gridTied ? Math.Max(0, gensetKw - requestedKw) : 0;
                var exportWorth = exportPaid ? interval.Price : 0;
                var sale = gridTied && o.ExportSurplus && !down && exportPaid && exportWorth > fuelPerMwh
                    ? Math.Max(0, available * (1 - o.Settings.Headroom) - gensetKw) : 0;
                var exported = Math.Min(exportLimit, surplus + sale);
                var output = (gridTied ? Math.Min(gensetKw, requestedKw) : gensetKw) + exported;
                exportKwh += exported * hours;
                exportUsd += exported * hours / 1000 * exportWorth;
                requestedKwh += requestedKw * hours;
                servedKwh += served * hours;
                gensetKwh += output * hours;
                fuelUsd += output * hours / 1000 * fuelPerMwh;
                importKwh += imported * hours;
                importUsd += imported * hours / 1000 * (interval.Price + o.ImportAdderUsdPerMwh);
                var lost = Math.Max(0, requestedKw - served) * hours;
                lostKwh += lost;
                if (softShed is not null && revenuePerThHour > 0 && lost > 0)
                {
                    var fractions = ShedRule.HashLost(softShed, running, Math.Max(0, requestedKw - served) * 1000);
                    for (var g = 0; g < fractions.Length; g++) lostUsd += softShed[g].FullHashrateTh * fractions[g] * revenuePerThHour * hours;
                }
                else lostUsd += lost * revenuePerKwh;
            }
        }
        hashUsd = intervals.Sum(i => i.HashRevenueUsd) - lostUsd;
        return new GensetStrategyTotals(follow ? "load-following" : "unguarded", requestedKwh / 1000, servedKwh / 1000, lostKwh / 1000, lostUsd,
            trips, darkHours, gensetKwh / 1000, importKwh / 1000, importUsd, exportKwh / 1000, exportUsd)
        {
            FuelCostUsd = fuelUsd,
            HashRevenueUsd = hashUsd,
        };
    }
}
