namespace Curtail.Ercot.Csv;

/// <summary>
/// Reads a stream line by line as UTF-8 byte spans into one reusable buffer, so parsing a year of prices does not
/// allocate per row. Line numbers are 1-based and count every physical line, blank ones included, so that
/// problems point at the line a user sees in an editor.
/// </summary>
internal sealed class Utf8LineReader : IDisposable
{
    private readonly Stream _stream;
    private readonly string _source;
    private byte[] _buffer = new byte[1 << 16];
    private int _start;
    private int _end;
    private bool _endOfStream;

    public Utf8LineReader(Stream stream, string source)
    {
        _stream = stream;
        _source = source;
    }

    public int LineNumber { get; private set; }

    public static Utf8LineReader Open(string path) => new(DecompressingFile.Open(path), path);

    /// <summary>Next line without its line terminator (and without a UTF-8 BOM on line 1); false at end of file.</summary>
    public bool TryReadLine(out ReadOnlySpan<byte> line)
    {
        while (true)
        {
            var pending = _buffer.AsSpan(_start, _end - _start);
            var newline = pending.IndexOf((byte)'\n');
            if (newline >= 0)
            {
                _start += newline + 1;
                line = Finish(pending[..newline]);
                return true;
            }
            if (_endOfStream)
            {
                if (pending.IsEmpty)
                {
                    line = default;
                    return false;
                }
                _start = _end;
                line = Finish(pending);
                return true;
            }
            Fill();
        }
    }

    private ReadOnlySpan<byte> Finish(ReadOnlySpan<byte> line)
    {
        LineNumber++;
        if (line.Length > 0 && line[^1] == (byte)'\r') line = line[..^1];
        if (LineNumber == 1 && line.StartsWith("\uFEFF"u8)) line = line[3..];
        return line;
    }

    private void Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        int read;
        try
        {
            read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        }
        catch (InvalidDataException e)
        {
            throw new Curtail.Core.InvalidInputException(_source, LineNumber + 1, $"gzip data is corrupt ({e.Message}); the file cannot be read past this line");
        }
        catch (EndOfStreamException)
        {
            // Refused whatever the flags: skipping rows would silently drop everything the cut took away.
            throw new Curtail.Core.InvalidInputException(_source, null,
                $"ends early (truncated gzip) after line {LineNumber + _buffer.AsSpan(_start, _end - _start).Count((byte)'\n')}; the rest of the file is missing, so it is refused even with --skip-bad-rows. Download it again");
        }
        if (read == 0) _endOfStream = true;
        else _end += read;
    }

    public void Dispose() => _stream.Dispose();
}
