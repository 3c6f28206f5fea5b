using System.Globalization;

namespace Curtail.Core.LoadFollowing;

/// <summary>
/// Keeps a site's load within what its genset can deliver. Pure and deterministic: the same sequence of
/// (reading, site load, time) gives the same decisions, live or in a backtest. It remembers only what the rules
/// need: the last target, the time of the last increase and of the last usable reading.
/// Call <see cref="Decide"/> every poll, and also when a poll fails (reading null) so the fail-safe can apply.
/// </summary>
public sealed class LoadFollower
{
    private readonly LoadFollowingSettings _settings;
    private DateTimeOffset? _lastUsableReading;
    private DateTimeOffset? _lastIncrease;
    private double? _lastTarget;
    private double? _ratedKw;

    public LoadFollower(LoadFollowingSettings settings) => _settings = settings.Validate();

    public LoadFollowingSettings Settings => _settings;
    public LoadDecision? LastDecision { get; private set; }
    /// <summary>Time of the last reading the follower could act on (null before the first).</summary>
    public DateTimeOffset? LastUsableReadingTime => _lastUsableReading;

    /// <param name="reading">The latest reading, or null when the poll failed.</param>
    /// <param name="siteLoadKw">The miners' present load.</param>
    /// <param name="now">Decision time.</param>
    /// <param name="requestedKw">What the rest of the engine (prices, schedules) wants; unlimited by default.</param>
    /// <param name="linkProblem">Why the poll failed (timeout, refused, exception reply), for the log.</param>
    public LoadDecision Decide(GensetReading? reading, double siteLoadKw, DateTimeOffset now,
        double requestedKw = double.PositiveInfinity, string? linkProblem = null)
    {
        if (double.IsNaN(siteLoadKw) || siteLoadKw < 0) siteLoadKw = 0;
        if (double.IsNaN(requestedKw) || requestedKw < 0) requestedKw = 0;
        LoadDecision decision;
        if (reading is not null && reading.IsFreshAt(now, _settings.MaxReadingAge) && !reading.IsOnLoad)
        {
            // A live controller saying the genset is off: that is news, not a lost link (frequency may read 0).
            _lastUsableReading = reading.TimeRead;
            _lastIncrease = null;
            decision = new LoadDecision(now, 0, 0, LoadDecisionReason.GensetOffline,
                $"genset not on load (engine {reading.EngineState}, breaker {(reading.BreakerClosed == false ? "open" : "closed")}); restart in steps of {F(_settings.MaxStepLoadPct)} %");
        }
        else if (reading is not null && reading.IsUsableAt(now, _settings.MaxReadingAge))
            decision = DecideOnReading(reading, siteLoadKw, requestedKw, now);
        else
            decision = DecideWithoutReading(reading, siteLoadKw, now, linkProblem);
        _lastTarget = decision.TargetKw;
        LastDecision = decision;
        return decision;
    }

    private LoadDecision DecideWithoutReading(GensetReading? reading, double siteLoadKw, DateTimeOffset now, string? linkProblem)
    {
        var why = reading is null
            ? linkProblem ?? "no reading"
            : $"reading unusable ({Describe(reading.IssuesAt(now, _settings.MaxReadingAge))}{(reading.Problems.Count > 0 ? ": " + string.Join("; ", reading.Problems) : "")})";
        var silentFor = _lastUsableReading is { } last ? now - last : (TimeSpan?)null;
        if (silentFor is { } s && s < _settings.LinkLossTimeout && _lastTarget is { } held)
        {
            var target = Math.Min(held, Math.Max(siteLoadKw, 0));
            return new LoadDecision(now, target, held, LoadDecisionReason.ReadingMissed,
                $"{why}; holding {F(target)} kW, fail-safe in {F((_settings.LinkLossTimeout - s).TotalSeconds)} s");
        }
        var since = silentFor is { } t ? $"no usable genset reading for {F(t.TotalSeconds)} s" : "no usable genset reading yet";
        if (_settings.FailSafe == FailSafeMode.Hold)
        {
            var target = _lastTarget is { } lt ? Math.Min(lt, siteLoadKw) : siteLoadKw;
            return new LoadDecision(now, target, target, LoadDecisionReason.FailSafeHold,
                $"fail-safe hold at {F(target)} kW: {since} ({why})");
        }
        var safe = Math.Min(_settings.SafeLoadKw, siteLoadKw);
        return new LoadDecision(now, safe, _settings.SafeLoadKw, LoadDecisionReason.FailSafeShed,
            $"fail-safe shed to safe load {F(_settings.SafeLoadKw)} kW: {since} ({why})");
    }

