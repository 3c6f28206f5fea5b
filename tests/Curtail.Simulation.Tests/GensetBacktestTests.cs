using Curtail.Core.Decisions;
using Curtail.Core.LoadFollowing;
using Curtail.Simulation.Backtest;
using Curtail.Simulation.Gensets;

namespace Curtail.Simulation.Tests;

public class GensetBacktestTests
{
    private static readonly DateTimeOffset T0 = new(2023, 8, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>One hour of 5-minute intervals where the price policy wants 900 kW, $50/MWh, $40/MWh-equivalent hash revenue.</summary>
    private static List<IntervalRecord> Hour(double requestedMw = 0.9) => Enumerable.Range(0, 12).Select(i =>
    {
        var start = T0.AddMinutes(5 * i).UtcTicks;
        var energy = requestedMw * 5 / 60;
        return new IntervalRecord(start, start + TimeSpan.FromMinutes(5).Ticks, 50, requestedMw, 1, energy, energy * 40, energy * 50,
            Array.Empty<GroupState>(), Array.Empty<DecisionReason>());
    }).ToList();

    private static GensetBacktestOptions Options(GensetGridMode mode) => new()
    {
        // Gas pressure drops to 500 kW from minute 20 to minute 40.
        Profile = GensetSupplyProfile.ParseCsv(new StringReader("time,available_kw\n0,1000\n1200,500\n2400,1000\n"), "drop.csv"),
        RatedKw = 1000,
        Mode = mode,
        Settings = new LoadFollowingSettings { SafeLoadKw = 200 },
        Step = TimeSpan.FromSeconds(1),
    };

    [Fact]
    public void Island_load_following_trades_derate_losses_for_avoided_trips()
    {
        var o = Options(GensetGridMode.Island);
        var following = GensetBacktester.Serve(Hour(), o, follow: true);
        var unguarded = GensetBacktester.Serve(Hour(), o, follow: false);

        Assert.Equal(0.9, following.RequestedMwh, 6);
        Assert.Equal(0, following.Trips);
        Assert.Equal(0, following.DarkHours);
        // Following runs at most available x 0.9: 450 kW for the 20-minute drop, 900 kW otherwise (ramping back in steps).
        Assert.InRange(following.HashLostMwh, (900 - 450) / 1000.0 / 3, 0.2);
        Assert.True(following.HashLostUsd > 0);

        Assert.True(unguarded.Trips >= 1);
        Assert.True(unguarded.DarkHours >= 0.25 - 1e-9);   // one 15-minute restart at least
        Assert.True(unguarded.HashLostMwh > following.HashLostMwh);
        Assert.Equal(0, unguarded.GridImportMwh);
    }

    [Fact]
    public void Grid_tied_following_imports_the_shortfall_at_the_real_time_price_instead_of_tripping()
    {
        var o = Options(GensetGridMode.GridTied);
        var following = GensetBacktester.Serve(Hour(), o, follow: true);
        var unguarded = GensetBacktester.Serve(Hour(), o, follow: false);
        Assert.Equal(0, following.Trips);
        Assert.Equal(0, following.HashLostMwh, 9);
        // The genset's output (exports included) and the grid meet the miners: requested = genset + import − export.
        Assert.Equal(following.RequestedMwh, following.GensetMwh + following.GridImportMwh - following.GridExportMwh, 6);
        Assert.Equal(following.GridImportMwh * 50, following.GridImportCostUsd, 6);
        Assert.True(unguarded.Trips >= 1);
        Assert.True(unguarded.GridImportMwh > following.GridImportMwh);
        // Spare capacity is sold: 1000 x 0.9 - 900 = 0 outside the drop, so exports stay small but never negative.
        Assert.InRange(following.GridExportMwh, 0, 0.1);
        Assert.Equal(following.GridExportMwh * 50, following.GridExportRevenueUsd, 6);
    }

    [Fact]
    public void Grid_tied_sells_spare_genset_capacity_at_positive_prices()
    {
        var o = Options(GensetGridMode.GridTied) with
        {
            Profile = new GensetSupplyProfile([(TimeSpan.Zero, 1000)], lastPointDuration: TimeSpan.FromDays(1)),
        };
        var following = GensetBacktester.Serve(Hour(0.5), o, follow: true);
        // 900 kW usable, 500 kW used once ramped: about 400 kW for an hour.
        Assert.InRange(following.GridExportMwh, 0.38, 0.9);
        Assert.Equal(following.GridImportCostUsd - following.GridExportRevenueUsd, following.GridNetCostUsd, 9);
    }

    [Fact]
    public void Ample_gas_means_no_losses_either_way()
    {
        var o = Options(GensetGridMode.Island) with
        {
            Profile = new GensetSupplyProfile([(TimeSpan.Zero, 1000)], lastPointDuration: TimeSpan.FromDays(1)),
        };
        var following = GensetBacktester.Serve(Hour(0.8), o, follow: true);
        var unguarded = GensetBacktester.Serve(Hour(0.8), o, follow: false);
        Assert.Equal(0, unguarded.HashLostMwh, 9);
        Assert.Equal(0, following.Trips);
        // Following starts from zero knowledge and ramps in 15 % steps: a few minutes of lost hashing at most.
        Assert.InRange(following.HashLostMwh, 0, 0.8 * 0.1);
    }
    [Fact]
    public void The_site_files_sources_limit_and_price_the_export_and_book_fuel()
    {
        // 1000 kW genset at 30 $/MWh fuel, export limited to 100 kW and paid; the miners want 500 kW at 50 $/MWh.
        var sources = new Curtail.Core.Sites.EnergySources(new Curtail.Core.Sites.GridSource(null, 100, true),
            [new Curtail.Core.Sites.GensetSource("g", 1000, Curtail.Core.Sites.GensetAvailability.Reading, null, 30, 30)]);
        var o = Options(GensetGridMode.GridTied) with
        {
            Profile = new GensetSupplyProfile([(TimeSpan.Zero, 1000)], lastPointDuration: TimeSpan.FromDays(1)),
            Sources = sources,
        };
        var following = GensetBacktester.Serve(Hour(0.5), o, follow: true);
        // Spare capacity is 400 kW once ramped, but only 100 kW may leave: 0.1 MWh over the hour at most.
        Assert.InRange(following.GridExportMwh, 0.09, 0.1 + 1e-9);
        Assert.Equal(following.GridExportMwh * 50, following.GridExportRevenueUsd, 6);
        Assert.Equal(following.GensetMwh * 30, following.FuelCostUsd, 6);
        Assert.Equal(following.HashRevenueUsd - following.GridImportCostUsd + following.GridExportRevenueUsd - following.FuelCostUsd, following.ProfitUsd, 9);

        // Unpaid export: nothing is sold, only what the genset must carry beyond the miners leaves (unpaid).
        var unpaid = GensetBacktester.Serve(Hour(0.5), o with { Sources = sources with { Grid = new Curtail.Core.Sites.GridSource(null, 100, false) } }, follow: true);
        Assert.Equal(0, unpaid.GridExportRevenueUsd);
        Assert.True(unpaid.GridExportMwh < following.GridExportMwh);
    }

    [Fact]
    public void Grid_tied_the_import_limit_caps_the_miners_at_the_limit_plus_the_gensets_output()
    {
        // Import limited to 100 kW, no export, free fuel; the miners want 900 kW; the gas drops to 500 kW from minute 20
        // to 40, where load following runs the genset at 450 kW (10 % headroom): the grid may give only 100 kW of the
        // 450 kW shortfall, so 350 kW of hashing is lost for those 20 minutes (0.117 MWh), and more while it ramps back.
        var sources = new Curtail.Core.Sites.EnergySources(new Curtail.Core.Sites.GridSource(100, 0, false),
            [new Curtail.Core.Sites.GensetSource("g", 1000, Curtail.Core.Sites.GensetAvailability.Reading, null, 30, 0)]);
        var o = Options(GensetGridMode.GridTied) with { Sources = sources };
        var following = GensetBacktester.Serve(Hour(), o, follow: true);
        Assert.Equal(0, following.Trips);
        Assert.InRange(following.HashLostMwh, 0.35 / 3 - 1e-6, 0.2);
        Assert.Equal(following.RequestedMwh, following.ServedMwh + following.HashLostMwh, 9);
        // Never more than 100 kW in: at most 0.1 MWh over the hour, and at least 100 kW through the drop.
        Assert.InRange(following.GridImportMwh, 0.1 / 3 - 1e-6, 0.1 + 1e-9);
        Assert.Equal(following.GridImportMwh * 50, following.GridImportCostUsd, 6);

        // Without the limit the grid carries the whole shortfall and nothing is lost (the test above).
        var unlimited = GensetBacktester.Serve(Hour(), o with { Sources = sources with { Grid = new Curtail.Core.Sites.GridSource(null, 0, false) } }, follow: true);
        Assert.Equal(0, unlimited.HashLostMwh, 9);
        Assert.True(unlimited.GridImportMwh > 0.45 / 3);
    }
}
