using System.Runtime.CompilerServices;

namespace Curtail.Tests;

/// <summary>
/// Gives each test process a temporary directory of its own (TMPDIR, which <see cref="Path.GetTempPath"/> reads on
/// Linux), deleted when the process exits. Tests make stores, site files and databases under the temporary directory
/// and not all of them delete what they made: 4,000 had piled up in /tmp. Child processes (the CLI, the Modbus peers)
/// inherit it.
/// </summary>
internal static class PrivateTempDirectory
{
#pragma warning disable CA2255 // A test assembly is the application here: nothing else loads it.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize()
    {
        if (!OperatingSystem.IsLinux()) return;
        var root = Path.Combine(Path.GetTempPath(), $"curtail-tests-{Environment.ProcessId}");
        Directory.CreateDirectory(root);
        Environment.SetEnvironmentVariable("TMPDIR", root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Something still writing at exit (a child process): what is left is in one directory, named by the pid.
            }
        };
    }
}
