using Curtail.Core;

namespace Curtail.Miners.Fleet;

/// <summary>
/// `--select` expressions: comma-separated key=value terms, all of which must match; values may use * wildcards.
/// Keys: id, family, model, group, host. Example: <c>family=luxos,group=hall-a,model=*S19*</c>.
/// </summary>
public sealed class MinerSelector
{
    private readonly List<(string Key, string Pattern)> _terms;

    private MinerSelector(List<(string, string)> terms) => _terms = terms;

    public static MinerSelector All { get; } = new([]);

    public static MinerSelector Parse(string? expression)
    {
        if (string.IsNullOrWhiteSpace(expression)) return All;
        var terms = new List<(string, string)>();
        foreach (var term in expression.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = term.IndexOf('=');
            if (eq <= 0) throw new InvalidInputException("--select", null, $"term '{term}' is not key=value");
            var key = term[..eq].Trim().ToLowerInvariant();
            if (key is not ("id" or "family" or "model" or "group" or "host"))
                throw new InvalidInputException("--select", null, $"unknown key '{key}' (id, family, model, group, host)");
            terms.Add((key, term[(eq + 1)..].Trim()));
        }
        return new MinerSelector(terms);
    }

    public bool Matches(MinerSpec miner) => _terms.All(t => t.Key switch
    {
        "id" => Glob(t.Pattern, miner.Id),
        "family" => FleetFile.ParseFamily(t.Pattern) is { } f ? f == miner.Family : Glob(t.Pattern, FleetFile.FamilyKey(miner.Family)),
        "model" => Glob(t.Pattern, miner.Model.Name),
        "group" => Glob(t.Pattern, miner.Group),
        _ => Glob(t.Pattern, miner.Endpoint.Host),
    });

    private static bool Glob(string pattern, string value)
    {
        var parts = pattern.Split('*');
        if (parts.Length == 1) return string.Equals(pattern, value, StringComparison.OrdinalIgnoreCase);
        var pos = 0;
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            if (part.Length == 0) continue;
            var at = value.IndexOf(part, pos, StringComparison.OrdinalIgnoreCase);
            if (at < 0 || (i == 0 && at != 0)) return false;
            pos = at + part.Length;
        }
        return parts[^1].Length == 0 || value.EndsWith(parts[^1], StringComparison.OrdinalIgnoreCase);
    }
}
