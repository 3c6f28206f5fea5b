using Curtail.Core.Economics;
using Curtail.Core.Fleet;
using Curtail.Core.LoadFollowing;
using Curtail.Core.Policies;
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
    public required GensetSupplyProfile Profile { get; init; }
    public required double RatedKw { get; init; }
    public GensetGridMode Mode { get; init; } = GensetGridMode.Island;
    public LoadFollowingSettings Settings { get; init; } = new();
    /// <summary>Simulation step inside each price interval (the control loop polls every second; 10 s keeps a year fast).</summary>
    public TimeSpan Step { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Load above available power for this long trips the genset.</summary>
    public TimeSpan TripAfter { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>After a trip the genset is down this long (inspection, restart, resync).</summary>
    public TimeSpan RestartTime { get; init; } = TimeSpan.FromMinutes(15);
    /// <summary>Grid-tied: sell the genset's spare capacity (available × (1 − headroom) − site share) when the price is positive.</summary>
    public bool ExportSurplus { get; init; } = true;
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
}

/// <summary>Load following against running the price policy's load unguarded, over the same genset supply.</summary>
public sealed record GensetBacktestResult(BacktestTotals Policy, GensetStrategyTotals LoadFollowing, GensetStrategyTotals Unguarded)
{
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
    public static GensetBacktestResult Run(BacktestInputs inputs, ICurtailmentPolicy policy, GensetBacktestOptions options)
    {
        var records = new List<IntervalRecord>(inputs.IntervalCount);
        var totals = Backtester.Run(inputs, policy, records);
        options = options.Fleet is null ? options with { Fleet = inputs.Site.Fleet } : options;
        return new GensetBacktestResult(totals, Serve(records, options, follow: true), Serve(records, options, follow: false));
    }

    /// <summary>Serves the intervals' site load from the genset; public so tests can feed synthetic intervals.</summary>
    public static GensetStrategyTotals Serve(IReadOnlyList<IntervalRecord> intervals, GensetBacktestOptions o, bool follow)
    {
        var follower = follow ? new LoadFollower(o.Settings) : null;
        var softShed = o.Fleet is { } fleet && fleet.Any(g => g.Shed == ShedMode.PowerTarget) ? fleet : null;
        var running = new double[softShed?.Count ?? 0];
        var origin = intervals.Count > 0 ? new DateTimeOffset(intervals[0].StartTicks, TimeSpan.Zero) : DateTimeOffset.UnixEpoch;
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
                var available = o.Profile.AvailableKwAt(now, origin);
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

                var served = o.Mode == GensetGridMode.Island ? gensetKw : requestedKw;
                var imported = o.Mode == GensetGridMode.GridTied ? Math.Max(0, requestedKw - gensetKw) : 0;
                var exported = o.Mode == GensetGridMode.GridTied && o.ExportSurplus && !down && interval.Price > 0
                    ? Math.Max(0, available * (1 - o.Settings.Headroom) - gensetKw) : 0;
                exportKwh += exported * hours;
                exportUsd += exported * hours / 1000 * interval.Price;
                requestedKwh += requestedKw * hours;
                servedKwh += served * hours;
                gensetKwh += gensetKw * hours;
                importKwh += imported * hours;
                importUsd += imported * hours / 1000 * interval.Price;
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
        return new GensetStrategyTotals(follow ? "load-following" : "unguarded", requestedKwh / 1000, servedKwh / 1000, lostKwh / 1000, lostUsd,
            trips, darkHours, gensetKwh / 1000, importKwh / 1000, importUsd, exportKwh / 1000, exportUsd);
    }
}
