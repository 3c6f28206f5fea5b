namespace Curtail.Core.Economics;

/// <summary>
/// How hashrate falls when a miner is power-limited: hashrate fraction = p^(1/α) for power fraction p, with α = 1.45
/// fitted to a measured S19j Pro underclock and LuxOS profile steps (docs/economics.md). Only valid from a group's
/// minimum power fraction (≥ about 0.5) up to nameplate.
/// </summary>
public static class PowerHashrateModel
{
    public const double Alpha = 1.45;
    private const double InverseAlpha = 1 / Alpha;

    public static double HashrateFraction(double powerFraction) =>
        powerFraction >= 1 ? 1 : powerFraction <= 0 ? 0 : Math.Pow(powerFraction, InverseAlpha);

    /// <summary>
    /// Power fraction in [minFraction, 1] that maximises r·f^(1/α) − c·f (revenue and cost per unit time at nameplate).
    /// The objective is concave, so the unconstrained optimum clamped to the range is the constrained one.
    /// </summary>
    public static double BestPowerFraction(double revenueAtFull, double costAtFull, double minFraction)
    {
        if (costAtFull <= 0 || minFraction >= 1 || revenueAtFull <= 0) return 1;
        var f = Math.Pow(revenueAtFull / (Alpha * costAtFull), Alpha / (Alpha - 1));
        return Math.Clamp(f, minFraction, 1);
    }
}
