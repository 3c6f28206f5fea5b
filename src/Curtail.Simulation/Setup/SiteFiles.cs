using Curtail.Core;
using Curtail.Core.Economics;
using Curtail.Core.Sites;
using Curtail.Ercot;
using Curtail.Ercot.Economics;

namespace Curtail.Simulation.Setup;

/// <summary>A parsed site file and the folder its relative paths are resolved against.</summary>
public sealed record LoadedSite(SiteDefinition Site, string Source, string? Directory);

/// <summary>Loads site files and what they point to (a hashprice series).</summary>
public static class SiteFiles
{
    /// <summary>`shipped:` paths name files in the data that ships with Curtail (docs/data-sources.md).</summary>
    public const string ShippedPrefix = "shipped:";

    public static LoadedSite Load(string? path)
    {
        if (path is null) return Default();
        if (!File.Exists(path)) throw new InvalidInputException(path, null, "site file not found");
        return new LoadedSite(SiteFileParser.Parse(File.ReadAllText(path), path), path, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <summary>The default site shipped inside Curtail (simulations/sites/default.yaml).</summary>
    public static LoadedSite Default()
    {
        using var stream = typeof(SiteFiles).Assembly.GetManifestResourceStream("Curtail.DefaultSite.yaml")
            ?? throw new InvalidOperationException("the default site is missing from the build");
        var yaml = new StreamReader(stream).ReadToEnd();
        return new LoadedSite(SiteFileParser.Parse(yaml, "default site (simulations/sites/default.yaml)"), "default site", null);
    }

    public static HashpriceSeries LoadHashprice(LoadedSite loaded)
    {
        var source = loaded.Site.Economics.Hashprice;
        if (source.ConstantUsdPerThDay is { } constant) return HashpriceSeries.Constant(constant);
        var file = ResolvePath(source.File!, loaded.Directory);
        if (!File.Exists(file))
            throw new InvalidInputException(loaded.Source, null, $"economics.hashprice.file: '{source.File}' not found (looked at {file})");
        return HashpriceCsvReader.Read(file);
    }

    public static string ResolvePath(string path, string? relativeTo) =>
        path.StartsWith(ShippedPrefix, StringComparison.Ordinal)
            ? Path.Combine(ShippedData.Locate().Root, path[ShippedPrefix.Length..])
            : Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(relativeTo ?? Environment.CurrentDirectory, path));
}
