namespace Curtail.Emulators.Miners;

/// <summary>
/// Tells where one cgminer request ends as its bytes arrive: at the close of one complete JSON object, or at a newline
/// before any brace (the plain-text "cmd|param" form); a half-close ends it too, which the reader sees. Shared by the
/// .NET sockets path and the epoll loop so both accept exactly the same requests. The scan is over bytes: every
/// character it looks for is ASCII, which never occurs inside a multi-byte UTF-8 sequence.
/// </summary>
public struct CgminerRequestScanner
{
    /// <summary>A request this long is taken as it is, complete or not: a client cannot make the server buffer more.</summary>
    public const int MaxRequestBytes = 1 << 16;

    private int _depth;
    private bool _inString;
    private bool _escaped;
    private bool _sawBrace;

    /// <summary>
    /// Scans the next bytes of the request (state carries over between calls). Returns how many of them belong to the
    /// request when it ends within them, or -1 when it goes on.
    /// </summary>
    public int Scan(ReadOnlySpan<byte> bytes)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            var c = bytes[i];
            if (_escaped)
            {
                _escaped = false;
                continue;
            }
            if (_inString)
            {
                if (c == '\\') _escaped = true;
                else if (c == '"') _inString = false;
                continue;
            }
            switch (c)
            {
                case (byte)'"': _inString = true; break;
                case (byte)'{': _depth++; _sawBrace = true; break;
                case (byte)'}':
                    _depth--;
                    if (_sawBrace && _depth == 0) return i + 1;
                    break;
                case (byte)'\n' when !_sawBrace:
                    return i + 1;
            }
        }
        return -1;
    }
}
