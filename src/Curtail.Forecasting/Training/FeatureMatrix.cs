namespace Curtail.Forecasting.Training;

/// <summary>A dense row-major matrix of features; NaN marks a missing value.</summary>
public sealed class FeatureMatrix
{
    private readonly double[] _values;

    public int Rows { get; }
    public int Columns { get; }

    public FeatureMatrix(int rows, int columns)
    {
        Rows = rows;
        Columns = columns;
        _values = new double[rows * columns];
    }

    public FeatureMatrix(double[] rowMajor, int columns)
    {
        if (columns <= 0 || rowMajor.Length % columns != 0)
            throw new ArgumentException("values do not form whole rows");
        Rows = rowMajor.Length / columns;
        Columns = columns;
        _values = rowMajor;
    }

    /// <summary>The values, row-major.</summary>
    public double[] Values => _values;

    public double this[int row, int column]
    {
        get => _values[row * Columns + column];
        set => _values[row * Columns + column] = value;
    }

    public ReadOnlySpan<double> Row(int row) => _values.AsSpan(row * Columns, Columns);

    public Span<double> MutableRow(int row) => _values.AsSpan(row * Columns, Columns);

    public static FeatureMatrix FromRows(IReadOnlyList<double[]> rows)
    {
        if (rows.Count == 0) throw new ArgumentException("no rows");
        var m = new FeatureMatrix(rows.Count, rows[0].Length);
        for (var r = 0; r < rows.Count; r++)
        {
            if (rows[r].Length != m.Columns) throw new ArgumentException($"row {r} has {rows[r].Length} values, expected {m.Columns}");
            rows[r].CopyTo(m.MutableRow(r));
        }
        return m;
    }
}
