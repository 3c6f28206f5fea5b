using System.CommandLine;

namespace Curtail.Cli;

/// <summary>
/// A top-level `curtail` verb. Program discovers every implementation in this assembly, so adding a verb is adding
/// one file under Commands/.
/// </summary>
public interface ICliCommand
{
    Command Build();
}
