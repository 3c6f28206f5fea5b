namespace Curtail.Core;

/// <summary>
/// Bad input from a user or a device (config, CSV, API request, device reply). The message names the problem and
/// where it is (file, line, key); the CLI maps it to exit code 2.
/// </summary>
public class InvalidInputException : Exception
{
    public string? Location { get; }
    public int? Line { get; }

    public InvalidInputException(string message) : base(message) { }

    public InvalidInputException(string source, int? line, string message)
        : base(line is { } l ? $"{source}:{l}: {message}" : $"{source}: {message}")
    {
        Location = source;
        Line = line;
    }
}
