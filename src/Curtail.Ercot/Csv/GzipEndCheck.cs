using System.Buffers.Binary;
using System.IO.Compression;

namespace Curtail.Ercot.Csv;

/// <summary>
/// A gzip stream that knows whether it reached the real end of the data. .NET's <see cref="GZipStream"/> reports the
/// end of a file cut short (an interrupted download, a full disk) as a normal end of stream, so a reader would take the
/// cut-off last line for a malformed row and, skipping bad rows, silently lose everything after it. The gzip trailer
/// ends with the uncompressed size modulo 2^32 (RFC 1952, ISIZE); a file that stops early almost never ends with the
/// right four bytes, so comparing it with the bytes actually decompressed tells a complete file from a truncated one.
/// </summary>
internal sealed class GzipEndCheck : Stream
{
    private readonly GZipStream _gzip;
    private readonly uint _trailerSize;
    private readonly bool _trailerPresent;
    private long _decompressed;

    public GzipEndCheck(FileStream file)
    {
        _trailerPresent = file.Length >= 18; // 10-byte header + 8-byte trailer at the least
        if (_trailerPresent)
        {
            Span<byte> trailer = stackalloc byte[4];
            file.Position = file.Length - 4;
            file.ReadExactly(trailer);
            _trailerSize = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        }
        file.Position = 0;
        _gzip = new GZipStream(file, CompressionMode.Decompress, leaveOpen: false);
    }

    /// <summary>Thrown (as an <see cref="EndOfStreamException"/>) when the data stops before the gzip trailer says it should.</summary>
    public override int Read(byte[] buffer, int offset, int count) => Counted(_gzip.Read(buffer, offset, count), count);

    public override int Read(Span<byte> buffer) => Counted(_gzip.Read(buffer), buffer.Length);

    private int Counted(int read, int asked)
    {
        if (read == 0 && asked > 0 && (!_trailerPresent || (uint)_decompressed != _trailerSize))
            throw new EndOfStreamException($"the gzip data ends after {_decompressed:N0} bytes but its trailer is missing or says otherwise");
        _decompressed += read;
        return read;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _decompressed; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _gzip.Dispose();
        base.Dispose(disposing);
    }
}
