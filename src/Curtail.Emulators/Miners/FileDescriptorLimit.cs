using System.Runtime.InteropServices;

namespace Curtail.Emulators.Miners;

/// <summary>
/// Raises this process's soft open-files limit towards the hard limit (Linux setrlimit), so one process can hold
/// thousands of listening sockets. Elsewhere, or if refused, it reports the limit unchanged.
/// </summary>
public static class FileDescriptorLimit
{
    private const int RlimitNofile = 7;

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Max;
    }

    [DllImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static extern int GetRLimit(int resource, out RLimit limit);

    [DllImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static extern int SetRLimit(int resource, ref RLimit limit);

    /// <summary>Returns the soft limit after trying to raise it to at least <paramref name="wanted"/>.</summary>
    public static long EnsureAtLeast(long wanted)
    {
        if (!OperatingSystem.IsLinux()) return -1;
        try
        {
            if (GetRLimit(RlimitNofile, out var limit) != 0) return -1;
            if (limit.Current >= (ulong)wanted) return (long)limit.Current;
            var raised = new RLimit { Current = Math.Min((ulong)wanted, limit.Max), Max = limit.Max };
            return SetRLimit(RlimitNofile, ref raised) == 0 ? (long)raised.Current : (long)limit.Current;
        }
        catch (DllNotFoundException)
        {
            return -1;
        }
        catch (EntryPointNotFoundException)
        {
            return -1;
        }
    }
}
