using Curtail.Core.Fleet;

namespace Curtail.Core.Sites;

/// <summary>A mining site as the decision engine and backtest see it; built from a site file by <see cref="SiteFileParser"/>.</summary>
public sealed record SiteDefinition(
    string Name,
    string SettlementPoint,
    EnergySettings Energy,
    EconomicsSettings Economics,
    IReadOnlyList<FleetGroup> Fleet,
    PolicySettings Policy,
    OperatingConstraints Constraints)
{
    public double FullPowerMw => Fleet.Sum(g => g.FullPowerMw);

    /// <summary>The <c>four_cp:</c> section; null when the site file has none (4CP watch off).</summary>
    public FourCpSiteSettings? FourCp { get; init; }

    /// <summary>Where the site's power comes from (<c>energy.sources</c>); grid only when the site file has none.</summary>
    public EnergySources Sources { get; init; } = EnergySources.GridOnly;

    /// <summary>The demand-response programs the site is enrolled in (<c>demand_response:</c>); empty when none.</summary>
    public IReadOnlyList<Economics.DemandResponseEnrollment> DemandResponse { get; init; } = [];

    /// <summary>True when the 4CP watch wraps the site's policy.</summary>
    public bool FourCpEnabled => FourCp is { Enabled: true };
}

public enum EnergyContract
{
    /// <summary>Pays the real-time price of the settlement point plus the adder for what it consumes.</summary>
    Index,

    /// <summary>Buys the full site load at a fixed price and sells what it does not use back at the real-time price.</summary>
    Fixed,
}

public sealed record EnergySettings(double AdderUsdPerMwh, EnergyContract Contract, double? FixedPriceUsdPerMwh);

/// <summary>Either a constant hashprice or a daily series file (path as written, relative to the site file's folder).</summary>
public sealed record HashpriceSource(double? ConstantUsdPerThDay, string? File);

public sealed record EconomicsSettings(HashpriceSource Hashprice, double PoolFee);

public enum PolicyKind
{
    AlwaysOn,
    Threshold,
    Breakeven,
    Oracle,

    /// <summary>The forecast planner (<c>ForecastPolicy</c>): plans each group over the next 24 forecast intervals.</summary>
    Forecast,

    /// <summary>
    /// The gated forecast rule (<c>ForecastGatedPolicy</c>): a reactive trigger on each group's breakeven whose firing the
    /// forecast may veto and whose resume it may bring forward; what <c>curtail forecast-eval</c> scores as "forecast".
    /// </summary>
    ForecastGated,
}

public sealed record PolicySettings(
    PolicyKind Kind,
    double? CurtailAboveUsdPerMwh,
    double? ResumeBelowUsdPerMwh,
    int ConfirmIntervals,
    double? HardCapUsdPerMwh,
    double BreakevenMargin)
{
    public static PolicySettings AlwaysOn { get; } = new(PolicyKind.AlwaysOn, null, null, 1, null, 1);

    /// <summary>The forecast policy's keys (model, horizon, risk weight); the defaults when the site file gives none.</summary>
    public ForecastSettings Forecast { get; init; } = ForecastSettings.Default;

    /// <summary>The gated forecast rule's trigger and gates (<c>policy.kind: forecast_gated</c>); the validated defaults when the site file gives none.</summary>
    public ForecastGateSettings Gates { get; init; } = ForecastGateSettings.Default;

    /// <summary>The resume strike: hysteresis when set, else the curtail strike itself.</summary>
    public double? EffectiveResumeBelow => ResumeBelowUsdPerMwh ?? CurtailAboveUsdPerMwh;
}

/// <summary>How miners behave around a transition, in the units users think in.</summary>
public sealed record OperatingConstraints(double SleepSeconds, double WakeMinutes, double MinOffMinutes, double MinOnMinutes)
{
    public static OperatingConstraints None { get; } = new(0, 0, 0, 0);
}

/// <summary>
/// The forecast policy's settings in a site file. <see cref="Model"/> is a path relative to the site file, or
/// <c>models:NAME</c> for a model shipped in the repository's models/ folder.
/// </summary>
public sealed record ForecastSettings(string Model, int HorizonIntervals, double RiskWeight, ForecastExpectation Expectation)
{
    /// <summary>
    /// The default model: the freshest that ships with Curtail (HB_WEST, trained on 2021–2024), what the live controller
    /// uses. A backtest of a window it was trained on falls back to the freshest of <see cref="ShippedModels"/> trained
    /// before the window (a model named in the site file is used as named, or refused).
    /// </summary>
    public const string ShippedModel = "models:hb_west_2021_2024";

