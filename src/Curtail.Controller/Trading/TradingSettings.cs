using Curtail.Controller.Api;
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

    /// <summary>The same checks as the site file, with the field names of the API; every price is finite and within ERCOT's range.</summary>
    public TradingSettings Validated()
    {
        ApiLimits.InRange(CurtailAboveUsdPerMwh, "curtail_above_usd_per_mwh", ApiLimits.MinPriceUsdPerMwh, ApiLimits.MaxPriceUsdPerMwh);
        ApiLimits.InRange(ResumeBelowUsdPerMwh, "resume_below_usd_per_mwh", ApiLimits.MinPriceUsdPerMwh, ApiLimits.MaxPriceUsdPerMwh);
        ApiLimits.InRange(HardCapUsdPerMwh, "hard_cap_usd_per_mwh", ApiLimits.MinPriceUsdPerMwh, ApiLimits.MaxPriceUsdPerMwh);
        if (ResumeBelowUsdPerMwh is not null && CurtailAboveUsdPerMwh is null)
            throw new InvalidInputException("resume_below_usd_per_mwh", null, "needs curtail_above_usd_per_mwh");
        if (ResumeBelowUsdPerMwh > CurtailAboveUsdPerMwh)
            throw new InvalidInputException("resume_below_usd_per_mwh", null, $"resume strike {ResumeBelowUsdPerMwh} is above the curtail strike {CurtailAboveUsdPerMwh}");
        if (ConfirmIntervals is < 1 or > ApiLimits.MaxConfirmIntervals)
            throw new InvalidInputException("confirm_intervals", null, $"must be 1..{ApiLimits.MaxConfirmIntervals}, got {ConfirmIntervals}");
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
