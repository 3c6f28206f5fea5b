using System.IO.Compression;
using System.Text;

namespace Curtail.Ercot.Tests;

internal static class TestFiles
{
    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    public static ShippedData Shipped { get; } = ShippedData.Locate(null, [AppContext.BaseDirectory]);

    public static DateTimeOffset Utc(string iso) => DateTimeOffset.Parse(iso, null, System.Globalization.DateTimeStyles.AssumeUniversal);
}

/// <summary>A temporary directory for hand-made bad files, deleted after the test.</summary>
internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("curtail-ercot-tests-").FullName;

    public string Write(string name, string content, bool gzip = false)
    {
        var path = System.IO.Path.Combine(Path, name);
        var bytes = Encoding.UTF8.GetBytes(content);
        if (!gzip)
        {
            File.WriteAllBytes(path, bytes);
            return path;
        }
        using var file = File.Create(path);
        using var zip = new GZipStream(file, CompressionLevel.Fastest);
        zip.Write(bytes);
        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
