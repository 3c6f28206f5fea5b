using System.Globalization;
using Curtail.Core;
using Curtail.Core.Sites;

namespace Curtail.Simulation.Sweep;

/// <summary>One swept site key and its grid, from <c>KEY=FROM:TO:STEP</c>.</summary>
public sealed record SweepParameter(string Key, double From, double To, double Step)
{
    /// <summary>The site keys a sweep can vary, and whether changing them changes the always-on and oracle references.</summary>
    public static readonly IReadOnlyDictionary<string, bool> Keys = new Dictionary<string, bool>
    {
        ["policy.curtail_above_usd_per_mwh"] = false,
        ["policy.resume_below_usd_per_mwh"] = false,
        ["policy.confirm_intervals"] = false,
        ["policy.hard_cap_usd_per_mwh"] = false,
        ["policy.breakeven_margin"] = false,
        ["policy.risk_weight"] = false,
        ["policy.horizon_intervals"] = false,
        ["policy.curtail_margin_usd_per_mwh"] = false,
        ["policy.resume_margin_usd_per_mwh"] = false,
        ["policy.sced_confirm_runs"] = false,
        ["policy.veto_below"] = false,
        ["policy.early_resume_below"] = false,
        ["four_cp.probability_threshold"] = false,
        ["four_cp.monthly_budget_hours"] = false,
        ["energy.adder_usd_per_mwh"] = true,
        ["energy.fixed_price_usd_per_mwh"] = true,
        ["economics.pool_fee"] = true,
        ["constraints.sleep_seconds"] = true,
        ["constraints.wake_minutes"] = true,
        ["constraints.min_off_minutes"] = true,
        ["constraints.min_on_minutes"] = true,
    };

    public bool ChangesReferences => Keys[Key];

    public static SweepParameter Parse(string text)
    {
        var eq = text.IndexOf('=');
        if (eq <= 0) throw new InvalidInputException("--param", null, $"'{text}' is not KEY=FROM:TO:STEP");
        var key = text[..eq].Trim();
        if (!Keys.ContainsKey(key))
            throw new InvalidInputException("--param", null, $"'{key}' cannot be swept (sweepable keys: {string.Join(", ", Keys.Keys)})");
        var parts = text[(eq + 1)..].Split(':');
        if (parts.Length != 3) throw new InvalidInputException("--param", null, $"'{text}' is not KEY=FROM:TO:STEP");
        var numbers = parts.Select(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v : throw new InvalidInputException("--param", null, $"'{p}' in '{text}' is not a number")).ToArray();
        var (from, to, step) = (numbers[0], numbers[1], numbers[2]);
        if (step <= 0) throw new InvalidInputException("--param", null, $"{key}: STEP must be positive, got {step}");
        if (to < from) throw new InvalidInputException("--param", null, $"{key}: TO ({to}) is below FROM ({from})");
        if ((to - from) / step > 100_000) throw new InvalidInputException("--param", null, $"{key}: more than 100,000 grid points");
        // The ranges the site file accepts (SiteFileParser): a grid point simulate would refuse is refused here, before any runs.
        const double minPrice = SiteFileParser.MinPriceUsdPerMwh, maxPrice = SiteFileParser.MaxPriceUsdPerMwh;
        var priceRange = $"must be between {minPrice} and {maxPrice} $/MWh";
        var (low, high, what) = key switch
        {
            "policy.curtail_above_usd_per_mwh" or "policy.resume_below_usd_per_mwh" or "policy.hard_cap_usd_per_mwh" => (minPrice, maxPrice, priceRange),
            "policy.confirm_intervals" => (1.0, SiteFileParser.MaxConfirmIntervals, $"must be between 1 and {SiteFileParser.MaxConfirmIntervals} intervals"),
            "policy.breakeven_margin" => (double.Epsilon, 10.0, "must be positive and at most 10"),
            "energy.adder_usd_per_mwh" => (-1000.0, 1000.0, "must be between -1000 and 1000 $/MWh"),
            "energy.fixed_price_usd_per_mwh" => (minPrice, maxPrice, priceRange),
            "economics.pool_fee" => (0.0, 0.999999, "is a fraction in [0, 1)"),
            "constraints.sleep_seconds" or "constraints.wake_minutes" or "constraints.min_off_minutes" or "constraints.min_on_minutes" => (0.0, double.MaxValue, "must not be negative"),
            "policy.risk_weight" => (0.0, 100.0, "must be between 0 and 100"),
            "policy.horizon_intervals" => (1.0, ForecastSettings.MaxHorizonIntervals, $"must be between 1 and {ForecastSettings.MaxHorizonIntervals}"),
            "policy.curtail_margin_usd_per_mwh" or "policy.resume_margin_usd_per_mwh" => (-1000.0, 1000.0, "must be between -1000 and 1000 $/MWh"),
            "policy.sced_confirm_runs" => (1.0, ForecastGateSettings.MaxScedConfirmRuns, $"must be between 1 and {ForecastGateSettings.MaxScedConfirmRuns} SCED runs"),
            "policy.veto_below" or "policy.early_resume_below" => (0.0, 1.0, "is a probability between 0 and 1"),
            "four_cp.probability_threshold" => (double.Epsilon, 1.0, "is a probability in (0, 1]"),
            "four_cp.monthly_budget_hours" => (0.0, 744.0, "must be between 0 and 744 hours"),
            _ => (double.MinValue, double.MaxValue, ""),
        };
        if (from < low || to > high) throw new InvalidInputException("--param", null, $"{key} {what}, got {from}:{to}");
        if (key is "policy.confirm_intervals" or "policy.horizon_intervals" or "policy.sced_confirm_runs" && (from % 1 != 0 || step % 1 != 0))
            throw new InvalidInputException("--param", null, $"{key} counts intervals: FROM and STEP must be whole numbers, got {from} and {step}");
        return new SweepParameter(key, from, to, step);
    }

