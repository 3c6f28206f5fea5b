namespace Curtail.Cli.Tests;

/// <summary>`curtail emulate vtn`: bad options exit 2 with the option named.</summary>
public class EmulateVtnCommandTests
{
    private static async Task<(int Code, string Err)> Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CurtailApp.RunAsync(args, stdout, stderr);
        return (code, stderr.ToString());
    }

    [Fact]
    public async Task A_port_out_of_range_is_refused_with_the_option_named()
    {
        var (code, err) = await Run("emulate", "vtn", "--port", "70000");
        Assert.Equal(CurtailApp.ExitBadInput, code);
        Assert.Contains("--port", err);
        Assert.Contains("70000", err);
    }

    [Fact]
    public async Task An_empty_program_name_is_refused_with_the_option_named()
    {
        var (code, err) = await Run("emulate", "vtn", "--port", "0", "--program", "");
        Assert.Equal(CurtailApp.ExitBadInput, code);
        Assert.Contains("--program", err);
    }
}
