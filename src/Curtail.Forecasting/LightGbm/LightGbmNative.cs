using System.Runtime.InteropServices;

namespace Curtail.Forecasting.LightGbm;

/// <summary>
/// The few functions of LightGBM's C API (c_api.h, LightGBM 4.6) Curtail uses. The native library comes with the
/// Microsoft.ML.LightGbm package (its LightGBM dependency ships lib_lightgbm for each runtime); ML.NET's own trainer
/// wrapper sets the objective itself, so the quantile objective is reached through the C API's parameter string.
/// </summary>
internal static class LightGbmNative
{
    private const string Library = "lib_lightgbm";

    public const int DtypeFloat32 = 0;
    public const int DtypeFloat64 = 1;
    public const int PredictNormal = 0;
    public const int ImportanceSplit = 0;

    [DllImport("libc.so.6", EntryPoint = "setenv")]
    private static extern int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    private static readonly Lazy<bool> Initialised = new(() =>
    {
        // LightGBM's OpenMP threads spin while they wait by default: on a machine shared with other work a spinning
        // thread holds a core the thread it waits for needs. Passive waiting, unless the user chose otherwise; set
        // before lib_lightgbm (and so libgomp) is loaded, which reads it once.
        if (OperatingSystem.IsLinux())
        {
            try { SetEnv("OMP_WAIT_POLICY", "PASSIVE", 0); }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException) { }
        }
        return true;
    });

    private static readonly Lazy<bool> Loaded = new(() =>
    {
        try
        {
            // Any cheap call: loads lib_lightgbm and its libgomp dependency, or says why not.
            _ = LGBM_GetLastError();
            return true;
        }
        catch (DllNotFoundException ex)
        {
            throw new LightGbmUnavailableException(
                $"LightGBM's native library (lib_lightgbm, from the Microsoft.ML.LightGbm package) could not be loaded: {ex.Message}. " +
                "It needs GCC's OpenMP runtime: apt-get install -y libgomp1");
        }
    });

    /// <summary>Call before the first LightGBM call; a missing native library is a <see cref="LightGbmUnavailableException"/>.</summary>
    public static void EnsureInitialised()
    {
        _ = Initialised.Value;
        _ = Loaded.Value;
    }

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    private static extern IntPtr LGBM_GetLastError();

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern int LGBM_DatasetCreateFromMat(double[] data, int dataType, int nrow, int ncol, int isRowMajor,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string parameters, IntPtr reference, out IntPtr dataset);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern int LGBM_DatasetSetField(IntPtr dataset, [MarshalAs(UnmanagedType.LPUTF8Str)] string field, float[] data, int count, int type);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern int LGBM_DatasetFree(IntPtr dataset);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern int LGBM_BoosterCreate(IntPtr dataset, [MarshalAs(UnmanagedType.LPUTF8Str)] string parameters, out IntPtr booster);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern int LGBM_BoosterUpdateOneIter(IntPtr booster, out int isFinished);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern int LGBM_BoosterSaveModelToString(IntPtr booster, int startIteration, int numIteration, int importanceType,
        long bufferLength, out long outLength, byte[]? buffer);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern int LGBM_BoosterLoadModelFromString([MarshalAs(UnmanagedType.LPUTF8Str)] string model, out int iterations, out IntPtr booster);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern int LGBM_BoosterGetNumFeature(IntPtr booster, out int features);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern unsafe int LGBM_BoosterPredictForMat(IntPtr booster, double* data, int dataType, int nrow, int ncol, int isRowMajor,
        int predictType, int startIteration, int numIteration, [MarshalAs(UnmanagedType.LPUTF8Str)] string parameters, out long outLength, double* result);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern int LGBM_BoosterFeatureImportance(IntPtr booster, int numIteration, int importanceType, double[] result);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern int LGBM_BoosterFree(IntPtr booster);

    /// <summary>Throws with LightGBM's own message when a call failed.</summary>
    public static void Check(int status, string call)
    {
        if (status == 0) return;
        var message = Marshal.PtrToStringUTF8(LGBM_GetLastError()) ?? "unknown error";
        throw new LightGbmException($"LightGBM {call} failed: {message}");
    }
}

/// <summary>A LightGBM call failed; the message is LightGBM's.</summary>
public sealed class LightGbmException(string message) : Exception(message);

/// <summary>The LightGBM native library cannot be loaded on this machine; the message says what to install.</summary>
public sealed class LightGbmUnavailableException(string message) : Exception(message);
