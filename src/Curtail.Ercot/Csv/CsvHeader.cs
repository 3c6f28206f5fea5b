using System.Text;

namespace Curtail.Ercot.Csv;

/// <summary>
/// Column names of a CSV header, normalised so that ERCOT's spellings of one column meet: "Delivery Date"
/// (historical workbooks), "DeliveryDate" (MIS CSVs) and "delivery_date" (tidy files) all become "deliverydate".
/// </summary>
internal sealed class CsvHeader
{
    private readonly Dictionary<string, int> _indexByName;

    public IReadOnlyList<string> Names { get; }
    public int Count => Names.Count;
    public string Text { get; }

    private CsvHeader(IReadOnlyList<string> names, string text)
    {
        Names = names;
        Text = text;
        _indexByName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++) _indexByName.TryAdd(names[i], i);
    }

    public static CsvHeader Parse(ReadOnlySpan<byte> line)
    {
        var text = Encoding.UTF8.GetString(line);
        var names = new List<string>();
        foreach (var field in text.Split(','))
            names.Add(Normalise(field));
        return new CsvHeader(names, text);
    }

    public static string Normalise(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var c in name)
            if (char.IsLetterOrDigit(c)) sb.Append(char.ToLowerInvariant(c));
        return sb.ToString();
    }

    public bool Has(params string[] names) => names.All(_indexByName.ContainsKey);

    /// <summary>Index of a (normalised) column name, or -1.</summary>
    public int IndexOf(string name) => _indexByName.TryGetValue(name, out var i) ? i : -1;

    /// <summary>Index of a column the layout detection has already required.</summary>
    public int Required(string name) =>
        _indexByName.TryGetValue(name, out var i) ? i : throw new InvalidOperationException($"column '{name}' missing after layout detection");
}
