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

    /// <summary>The resume strike: hysteresis when set, else the curtail strike itself.</summary>
    public double? EffectiveResumeBelow => ResumeBelowUsdPerMwh ?? CurtailAboveUsdPerMwh;
}

/// <summary>How miners behave around a transition, in the units users think in.</summary>
public sealed record OperatingConstraints(double SleepSeconds, double WakeMinutes, double MinOffMinutes, double MinOnMinutes)
{
    public static OperatingConstraints None { get; } = new(0, 0, 0, 0);
}
