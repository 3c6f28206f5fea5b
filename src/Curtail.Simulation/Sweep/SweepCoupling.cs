using System.Globalization;
using System.Text.RegularExpressions;
using Curtail.Core;

namespace Curtail.Simulation.Sweep;

/// <summary>
/// An explicit rule that moves the resume strike with the swept curtail strike: <c>resume=curtail-OFFSET</c> keeps a
/// hysteresis band of OFFSET $/MWh at every grid point. Without a rule the resume strike stays at the site's value; a
/// sweep never slides it silently.
/// </summary>
public sealed partial record SweepCoupling(double BandUsdPerMwh)
{
    public const string Option = "--couple";
    public const string ResumeKey = "policy.resume_below_usd_per_mwh";
    public const string CurtailKey = "policy.curtail_above_usd_per_mwh";

    public string Rule => $"resume=curtail-{BandUsdPerMwh.ToString("0.##", CultureInfo.InvariantCulture)}";

    public static SweepCoupling Parse(string text, IReadOnlyList<SweepParameter> parameters)
    {
        var m = RulePattern().Match(text.Replace(" ", "", StringComparison.Ordinal));
        if (!m.Success)
            throw new InvalidInputException(Option, null, $"'{text}' is not a coupling rule; the one rule is resume=curtail-OFFSET (OFFSET in $/MWh, e.g. resume=curtail-20)");
        var band = double.Parse(m.Groups["band"].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (parameters.All(p => p.Key != CurtailKey))
            throw new InvalidInputException(Option, null, $"{text} couples the resume strike to {CurtailKey}, which is not swept");
        if (parameters.Any(p => p.Key == ResumeKey))
            throw new InvalidInputException(Option, null, $"{ResumeKey} is swept with --param; it cannot also follow the curtail strike");
        return new SweepCoupling(band);
    }

    public double ResumeFor(double curtail) => Math.Round(curtail - BandUsdPerMwh, 10);

    [GeneratedRegex(@"^resume=curtail-(?<band>\d+(\.\d+)?)$")]
    private static partial Regex RulePattern();
}
