using Curtail.Core;

namespace Curtail.Ercot.Reading;

/// <summary>A file to read and whether the user named it (true) or it was found in a directory they named (false).</summary>
internal readonly record struct InputFile(string Path, bool NamedByUser);

internal static class InputFiles
{
    /// <summary>Expands directories to the files directly inside them (sorted by name); a missing path is bad input.</summary>
    public static IReadOnlyList<InputFile> Expand(IReadOnlyList<string> filesOrDirectories)
    {
        if (filesOrDirectories.Count == 0) throw new InvalidInputException("no price files or directories given");
        var result = new List<InputFile>();
        foreach (var path in filesOrDirectories)
        {
            if (File.Exists(path)) result.Add(new InputFile(path, true));
            else if (Directory.Exists(path))
                result.AddRange(Directory.EnumerateFiles(path).Order(StringComparer.Ordinal).Select(f => new InputFile(f, false)));
            else throw new InvalidInputException(path, null, "no such file or directory");
        }
        return result;
    }

    /// <summary>Runs <paramref name="read"/> on every file at once (files are independent; decompression dominates).</summary>
    public static T[] ReadInParallel<T>(IReadOnlyList<InputFile> files, Func<InputFile, T> read)
    {
        if (files.Count == 1) return [read(files[0])];
        var tasks = files.Select(f => Task.Run(() => read(f))).ToArray();
        // GetResult rethrows the first failure itself rather than wrapping it in an AggregateException.
        return Task.WhenAll(tasks).GetAwaiter().GetResult();
    }
}
