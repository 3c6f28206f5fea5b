using Curtail.Core.LoadFollowing;

namespace Curtail.Core.Tests.LoadFollowing;

public class LoadFollowerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 7, 1, 18, 0, 0, TimeSpan.Zero);

    private static GensetReading Reading(double active, double available, double hz = 60.5, DateTimeOffset? at = null,
        GensetAlarms alarms = GensetAlarms.None, EngineState state = EngineState.RunningLoaded, bool breaker = true,
        ReadingIssues issues = ReadingIssues.None) => new()
    {
        TimeRead = at ?? T0, ActivePowerKw = active, AvailablePowerKw = available, RatedPowerKw = 1000, FrequencyHz = hz,
        EngineState = state, BreakerClosed = breaker, Alarms = alarms, Heartbeat = 1, Issues = issues,
    };

    private static LoadFollower Follower(FailSafeMode mode = FailSafeMode.ShedToSafeLoad) => new(new LoadFollowingSettings
    {
        Headroom = 0.10, MaxStepLoadPct = 15, SettleTime = TimeSpan.FromSeconds(5), FrequencyFloorHz = 59.4,
        RecoveredFrequencyHz = 59.7, MinLoadPct = 30, FailSafe = mode, SafeLoadKw = 250, LinkLossTimeout = TimeSpan.FromSeconds(2),
    });

    [Fact]
    public void Target_never_exceeds_available_times_one_minus_headroom()
    {
        var rng = new Random(42);
        var f = Follower();
        var t = T0;
        double site = 300;
        for (var i = 0; i < 2000; i++)
        {
            t = t.AddSeconds(1 + rng.Next(6));
            var available = 200 + rng.NextDouble() * 800;
            var d = f.Decide(Reading(site, available, 59.4 + rng.NextDouble() * 2, t), site, t, rng.NextDouble() < 0.5 ? double.PositiveInfinity : rng.NextDouble() * 1000);
            Assert.True(d.TargetKw <= available * 0.9 + 1e-9, $"{d} exceeds {available * 0.9}");
            Assert.True(d.TargetKw <= d.CeilingKw + 1e-9, d.ToString());
            Assert.True(d.TargetKw - site <= 150 + 1e-9, $"step above 15 %: {site} -> {d}");
            site = d.TargetKw;
        }
    }

    [Fact]
    public void Overload_is_cleared_by_one_shed()
    {
        var f = Follower();
        var d = f.Decide(Reading(active: 900, available: 600), 900, T0);
        Assert.Equal(LoadDecisionReason.Overload, d.Reason);
        Assert.Equal(600 * 0.9, d.TargetKw, 6);
        Assert.Contains("active 900 kW above available 600 kW", d.Detail);
        Assert.True(d.IsShed);
    }

    [Fact]
    public void Auxiliary_load_is_kept_out_of_the_site_target()
    {
        var f = Follower();
        var d = f.Decide(Reading(active: 950, available: 800), 900, T0);
        // 50 kW of the genset's load is not the miners'; the site must fit in 720 - 50.
        Assert.Equal(800 * 0.9 - 50, d.TargetKw, 6);
    }

    [Fact]
    public void Overload_alarm_or_low_frequency_sheds_even_when_kw_looks_fine()
    {
        var alarm = Follower().Decide(Reading(active: 700, available: 950, alarms: GensetAlarms.Overload), 700, T0);
        Assert.Equal(LoadDecisionReason.Overload, alarm.Reason);
        Assert.Equal(700 * 0.9, alarm.TargetKw, 6);

        var sag = Follower().Decide(Reading(active: 700, available: 950, hz: 59.0), 700, T0);
        Assert.Equal(LoadDecisionReason.UnderFrequency, sag.Reason);
        Assert.True(sag.TargetKw < 700);
        Assert.Contains("59 Hz below floor 59.4 Hz", sag.Detail);
    }

    [Fact]
    public void Increases_are_stepped_with_a_settle_time_between_steps()
    {
        var f = Follower();
        var d1 = f.Decide(Reading(300, 950, at: T0), 300, T0);
        Assert.Equal(LoadDecisionReason.StepLimited, d1.Reason);
        Assert.Equal(450, d1.TargetKw, 6);

        var t1 = T0.AddSeconds(1);
        var d2 = f.Decide(Reading(450, 950, at: t1), 450, t1);
        Assert.Equal(LoadDecisionReason.Settling, d2.Reason);
        Assert.Equal(450, d2.TargetKw, 6);

        var t5 = T0.AddSeconds(5);
        var d3 = f.Decide(Reading(450, 950, at: t5), 450, t5);
        Assert.Equal(600, d3.TargetKw, 6);

        var t20 = T0.AddSeconds(20);
        var d4 = f.Decide(Reading(810, 950, at: t20), 810, t20);
        Assert.Equal(LoadDecisionReason.HeadroomLimit, d4.Reason);
        Assert.Equal(855, d4.TargetKw, 6);
    }

    [Fact]
    public void No_increase_until_frequency_has_recovered()
    {
        var f = Follower();
        var d = f.Decide(Reading(400, 950, hz: 59.5), 400, T0);
        Assert.Equal(LoadDecisionReason.Settling, d.Reason);
        Assert.Equal(400, d.TargetKw, 6);
        Assert.Contains("recover", d.Detail);
    }

    [Fact]
    public void Minimum_load_is_kept_when_the_genset_can_carry_it()
    {
        var f = Follower();
        var d = f.Decide(Reading(500, 950), 500, T0, requestedKw: 100);
        Assert.Equal(LoadDecisionReason.MinLoad, d.Reason);
        Assert.Equal(300, d.TargetKw, 6);

        // Available too low for the minimum load: safety first.
        var low = Follower().Decide(Reading(200, 250), 200, T0, requestedKw: 100);
        Assert.Equal(100, low.TargetKw, 6);
    }

    [Fact]
    public void Lost_link_holds_then_fails_safe_within_the_timeout_with_its_reason()
    {
        var f = Follower();
        f.Decide(Reading(600, 950, at: T0), 600, T0);
        var missed = f.Decide(null, 600, T0.AddSeconds(1), linkProblem: "timeout after 500 ms");
        Assert.Equal(LoadDecisionReason.ReadingMissed, missed.Reason);
        Assert.Equal(600, missed.TargetKw, 6);
        Assert.Contains("timeout after 500 ms", missed.Detail);

        var safe = f.Decide(null, 600, T0.AddSeconds(2), linkProblem: "connection refused");
        Assert.Equal(LoadDecisionReason.FailSafeShed, safe.Reason);
        Assert.Equal(250, safe.TargetKw, 6);
        Assert.Contains("no usable genset reading for 2 s", safe.Detail);
        Assert.Contains("connection refused", safe.Detail);

        var back = f.Decide(Reading(250, 950, at: T0.AddSeconds(6)), 250, T0.AddSeconds(6));
        Assert.Equal(LoadDecisionReason.StepLimited, back.Reason);
        Assert.Equal(400, back.TargetKw, 6);
    }

    [Fact]
    public void Hold_mode_keeps_present_load_without_increases()
    {
        var f = Follower(FailSafeMode.Hold);
        f.Decide(Reading(600, 950, at: T0), 600, T0);
        var d = f.Decide(null, 580, T0.AddSeconds(2.5), linkProblem: "timeout");
        Assert.Equal(LoadDecisionReason.FailSafeHold, d.Reason);
        Assert.Equal(580, d.TargetKw, 6);
    }

    [Fact]
    public void Stale_and_frozen_heartbeat_readings_are_not_used()
    {
        var f = Follower();
        f.Decide(Reading(600, 950, at: T0), 600, T0);
        var stale = f.Decide(Reading(600, 2000, at: T0), 600, T0.AddSeconds(2.5));
        Assert.Equal(LoadDecisionReason.FailSafeShed, stale.Reason);
        Assert.Contains("Stale", stale.Detail);

        var g = Follower();
        g.Decide(Reading(600, 950, at: T0), 600, T0);
        var frozen = g.Decide(Reading(600, 950, at: T0.AddSeconds(1), issues: ReadingIssues.HeartbeatFrozen), 600, T0.AddSeconds(1));
        Assert.Equal(LoadDecisionReason.ReadingMissed, frozen.Reason);
        Assert.Contains("HeartbeatFrozen", frozen.Detail);
        var frozen2 = g.Decide(Reading(600, 950, at: T0.AddSeconds(2), issues: ReadingIssues.HeartbeatFrozen), 600, T0.AddSeconds(2));
        Assert.True(frozen2.IsFailSafe);
    }

    [Fact]
    public void Reading_with_an_out_of_range_value_missing_is_not_used()
    {
        var f = Follower();
        var r = Reading(600, 950) with { FrequencyHz = null, Issues = ReadingIssues.OutOfRange, Problems = ["frequency_hz: 99 outside [40, 70]"] };
        var d = f.Decide(r, 600, T0);
        Assert.True(d.IsFailSafe);
        Assert.Contains("frequency_hz: 99 outside", d.Detail);
    }

    [Fact]
    public void Tripped_genset_means_zero_then_a_stepped_restart()
    {
        var f = Follower();
        var off = f.Decide(Reading(0, 950, hz: 0, state: EngineState.Shutdown, breaker: false), 800, T0);
        Assert.Equal(LoadDecisionReason.GensetOffline, off.Reason);
        Assert.Equal(0, off.TargetKw);
        var t = T0.AddSeconds(30);
        var first = f.Decide(Reading(0, 950, at: t), 0, t);
        Assert.Equal(150, first.TargetKw, 6);
    }

    [Theory]
    [InlineData(3.0, "link_loss_timeout")]
    [InlineData(0.0, "link_loss_timeout")]
    public void Link_loss_timeout_above_two_seconds_is_rejected(double seconds, string key)
    {
        var ex = Assert.Throws<InvalidInputException>(() => new LoadFollower(new LoadFollowingSettings { LinkLossTimeout = TimeSpan.FromSeconds(seconds) }));
        Assert.Contains(key, ex.Message);
    }

    [Fact]
    public void Same_inputs_give_same_decisions()
    {
        static List<LoadDecision> Run()
        {
            var f = Follower();
            var rng = new Random(5);
            var list = new List<LoadDecision>();
            double site = 400;
            for (var i = 0; i < 200; i++)
            {
                var t = T0.AddSeconds(i);
                var reading = rng.NextDouble() < 0.1 ? null : Reading(site, 500 + rng.Next(500), 59 + rng.NextDouble() * 2, t);
                var d = f.Decide(reading, site, t, linkProblem: "lost");
                list.Add(d);
                site = d.TargetKw;
            }
            return list;
        }
        Assert.Equal(Run(), Run());
    }
}
