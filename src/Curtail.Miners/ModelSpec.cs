namespace Curtail.Miners;

/// <summary>
/// Nameplate figures of a miner model (SOURCES.md Appendix A) and the power-hashrate model used when firmware
/// reports no power: hashrate ∝ p^(1/1.45) for p = P/P_nominal in [0.5, 1].
/// </summary>
public sealed record ModelSpec(string Name, double NominalThs, double NominalW, double SleepW = 25)
{
    public const double Alpha = 1.45;

    /// <summary>Below half power fans and PSU losses dominate; firmware does not go lower.</summary>
    public const double MinPowerFraction = 0.5;

    public double JoulesPerTh => NominalW / NominalThs;

    public PowerLimits DefaultLimits => new(Math.Round(NominalW * MinPowerFraction), NominalW);

    /// <summary>Hashrate at a steady power draw.</summary>
    public double HashrateAt(double watts)
    {
        if (watts <= SleepW) return 0;
        var p = watts / NominalW;
        if (p >= 1) return NominalThs * p; // overclock: treat J/TH as flat
        if (p >= MinPowerFraction) return NominalThs * Math.Pow(p, 1 / Alpha);
        // Below the modelled range (ramping): linear to zero so the curve stays continuous.
        return NominalThs * Math.Pow(MinPowerFraction, 1 / Alpha) * (p / MinPowerFraction);
    }

    /// <summary>Inverse of <see cref="HashrateAt"/>: the power that gives a hashrate.</summary>
    public double PowerFor(double ths)
    {
        if (ths <= 0) return SleepW;
        var h = ths / NominalThs;
        if (h >= 1) return NominalW * h;
        var hMin = Math.Pow(MinPowerFraction, 1 / Alpha);
        if (h >= hMin) return NominalW * Math.Pow(h, Alpha);
        return NominalW * MinPowerFraction * (h / hMin);
    }
}

public static class ModelCatalog
{
    public static readonly ModelSpec AntminerS9 = new("Antminer S9", 13.5, 1323);
    public static readonly ModelSpec AntminerS17 = new("Antminer S17", 56, 2520);
    public static readonly ModelSpec AntminerS19 = new("Antminer S19", 95, 3250);
    public static readonly ModelSpec AntminerS19jPro = new("Antminer S19j Pro", 100, 3050);
    public static readonly ModelSpec AntminerS19Xp = new("Antminer S19 XP", 140, 3010);
    public static readonly ModelSpec AntminerS21 = new("Antminer S21", 200, 3500);
    public static readonly ModelSpec AntminerS21Pro = new("Antminer S21 Pro", 234, 3510);
    public static readonly ModelSpec AntminerS21Xp = new("Antminer S21 XP", 270, 3645);
    public static readonly ModelSpec WhatsminerM30SPlusPlus = new("Whatsminer M30S++", 112, 3472);
    public static readonly ModelSpec WhatsminerM50S = new("Whatsminer M50S", 126, 3276);
    public static readonly ModelSpec WhatsminerM60S = new("Whatsminer M60S", 186, 3441);

    // Canaan's published nameplates (vendor product pages; not part of Appendix A): A1246 90 TH/s 3,420 W,
    // A1366 130 TH/s 3,250 W.
    public static readonly ModelSpec AvalonA1246 = new("Avalon A1246", 90, 3420);
    public static readonly ModelSpec AvalonA1366 = new("Avalon A1366", 130, 3250);

    public static IReadOnlyList<ModelSpec> All { get; } =
    [
        AvalonA1246, AvalonA1366,
        AntminerS9, AntminerS17, AntminerS19, AntminerS19jPro, AntminerS19Xp, AntminerS21, AntminerS21Pro,
        AntminerS21Xp, WhatsminerM30SPlusPlus, WhatsminerM50S, WhatsminerM60S,
    ];

    /// <summary>Finds a model by name, tolerant of case, spaces and the vendor prefix ("S19j Pro", "antminer s19jpro").</summary>
    public static ModelSpec? Find(string name)
    {
        var key = Normalize(name);
        return All.FirstOrDefault(m => Normalize(m.Name) == key)
               ?? All.FirstOrDefault(m => Normalize(m.Name).EndsWith(key, StringComparison.Ordinal) && key.Length >= 3);
    }

    private static string Normalize(string s) =>
        new string(s.Where(c => char.IsLetterOrDigit(c) || c == '+').ToArray()).ToLowerInvariant();
}
