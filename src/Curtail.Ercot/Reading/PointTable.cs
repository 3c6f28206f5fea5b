using System.Text;

namespace Curtail.Ercot.Reading;

/// <summary>
/// A dictionary keyed by settlement point name that is looked up with the name's UTF-8 bytes, so a row costs no
/// string allocation; a name becomes a string once, the first time it is seen.
/// </summary>
internal sealed class PointTable<T>
{
    private const int LongestName = 128;
    private readonly Dictionary<string, T> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, T>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public PointTable() => _lookup = _byName.GetAlternateLookup<ReadOnlySpan<char>>();

    public IReadOnlyDictionary<string, T> Entries => _byName;

    /// <summary>The entry of a name, created by <paramref name="create"/> on first sight.</summary>
    public T GetOrAdd(ReadOnlySpan<byte> utf8Name, Func<string, T> create)
    {
        Span<char> chars = stackalloc char[LongestName];
        if (utf8Name.Length <= LongestName && Encoding.UTF8.TryGetChars(utf8Name, chars, out var written))
        {
            if (_lookup.TryGetValue(chars[..written], out var found)) return found;
            var name = new string(chars[..written]);
            return _byName[name] = create(name);
        }
        var longName = Encoding.UTF8.GetString(utf8Name);
        if (_byName.TryGetValue(longName, out var existing)) return existing;
        return _byName[longName] = create(longName);
    }
}
