using System.CommandLine;

namespace Curtail.Cli;

/// <summary>
/// A `curtail` verb. Program discovers every implementation in this assembly, so adding a verb is adding one file
/// under Commands/. A verb with a <see cref="Parent"/> is attached under that group (`curtail emulate genset`), the
/// group being created on first use; verbs of one group may live in different files.
/// </summary>
public interface ICliCommand
{
    /// <summary>Name of the group this verb belongs to (e.g. "emulate"), or null for a top-level verb.</summary>
    string? Parent => null;

    /// <summary>Description of the group, used when this verb creates it.</summary>
    string? ParentDescription => null;

    Command Build();
}
