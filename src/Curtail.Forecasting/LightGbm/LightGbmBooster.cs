using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Curtail.Forecasting.LightGbm;

/// <summary>
/// One trained LightGBM model, held as its text model (what the model file stores) and a native booster loaded
/// from that text, so that what predicts is exactly what is saved. Prediction is thread-safe (LightGBM locks).
/// </summary>
public sealed class LightGbmBooster : IDisposable
{
    private readonly BoosterHandle _handle;

    /// <summary>LightGBM's text model format, as written by <c>LGBM_BoosterSaveModelToString</c>.</summary>
    public string ModelText { get; }
    public int FeatureCount { get; }
    public int Iterations { get; }

    private LightGbmBooster(BoosterHandle handle, string text, int features, int iterations)
    {
        _handle = handle;
        ModelText = text;
        FeatureCount = features;
        Iterations = iterations;
    }

    /// <summary>Loads a model from LightGBM's text format; a text LightGBM refuses is a <see cref="LightGbmException"/>.</summary>
    public static LightGbmBooster FromText(string text)
    {
        LightGbmNative.EnsureInitialised();
        LightGbmNative.Check(LightGbmNative.LGBM_BoosterLoadModelFromString(text, out var iterations, out var raw), "LoadModelFromString");
        var handle = new BoosterHandle(raw);
        LightGbmNative.Check(LightGbmNative.LGBM_BoosterGetNumFeature(raw, out var features), "GetNumFeature");
        return new LightGbmBooster(handle, text, features, iterations);
    }

    /// <summary>
    /// Trains on row-major <paramref name="x"/> (NaN = missing) with LightGBM parameters such as
    /// <c>objective=quantile alpha=0.1</c>; returns the model reloaded from its text.
    /// </summary>
    public static LightGbmBooster Train(LightGbmDataset data, float[] labels, string parameters, int iterations)
    {
        if (labels.Length != data.Rows) throw new ArgumentException($"{labels.Length} labels for {data.Rows} rows");
        if (iterations < 1) throw new ArgumentOutOfRangeException(nameof(iterations));
        lock (data)
        {
            // The objective reads the labels when the booster is created and while it trains; one booster at a time per dataset.
            LightGbmNative.Check(LightGbmNative.LGBM_DatasetSetField(data.Handle, "label", labels, labels.Length, LightGbmNative.DtypeFloat32), "DatasetSetField");
            LightGbmNative.Check(LightGbmNative.LGBM_BoosterCreate(data.Handle, parameters, out var raw), "BoosterCreate");
            using var booster = new BoosterHandle(raw);
            for (var i = 0; i < iterations; i++)
            {
                LightGbmNative.Check(LightGbmNative.LGBM_BoosterUpdateOneIter(raw, out var finished), "BoosterUpdateOneIter");
                if (finished != 0) break;
            }
            return FromText(SaveText(raw));
        }
    }

    private static string SaveText(IntPtr raw)
    {
        LightGbmNative.Check(LightGbmNative.LGBM_BoosterSaveModelToString(raw, 0, -1, LightGbmNative.ImportanceSplit, 0, out var length, null), "SaveModelToString");
        var buffer = new byte[length];
        LightGbmNative.Check(LightGbmNative.LGBM_BoosterSaveModelToString(raw, 0, -1, LightGbmNative.ImportanceSplit, length, out _, buffer), "SaveModelToString");
        return Encoding.UTF8.GetString(buffer, 0, (int)length - 1);
    }

    /// <summary>Predicts <paramref name="rows"/> row-major rows of <see cref="FeatureCount"/> values into <paramref name="result"/>.</summary>
    public unsafe void Predict(ReadOnlySpan<double> x, int rows, Span<double> result)
    {
        if (x.Length != rows * FeatureCount) throw new ArgumentException($"{x.Length} values for {rows} rows of {FeatureCount} features");
        if (result.Length < rows) throw new ArgumentException("result is shorter than the rows");
        fixed (double* px = x)
        fixed (double* pr = result)
        {
            LightGbmNative.Check(LightGbmNative.LGBM_BoosterPredictForMat(_handle.DangerousGetHandle(), px, LightGbmNative.DtypeFloat64, rows, FeatureCount, 1,
                LightGbmNative.PredictNormal, 0, -1, "num_threads=1", out var written, pr), "BoosterPredictForMat");
            if (written != rows) throw new LightGbmException($"LightGBM predicted {written} values for {rows} rows");
        }
    }

    public double Predict(ReadOnlySpan<double> row)
    {
        Span<double> r = stackalloc double[1];
        Predict(row, 1, r);
        return r[0];
    }

    /// <summary>How many splits use each feature.</summary>
    public int[] SplitCounts()
    {
        var counts = new double[FeatureCount];
        LightGbmNative.Check(LightGbmNative.LGBM_BoosterFeatureImportance(_handle.DangerousGetHandle(), -1, LightGbmNative.ImportanceSplit, counts), "FeatureImportance");
        return counts.Select(c => (int)c).ToArray();
    }

    public void Dispose() => _handle.Dispose();

    /// <summary>Parameters as LightGBM's "key=value key=value" string.</summary>
    public static string Parameters(IEnumerable<KeyValuePair<string, object>> values) =>
        string.Join(' ', values.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key}={kv.Value}")));

    private sealed class BoosterHandle : SafeHandle
    {
        public BoosterHandle(IntPtr handle) : base(IntPtr.Zero, true) => SetHandle(handle);
        public override bool IsInvalid => handle == IntPtr.Zero;
        protected override bool ReleaseHandle() => LightGbmNative.LGBM_BoosterFree(handle) == 0;
    }
}

/// <summary>Feature rows binned once by LightGBM and shared by the models trained on them (labels are set per model).</summary>
public sealed class LightGbmDataset : IDisposable
{
    private readonly DatasetHandle _handle;
    public int Rows { get; }
    public int Columns { get; }
    internal IntPtr Handle => _handle.DangerousGetHandle();

    /// <summary>Bins row-major <paramref name="x"/>; <paramref name="parameters"/> carries the dataset settings (max_bin, min_data_in_bin...).</summary>
    public LightGbmDataset(double[] x, int columns, string parameters)
    {
        if (columns < 1 || x.Length % columns != 0 || x.Length == 0) throw new ArgumentException("feature matrix is empty or ragged");
        LightGbmNative.EnsureInitialised();
        Rows = x.Length / columns;
        Columns = columns;
        LightGbmNative.Check(LightGbmNative.LGBM_DatasetCreateFromMat(x, LightGbmNative.DtypeFloat64, Rows, columns, 1, parameters, IntPtr.Zero, out var raw), "DatasetCreateFromMat");
        _handle = new DatasetHandle(raw);
    }

    public void Dispose() => _handle.Dispose();

    private sealed class DatasetHandle : SafeHandle
    {
        public DatasetHandle(IntPtr handle) : base(IntPtr.Zero, true) => SetHandle(handle);
        public override bool IsInvalid => handle == IntPtr.Zero;
        protected override bool ReleaseHandle() => LightGbmNative.LGBM_DatasetFree(handle) == 0;
    }
}