    private LoadDecision DecideOnReading(GensetReading r, double siteLoadKw, double requestedKw, DateTimeOffset now)
    {
        _lastUsableReading = r.TimeRead > (_lastUsableReading ?? DateTimeOffset.MinValue) ? r.TimeRead : _lastUsableReading;
        var active = r.ActivePowerKw!.Value;
        var available = Math.Max(0, r.AvailablePowerKw!.Value);
        var frequency = r.FrequencyHz!.Value;
        _ratedKw = r.RatedPowerKw ?? _ratedKw ?? available;
        var rated = _ratedKw.Value;

        // Load on the genset that is not the miners' (auxiliaries, losses): it stays whatever the miners do.
        var otherLoad = Math.Max(0, active - siteLoadKw);
        var headroomCeiling = Math.Max(0, available * (1 - _settings.Headroom) - otherLoad);

        var signals = SignalsOf(r, _settings);
        var underFrequency = signals.UnderFrequency;
        var overloadAlarm = signals.OverloadAlarm;
        if (signals.Any)
        {
            // With an alarm or a frequency sag the genset cannot carry even what it carries now, whatever its
            // available-power figure says; size the shed on the smaller of the two.
            var carriable = overloadAlarm || underFrequency ? Math.Min(available, active) : available;
            var ceiling = Math.Max(0, Math.Min(carriable * (1 - _settings.Headroom) - otherLoad, siteLoadKw));
            var target = Math.Min(ceiling, requestedKw);
            _lastIncrease = now;
            var overKw = signals.AboveAvailable;
            var reason = overKw || overloadAlarm ? LoadDecisionReason.Overload : LoadDecisionReason.UnderFrequency;
            var causes = new List<string>();
            if (overKw) causes.Add($"active {F(active)} kW above available {F(available)} kW");
            if (overloadAlarm) causes.Add("overload alarm");
            if (underFrequency) causes.Add($"frequency {F(frequency)} Hz below floor {F(_settings.FrequencyFloorHz)} Hz");
            var cause = string.Join(", ", causes);
            var minLoadKw = _settings.MinLoadPct / 100 * rated;
            var belowMin = target < minLoadKw ? $"; below min load {F(minLoadKw)} kW to protect the genset" : "";
            return new LoadDecision(now, target, ceiling, reason,
                $"{cause}: shed {F(siteLoadKw - target)} kW to {F(target)} kW{belowMin}");
        }

        var desired = Math.Min(requestedKw, headroomCeiling);
        var why = requestedKw <= headroomCeiling ? LoadDecisionReason.Following : LoadDecisionReason.HeadroomLimit;
        var minLoad = _settings.MinLoadPct / 100 * rated;
        if (desired < minLoad && headroomCeiling >= minLoad)
        {
            desired = minLoad;
            why = LoadDecisionReason.MinLoad;
        }

        var detailBase = $"active {F(active)} kW, available {F(available)} kW, ceiling {F(headroomCeiling)} kW, {F(frequency)} Hz";
        if (desired <= siteLoadKw)
            return new LoadDecision(now, desired, headroomCeiling, why, detailBase);

        // An increase: the genset must never see a step above max_step, and frequency must settle in between.
        var held = Math.Min(desired, Math.Max(siteLoadKw, _lastTarget ?? siteLoadKw));
        if (_lastIncrease is { } li && now - li < _settings.SettleTime)
            return new LoadDecision(now, held, headroomCeiling, LoadDecisionReason.Settling,
                $"{detailBase}; next step after {F((_settings.SettleTime - (now - li)).TotalSeconds)} s");
        if (frequency < _settings.RecoveredFrequencyHz)
            return new LoadDecision(now, held, headroomCeiling, LoadDecisionReason.Settling,
                $"{detailBase}; waiting for frequency to recover to {F(_settings.RecoveredFrequencyHz)} Hz");

        var step = _settings.MaxStepLoadPct / 100 * rated;
        var stepped = Math.Min(desired, siteLoadKw + step);
        if (stepped > (_lastTarget ?? siteLoadKw)) _lastIncrease = now;
        return stepped < desired
            ? new LoadDecision(now, stepped, headroomCeiling, LoadDecisionReason.StepLimited,
                $"{detailBase}; step of {F(step)} kW towards {F(desired)} kW")
            : new LoadDecision(now, stepped, headroomCeiling, why, detailBase);
    }

    /// <summary>What in a reading calls for a shed at once; the poller uses it to decide without waiting for the cycle.</summary>
    public static OverloadSignals SignalsOf(GensetReading r, LoadFollowingSettings settings) => new(
        r.ActivePowerKw is { } active && r.AvailablePowerKw is { } available && active > Math.Max(0, available),
        r.Alarms.HasFlag(GensetAlarms.Overload),
        r.FrequencyHz is { } frequency && frequency < settings.FrequencyFloorHz);

    private static string Describe(ReadingIssues issues) => issues == ReadingIssues.None ? "missing values" : issues.ToString();

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
}