    /// <summary>The shipped models, freshest first.</summary>
    public static readonly IReadOnlyList<string> ShippedModels = [ShippedModel, "models:hb_west_2021_2023", "models:hb_west_2021_2022"];

    public const int MaxHorizonIntervals = 24;

    public static ForecastSettings Default { get; } = new(ShippedModel, MaxHorizonIntervals, 0, ForecastExpectation.Quantiles);
}

/// <summary>
/// The gated forecast rule's keys in a site file. The trigger curtails a group when the last
/// <see cref="PolicySettings.ConfirmIntervals"/> settled prices (or <see cref="ScedConfirmRuns"/> SCED LMPs on the SCED
/// clock) are above its breakeven plus <see cref="CurtailMarginUsdPerMwh"/>, and resumes it below breakeven minus
/// <see cref="ResumeMarginUsdPerMwh"/>; the forecast vetoes a fired trigger while P(price &gt; breakeven) is below
/// <see cref="VetoBelow"/> and resumes a curtailed group early while it is below <see cref="EarlyResumeBelow"/>.
/// The defaults were chosen on 2021-2023 only (docs/forecasting.md): the trigger +4/−4 on the reference site (both
/// forward-chaining folds chose it), the gates by `curtail forecast-tune`, the SCED confirm a priori.
/// </summary>
/// On the SCED clock <see cref="ScedMode"/> chooses how the rule reads the SCED LMPs: as the 15-minute rule on the 15
/// minutes ending at each run (<c>windows</c>, the default since 2026-12-05, chosen on 2024's SCED evidence after the
/// pre-registered run: docs/forecasting.md), by counting runs (<c>runs</c>, the default before), or counting runs with
/// the forecast made from those windows at each run (<c>runs_window_forecast</c>).
public sealed record ForecastGateSettings(double CurtailMarginUsdPerMwh, double ResumeMarginUsdPerMwh, int ScedConfirmRuns, double VetoBelow, double EarlyResumeBelow,
    ScedDecisionMode ScedMode = ScedDecisionMode.Windows)
{
    public static ForecastGateSettings Default { get; } = new(4, 4, 2, 0.4, 0.05);

    /// <summary>The largest SCED confirm count a site file accepts (an hour of SCED runs).</summary>
    public const int MaxScedConfirmRuns = 12;
}

/// <summary>How the gated forecast rule reads SCED LMPs when it decides on the SCED clock.</summary>
public enum ScedDecisionMode
{
    /// <summary>The trigger counts SCED runs (<see cref="ForecastGateSettings.ScedConfirmRuns"/>); the forecast is the interval's, and does not veto.</summary>
    Runs,

    /// <summary>
    /// The 15-minute rule, unchanged, on the 15 minutes ending at each SCED run (<see cref="Decisions.SlidingWindows"/>): the
    /// trigger reads those windows and the forecast is made from them, so its veto and gates act at every run.
    /// </summary>
    Windows,

    /// <summary>
    /// The trigger counts SCED runs as with <see cref="Runs"/>; the forecast is made at each run from the 15-minute windows
    /// ending there (as with <see cref="Windows"/>), so it is as fresh as the trigger and its veto and hold act on it.
    /// </summary>
    RunsWithWindowForecast,
}

/// <summary>How a forecast interval becomes the one price the forecast policy plans with.</summary>
public enum ForecastExpectation
{
    /// <summary>0.3·P10 + 0.4·P50 + 0.3·P90.</summary>
    Quantiles,

    /// <summary>The least-squares mean ensemble.</summary>
    Mean,
}

/// <summary>
/// The <c>four_cp:</c> (or <c>peak_avoidance:</c>) section: curtail every group through hours likely to be one of the
/// <see cref="Rule"/>'s ERCOT system peaks (4CP by default), within a monthly budget of hours; the rate prices the
/// transmission charge avoided (docs/forecasting.md, docs/demand-response.md).
/// </summary>
public sealed record FourCpSiteSettings(bool Enabled, double ProbabilityThreshold, double MonthlyBudgetHours, double RateUsdPerKwYear)
{
    public static FourCpSiteSettings Default { get; } = new(true, 0.05, 12, 75);

    /// <summary>The peak rule the watch avoids and the charge is assessed by (<c>rule:</c>, default 4CP).</summary>
    public PeakRule Rule { get; init; } = PeakRule.FourCp;
}
