using Curtail.Core;
using Curtail.Core.Sites;

namespace Curtail.Controller.Trading;

/// <summary>The strikes a trader sets live; they start from the site file's policy and every change is audited.</summary>
public sealed record TradingSettings(double? CurtailAboveUsdPerMwh, double? ResumeBelowUsdPerMwh, int ConfirmIntervals, double? HardCapUsdPerMwh)
{
    public static TradingSettings From(PolicySettings p) => new(p.CurtailAboveUsdPerMwh, p.ResumeBelowUsdPerMwh, p.ConfirmIntervals, p.HardCapUsdPerMwh);

    public PolicySettings ApplyTo(PolicySettings p) => p with
    {
        CurtailAboveUsdPerMwh = CurtailAboveUsdPerMwh,
        ResumeBelowUsdPerMwh = ResumeBelowUsdPerMwh,
        ConfirmIntervals = ConfirmIntervals,
        HardCapUsdPerMwh = HardCapUsdPerMwh,
    };

    /// <summary>The same checks as the site file, with the field names of the API.</summary>
    public TradingSettings Validated()
    {
        if (CurtailAboveUsdPerMwh is { } s && (s < -251 || s > 10000))
            throw new InvalidInputException("curtail_above_usd_per_mwh", null, $"must be within ERCOT's price range [-251, 10000], got {s}");
        if (ResumeBelowUsdPerMwh is { } r && CurtailAboveUsdPerMwh is null)
            throw new InvalidInputException("resume_below_usd_per_mwh", null, "needs curtail_above_usd_per_mwh");
        if (ResumeBelowUsdPerMwh > CurtailAboveUsdPerMwh)
            throw new InvalidInputException("resume_below_usd_per_mwh", null, $"resume strike {ResumeBelowUsdPerMwh} is above the curtail strike {CurtailAboveUsdPerMwh}");
        if (ConfirmIntervals < 1)
            throw new InvalidInputException("confirm_intervals", null, $"must be at least 1, got {ConfirmIntervals}");
        if (HardCapUsdPerMwh is { } c && (c < -251 || c > 10000))
            throw new InvalidInputException("hard_cap_usd_per_mwh", null, $"must be within ERCOT's price range [-251, 10000], got {c}");
        return this;
    }
}

public enum OverrideMode
{
    ForceRun,
    ForceCurtail,
}

/// <summary>A trader's or operator's override of the price policy, in force until <see cref="Until"/>.</summary>
public sealed record TradingOverride(OverrideMode Mode, DateTimeOffset Until, string SetBy, string? Reason)
{
    public bool ActiveAt(DateTimeOffset now) => now < Until;
}