    /// <summary>FROM, FROM+STEP, ... up to TO inclusive (with a tolerance for decimal steps).</summary>
    public double[] Values()
    {
        var count = (int)Math.Floor((To - From) / Step + 1e-9) + 1;
        return Enumerable.Range(0, count).Select(i => Math.Round(From + i * Step, 10)).ToArray();
    }

    /// <summary>
    /// The site with this key set to <paramref name="value"/> and nothing else changed: a coupled key (the resume strike
    /// following the curtail strike) is set only by an explicit <see cref="SweepCoupling"/>.
    /// </summary>
    public static SiteDefinition Apply(SiteDefinition site, string key, double value)
    {
        var p = site.Policy;
        var c = site.Constraints;
        return key switch
        {
            "policy.curtail_above_usd_per_mwh" => site with { Policy = p with { CurtailAboveUsdPerMwh = value } },
            "policy.resume_below_usd_per_mwh" => site with { Policy = p with { ResumeBelowUsdPerMwh = value } },
            "policy.confirm_intervals" => site with { Policy = p with { ConfirmIntervals = (int)Math.Round(value) } },
            "policy.hard_cap_usd_per_mwh" => site with { Policy = p with { HardCapUsdPerMwh = value } },
            "policy.breakeven_margin" => site with { Policy = p with { BreakevenMargin = value } },
            "policy.risk_weight" => site with { Policy = p with { Forecast = p.Forecast with { RiskWeight = value } } },
            "policy.horizon_intervals" => site with { Policy = p with { Forecast = p.Forecast with { HorizonIntervals = (int)Math.Round(value) } } },
            "policy.curtail_margin_usd_per_mwh" => site with { Policy = p with { Gates = p.Gates with { CurtailMarginUsdPerMwh = value } } },
            "policy.resume_margin_usd_per_mwh" => site with { Policy = p with { Gates = p.Gates with { ResumeMarginUsdPerMwh = value } } },
            "policy.sced_confirm_runs" => site with { Policy = p with { Gates = p.Gates with { ScedConfirmRuns = (int)Math.Round(value) } } },
            "policy.veto_below" => site with { Policy = p with { Gates = p.Gates with { VetoBelow = value } } },
            "policy.early_resume_below" => site with { Policy = p with { Gates = p.Gates with { EarlyResumeBelow = value } } },
            // Sweeping a four_cp key turns the 4CP watch on (with the documented defaults for the other keys).
            "four_cp.probability_threshold" => site with { FourCp = (site.FourCp ?? FourCpSiteSettings.Default) with { Enabled = true, ProbabilityThreshold = value } },
            "four_cp.monthly_budget_hours" => site with { FourCp = (site.FourCp ?? FourCpSiteSettings.Default) with { Enabled = true, MonthlyBudgetHours = value } },
            "energy.adder_usd_per_mwh" => site with { Energy = site.Energy with { AdderUsdPerMwh = value } },
            "energy.fixed_price_usd_per_mwh" => site with { Energy = site.Energy with { FixedPriceUsdPerMwh = value } },
            "economics.pool_fee" => site with { Economics = site.Economics with { PoolFee = value } },
            "constraints.sleep_seconds" => site with { Constraints = c with { SleepSeconds = value } },
            "constraints.wake_minutes" => site with { Constraints = c with { WakeMinutes = value } },
            "constraints.min_off_minutes" => site with { Constraints = c with { MinOffMinutes = value } },
            "constraints.min_on_minutes" => site with { Constraints = c with { MinOnMinutes = value } },
            _ => throw new ArgumentOutOfRangeException(nameof(key), key, "not a sweepable key"),
        };
    }
}
