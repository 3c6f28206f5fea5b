using System.Globalization;

namespace Curtail.Core.Sites;

public enum PeakRuleKind
{
    /// <summary>ERCOT's four coincident peaks: the system peak interval of each of June–September.</summary>
    FourCp,

    /// <summary>The N highest daily system peaks of each month or season (PUCT Project 58484's multi-peak direction).</summary>
    MultiPeak,
}

public enum PeakPeriod
{
    Month,

    /// <summary>All the rule's months of a year together.</summary>
    Season,
}

/// <summary>
/// How the transmission charge a site avoids by curtailing is assessed: which system-load intervals set it. A peak is
/// a day's highest hour; a rule takes the <see cref="PeaksPerPeriod"/> highest daily peaks of each period (one per
/// day), in <see cref="Months"/>. The site's demand is its mean load at those intervals; the charge is that demand in
/// kW × the site file's rate. 4CP is one peak per month, June–September.
/// </summary>
public sealed record PeakRule(PeakRuleKind Kind, int PeaksPerPeriod, PeakPeriod Period, IReadOnlyList<int> Months)
{
    public static readonly IReadOnlyList<int> SummerMonths = [6, 7, 8, 9];

    public static PeakRule FourCp { get; } = new(PeakRuleKind.FourCp, 1, PeakPeriod.Month, SummerMonths);

    public const int MaxPeaksPerPeriod = 100;

    /// <summary>"4cp", or "multi-peak:12:season:6,7,8,9": the form the CLI's <c>--peak-rule</c> takes and reports print.</summary>
    public string Name => Kind == PeakRuleKind.FourCp ? "4cp"
        : $"multi-peak:{PeaksPerPeriod}:{(Period == PeakPeriod.Month ? "month" : "season")}:{string.Join(',', Months)}";

    public string Describe() => Kind == PeakRuleKind.FourCp
        ? "4CP: the ERCOT system peak of each of June–September"
        : $"multi-peak: the {PeaksPerPeriod} highest daily ERCOT system peaks of each {(Period == PeakPeriod.Month ? "month" : "season")} (months {string.Join(',', Months)})";

    public bool Equals(PeakRule? other) => other is not null && Kind == other.Kind && PeaksPerPeriod == other.PeaksPerPeriod && Period == other.Period && Months.SequenceEqual(other.Months);

    public override int GetHashCode() => HashCode.Combine(Kind, PeaksPerPeriod, Period, string.Join(',', Months));

    /// <summary>
    /// Parses "4cp" or "multi-peak:N:month|season[:M,M,...]" (months default to June–September); throws
    /// <see cref="ArgumentException"/> naming what is wrong.
    /// </summary>
    public static PeakRule Parse(string text)
    {
        var parts = text.Trim().Split(':');
        switch (parts[0].ToLowerInvariant())
        {
            case "4cp":
                if (parts.Length > 1) throw new ArgumentException($"'{text}': 4cp takes no parameters (one peak a month, June–September)");
                return FourCp;
            case "multi-peak":
                if (parts.Length is < 3 or > 4) throw new ArgumentException($"'{text}': expected multi-peak:N:month|season[:months], e.g. multi-peak:12:season or multi-peak:2:month:1,2,6,7,8,9,12");
                if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > MaxPeaksPerPeriod)
                    throw new ArgumentException($"'{text}': the number of peaks must be a whole number in 1..{MaxPeaksPerPeriod}, got '{parts[1]}'");
                var period = ParsePeriod(parts[2]) ?? throw new ArgumentException($"'{text}': the period must be month or season, got '{parts[2]}'");
                var months = parts.Length == 4 ? ParseMonths(parts[3].Split(','), text) : SummerMonths;
                return Create(n, period, months);
            default:
                throw new ArgumentException($"'{text}': unknown peak rule (expected 4cp or multi-peak:N:month|season[:months])");
        }
    }

    public static PeakRule Create(int peaks, PeakPeriod period, IReadOnlyList<int> months)
    {
        if (peaks is < 1 or > MaxPeaksPerPeriod) throw new ArgumentException($"peaks must be in 1..{MaxPeaksPerPeriod}, got {peaks}");
        if (months.Count == 0) throw new ArgumentException("months must name at least one month");
        return new PeakRule(PeakRuleKind.MultiPeak, peaks, period, months.Distinct().Order().ToList());
    }

    public static PeakPeriod? ParsePeriod(string text) => text.ToLowerInvariant() switch
    {
        "month" => PeakPeriod.Month,
        "season" => PeakPeriod.Season,
        _ => null,
    };

    private static List<int> ParseMonths(IEnumerable<string> items, string text) => items.Select(m =>
        int.TryParse(m, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v is >= 1 and <= 12
            ? v : throw new ArgumentException($"'{text}': months are 1..12, got '{m}'")).ToList();
}
