namespace Curtail.Ercot.Csv;

/// <summary>Opens a data file as plain bytes, gunzipping it when it starts with the gzip magic bytes (the name may lie).</summary>
internal static class DecompressingFile
{
    private const byte GzipMagic1 = 0x1f;
    private const byte GzipMagic2 = 0x8b;

    public static Stream Open(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        Span<byte> magic = stackalloc byte[2];
        var read = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        return read == 2 && magic[0] == GzipMagic1 && magic[1] == GzipMagic2
            ? new GzipEndCheck(file)
            : file;
    }

    public static bool IsGzip(string path)
    {
        using var file = File.OpenRead(path);
        return file.ReadByte() == GzipMagic1 && file.ReadByte() == GzipMagic2;
    }
}
