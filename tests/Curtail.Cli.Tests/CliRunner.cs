namespace Curtail.Cli.Tests;

internal sealed record CliResult(int ExitCode, string Out, string Err);

internal static class CliRunner
{
    public static async Task<CliResult> Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CurtailApp.RunAsync(args, stdout, stderr);
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }

    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "curtail-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>The repo's shipped data folder, found the way users' runs find it.</summary>
    public static string DataDir => Ercot.ShippedData.Locate().Root;
}
