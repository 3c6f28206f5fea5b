using System.Diagnostics;

namespace Curtail.Modbus.Tests.Interop;

/// <summary>A test against independent peers (Debian pymodbus, mbpoll, libmodbus): skipped unless CURTAIL_INTEROP=1.</summary>
public sealed class InteropFactAttribute : FactAttribute
{
    public InteropFactAttribute()
    {
        if (!InteropEnvironment.Enabled) Skip = "interop peers not requested (set CURTAIL_INTEROP=1 and source .ci/interop/setup-modbus.sh)";
    }
}

public sealed class InteropTheoryAttribute : TheoryAttribute
{
    public InteropTheoryAttribute()
    {
        if (!InteropEnvironment.Enabled) Skip = "interop peers not requested (set CURTAIL_INTEROP=1 and source .ci/interop/setup-modbus.sh)";
    }
}

/// <summary>What setup-modbus.sh exported. Missing values fail the test (CI asked for interop but the peers are not there).</summary>
public static class InteropEnvironment
{
    public static bool Enabled => Environment.GetEnvironmentVariable("CURTAIL_INTEROP") == "1";

    public static string Require(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } v
            ? v
            : throw new InvalidOperationException($"{name} is not set: source .ci/interop/setup-modbus.sh before the interop tests");

    public static int PeerPort(string peer) => int.Parse(Require(peer switch
    {
        "libmodbus" => "CURTAIL_MODBUS_LIBMODBUS_PORT",
        "pymodbus" => "CURTAIL_MODBUS_PYMODBUS_PORT",
        _ => throw new ArgumentOutOfRangeException(nameof(peer)),
    }));

    public static string Python => Environment.GetEnvironmentVariable("CURTAIL_MODBUS_PYTHON") is { Length: > 0 } p ? p : "/usr/bin/python3";

    public static string Script(string name) => Path.Combine(AppContext.BaseDirectory, "interop", name);

    /// <summary>Runs a peer tool, returning its stdout; fails with its stderr on a non-zero exit or after 60 s.</summary>
    public static async Task<string> RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {await stderr}{await stdout}");
        return await stdout;
    }
}
