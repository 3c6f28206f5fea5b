using Curtail.Controller.Config;
using Curtail.Controller.Hosting;
using Curtail.Controller.Jobs;
using Curtail.Core.LoadFollowing;
using Curtail.Core.Sites;

namespace Curtail.Controller.Tests;

public class ControllerSchedulesTests
{
    private static ControllerConfig Config() => new()
    {
        Site = SiteFileParser.Parse("""
            name: t
            settlement_point: HB_WEST
            economics: {hashprice: {usd_per_th_day: 0.05}}
            fleet: [{group: a, count: 1, hashrate_th: 100, power_w: 3000}]
            policy: {kind: threshold, curtail_above_usd_per_mwh: 100}
            """, "t.yaml"),
        Prices = new PriceFeedConfig("http://127.0.0.1:1", null, TimeSpan.FromMinutes(20)),
        Genset = new GensetConfig("127.0.0.1", 1502, "default", 1, TimeSpan.FromSeconds(1), new LoadFollowingSettings()),
        FourCp = new FourCpConfig([6, 7, 8, 9], [15, 16, 17]),
    };

    [Fact]
    public void RealTimeSchedulesFollowErcotsClock()
    {
        var s = ControllerSchedules.For(Config(), TimeProvider.System).ToDictionary(x => x.Job);
        Assert.Equal(TimeSpan.FromMinutes(5), s["decision-cycle"].Every);
        Assert.Equal("0 1/15 * * * ?", s["price-poll"].Cron);
        Assert.Equal("0 1/5 * * * ?", s["sced-poll"].Cron);
        Assert.Equal(TimeSpan.FromSeconds(1), s["genset-poll"].Every);
        Assert.Equal("0 0 * ? 6,7,8,9 *", s["4cp-window"].Cron);
        Assert.Equal("America/Chicago", s["4cp-window"].Zone!.Id);
        // With a genset, its poll is the load trace's reading; without one, the trace samples the miners every second.
        Assert.False(s.ContainsKey("load-trace"));
        var noGenset = ControllerSchedules.For(Config() with { Genset = null, FleetFile = "fleet.yaml" }, TimeProvider.System).ToDictionary(x => x.Job);
        Assert.Equal(TimeSpan.FromSeconds(1), noGenset["load-trace"].Every);
        Assert.False(noGenset.ContainsKey("genset-poll"));
    }

    [Fact]
    public void TheFourCpWatchOfTheSiteFileAddsHourlyCyclesInItsPeakMonths()
    {
        var config = Config();
        var withWatch = config with { FourCp = new FourCpConfig([5], [16]), Site = config.Site with { FourCp = FourCpSiteSettings.Default } };
        Assert.Equal("0 0 * ? 5,6,7,8,9 *", ControllerSchedules.For(withWatch, TimeProvider.System).Single(x => x.Job == "4cp-window").Cron);
        var neither = config with { FourCp = null };
        Assert.DoesNotContain(ControllerSchedules.For(neither, TimeProvider.System), x => x.Job == "4cp-window");
    }

    [Fact]
    public void AcceleratedSchedulesAreRealIntervalsDividedByTheSpeed()
    {
        var time = new AcceleratedTimeProvider(new DateTimeOffset(2023, 8, 17, 16, 0, 0, TimeSpan.Zero), 60);
        var s = ControllerSchedules.For(Config(), time).ToDictionary(x => x.Job);
        Assert.Equal(TimeSpan.FromSeconds(5), s["decision-cycle"].Every);
        Assert.Equal(TimeSpan.FromSeconds(5), s["price-poll"].Every);
        Assert.Equal(TimeSpan.FromSeconds(1), s["sced-poll"].Every); // every replay minute: a new SCED run is acted on within one
        Assert.Null(s["price-poll"].Cron);
        Assert.Equal(TimeSpan.FromMilliseconds(20), s["genset-poll"].Every); // floor: never busier than 50 polls a second
        Assert.Equal(TimeSpan.FromMinutes(1), s["4cp-window"].Every);
        Assert.Equal(TimeSpan.FromHours(0.4), s["housekeeping"].Every);
    }

    [Fact]
    public void TheAcceleratedClockRunsFastFromItsStart()
    {
        var start = new DateTimeOffset(2023, 8, 17, 16, 0, 0, TimeSpan.Zero);
        var time = new AcceleratedTimeProvider(start, 3600);
        Thread.Sleep(50);
        var elapsed = time.GetUtcNow() - start;
        Assert.InRange(elapsed, TimeSpan.FromSeconds(150), TimeSpan.FromMinutes(30));
    }
}
