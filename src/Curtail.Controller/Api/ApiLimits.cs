using System.Text.RegularExpressions;
using Curtail.Core;
using Curtail.Core.Sites;

namespace Curtail.Controller.Api;

/// <summary>
/// The documented ranges of every value the API accepts (docs/controller.md, "Input limits"). A value outside them is
/// refused with the field named before anything is changed: NaN or an infinity that got into the live settings would
/// reach the decision cycle, and an event id that cannot be put in a URL could never be released.
/// </summary>
public static partial class ApiLimits
{
    // The same bounds as the site file's, so that a policy the file accepts can always be written back through the API.
    public const double MinPriceUsdPerMwh = SiteFileParser.MinPriceUsdPerMwh;
    public const double MaxPriceUsdPerMwh = SiteFileParser.MaxPriceUsdPerMwh;
    public const int MaxConfirmIntervals = SiteFileParser.MaxConfirmIntervals;

    public const double MaxOverrideMinutes = 7 * 24 * 60;
    public const double MaxEventMw = 10_000;
    public const double MaxDeadlineMinutes = 120;
    public const int MaxReasonLength = 500;
    public const int MaxIdLength = 64;

    /// <summary>Every request body is capped; the largest valid one is a few hundred bytes.</summary>
    public const long MaxRequestBodyBytes = 64 * 1024;

    public const string IdPattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$";

    [GeneratedRegex(IdPattern)]
    private static partial Regex IdRegex();

    public static bool IsValidId(string id) => IdRegex().IsMatch(id);

    /// <summary>The value itself when it is finite and within [min, max]; null passes (the field was not given).</summary>
    public static double? InRange(double? value, string field, double min, double max)
    {
        if (value is not { } v) return null;
        if (!double.IsFinite(v)) throw new InvalidInputException(field, null, $"must be a finite number, got {v}");
        if (v < min || v > max) throw new InvalidInputException(field, null, $"must be within [{min}, {max}], got {v}");
        return v;
    }

    public static string Id(string id, string field)
    {
        if (!IsValidId(id))
            throw new InvalidInputException(field, null,
                $"must be 1 to {MaxIdLength} letters, digits, '.', '_' or '-', starting with a letter or digit ({IdPattern}), got '{Shorten(id)}'");
        return id;
    }

    public static string? Text(string? text, string field, int maxLength)
    {
        if (text is null) return null;
        if (text.Length > maxLength) throw new InvalidInputException(field, null, $"must be at most {maxLength} characters, got {text.Length}");
        if (text.Any(char.IsControl)) throw new InvalidInputException(field, null, "must not contain control characters");
        return text;
    }

    /// <summary>
    /// A text stored by a version without limits, cut to the limit: an override reason of megabytes would otherwise be
    /// served in every status until the override is cleared.
    /// </summary>
    public static string? Clipped(string? text, int maxLength) => text is null || text.Length <= maxLength ? text : text[..(maxLength - 1)] + "…";

    /// <summary>Bad input is echoed in errors, but never at its full length.</summary>
    public static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + $"… ({text.Length} characters)";
}
