namespace Curtail.Ercot.Reading;

/// <summary>Growable parallel arrays of the accepted rows of one settlement point from one file, in file order.</summary>
internal sealed class RowBuffer(string file, int initialCapacity = 1024)
{
    private long[] _starts = new long[initialCapacity];
    private double[] _values = new double[initialCapacity];
    private int[] _lines = new int[initialCapacity];

    public string File { get; } = file;
    public int Count { get; private set; }
    public ReadOnlySpan<long> Starts => _starts.AsSpan(0, Count);
    public ReadOnlySpan<double> Values => _values.AsSpan(0, Count);
    public ReadOnlySpan<int> Lines => _lines.AsSpan(0, Count);

    public void Add(long startTicks, double value, int line)
    {
        if (Count == _starts.Length)
        {
            Array.Resize(ref _starts, Count * 2);
            Array.Resize(ref _values, Count * 2);
            Array.Resize(ref _lines, Count * 2);
        }
        _starts[Count] = startTicks;
        _values[Count] = value;
        _lines[Count] = line;
        Count++;
    }
}
