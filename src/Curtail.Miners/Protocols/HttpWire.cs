using System.Buffers.Text;
using System.Globalization;
using System.Net;
using System.Text;

namespace Curtail.Miners.Protocols;

/// <summary>
/// HTTP/1.1 on the wire, for the one-shot requests the web-API miners take (Braiins REST, Vnish, ePIC, Antminer CGI):
/// the request's bytes (with <c>Connection: close</c>), where a reply ends (<c>Content-Length</c>, chunked, or the
/// server's close) and what it says. Only what these firmwares send is understood: no 100-continue from us, no
/// compression, no pipelining; a 1xx interim reply is skipped.
/// </summary>
public static class HttpWire
{
    private static ReadOnlySpan<byte> HeaderEnd => "\r\n\r\n"u8;
    private static ReadOnlySpan<byte> LineEnd => "\r\n"u8;

    /// <summary>
    /// The request's bytes: request line, Host, optional Authorization and body headers, Connection: close. Written
    /// straight into one array (the header is ASCII; the body is UTF-8).
    /// </summary>
    public static byte[] Request(string method, string pathAndQuery, string hostHeader, string? body, string? authorization,
        string contentType)
    {
        var bodyLength = body is null ? 0 : Encoding.UTF8.GetByteCount(body);
        var lengthText = body is null ? "" : bodyLength.ToString(CultureInfo.InvariantCulture);
        Span<string?> parts =
        [
            method, " ", pathAndQuery, " HTTP/1.1\r\nHost: ", hostHeader, "\r\n",
            authorization is null ? null : "Authorization: ", authorization, authorization is null ? null : "\r\n",
            body is null ? null : "Content-Type: ", body is null ? null : contentType, body is null ? null : "; charset=utf-8\r\nContent-Length: ",
            body is null ? null : lengthText, body is null ? null : "\r\n",
            "Connection: close\r\n\r\n",
        ];
        var headLength = 0;
        foreach (var part in parts)
        {
            if (part is null) continue;
            if (!Ascii.IsValid(part)) throw new ArgumentException($"HTTP header text must be ASCII: '{part}'");
            headLength += part.Length;
        }
        var bytes = new byte[headLength + bodyLength];
        var at = 0;
        foreach (var part in parts)
            if (part is not null) at += Encoding.ASCII.GetBytes(part, bytes.AsSpan(at));
        if (body is not null) Encoding.UTF8.GetBytes(body, bytes.AsSpan(at));
        return bytes;
    }

    /// <summary>
    /// Whether <paramref name="data"/> holds a whole reply: its header and, after it, <c>Content-Length</c> bytes or
    /// the chunked body's last chunk. A reply with neither ends only when the server closes, so it is never whole here.
    /// A header that cannot be read counts as whole: <see cref="Parse"/> then says what is wrong with it, at once.
    /// </summary>
    public static bool IsComplete(ReadOnlySpan<byte> data)
    {
        while (true)
        {
            if (NotHttp(data)) return true;
            var end = data.IndexOf(HeaderEnd);
            if (end < 0) return false;
            var head = data[..end];
            var status = StatusOf(head);
            if (status is null) return true;
            var bodyStart = end + HeaderEnd.Length;
            if (status is >= 100 and < 200)
            {
                data = data[bodyStart..];
                continue;
            }
            if (status is 204 or 304) return true;
            var framing = FramingOf(head);
            return framing.Chunked ? ChunkedEnd(data[bodyStart..]) >= 0
                : framing.Length is { } length ? data.Length - bodyStart >= length
                : false;
        }
    }

    /// <summary>
    /// The reply in <paramref name="data"/> (all the server sent before it closed or the reply was whole). Throws a
    /// <see cref="FormatException"/> naming what is wrong: no header, an unreadable status line, a body cut short.
    /// </summary>
    public static HttpReply Parse(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) throw new FormatException("connection closed without a reply");
        while (true)
        {
            if (NotHttp(data)) throw new FormatException($"not an HTTP status line: '{Printable(FirstLine(data))}'");
            var end = data.IndexOf(HeaderEnd);
            if (end < 0) throw new FormatException($"reply ended inside its header after {data.Length} bytes");
            var head = data[..end];
            var status = StatusOf(head) ?? throw new FormatException($"not an HTTP status line: '{Printable(FirstLine(head))}'");
            var rest = data[(end + HeaderEnd.Length)..];
            if (status is >= 100 and < 200)
            {
                data = rest;
                continue;
            }
            var framing = FramingOf(head);
            ReadOnlySpan<byte> body;
            if (status is 204 or 304) body = [];
            else if (framing.Chunked) body = Dechunk(rest);
            else if (framing.Length is { } length)
            {
                if (rest.Length < length) throw new FormatException($"body cut short: {rest.Length} of {length} bytes");
                body = rest[..(int)length];
            }
            else body = rest;
            if (body.StartsWith("\uFEFF"u8)) body = body[3..];
            // Copied out: the reply's buffer goes back to the pool when the exchange is read.
            var lines = head.IndexOf(LineEnd) is var first and >= 0 ? head[(first + 2)..] : [];
            return new HttpReply((HttpStatusCode)status, body.ToArray(), lines.ToArray());
        }
    }

    /// <summary>Whether what came so far cannot be the start of an HTTP reply (a cgminer JSON reply on the web port, say).</summary>
    private static bool NotHttp(ReadOnlySpan<byte> data)
    {
        var prefix = "HTTP/"u8;
        var n = Math.Min(prefix.Length, data.Length);
        return !data[..n].SequenceEqual(prefix[..n]);
    }

    private static ReadOnlySpan<byte> FirstLine(ReadOnlySpan<byte> head)
    {
        var end = head.IndexOf(LineEnd);
        return end < 0 ? head : head[..end];
    }

    /// <summary>The status code of "HTTP/1.x NNN reason", or null.</summary>
    private static int? StatusOf(ReadOnlySpan<byte> head)
    {
        var line = FirstLine(head);
        if (!line.StartsWith("HTTP/"u8)) return null;
        var space = line.IndexOf((byte)' ');
        if (space < 0 || line.Length < space + 4) return null;
        var code = line.Slice(space + 1, 3);
        if (!Utf8Parser.TryParse(code, out int status, out var consumed) || consumed != 3 || status < 100) return null;
        if (line.Length > space + 4 && line[space + 4] != (byte)' ') return null;
        return status;
    }

    private readonly record struct Framing(bool Chunked, long? Length);

    private static Framing FramingOf(ReadOnlySpan<byte> head)
    {
        var chunked = false;
        long? length = null;
        foreach (var line in new HeaderLineReader(head))
        {
            if (Ascii.EqualsIgnoreCase(line.Name, "Transfer-Encoding"u8))
                chunked |= Encoding.ASCII.GetString(line.Value).Contains("chunked", StringComparison.OrdinalIgnoreCase);
            else if (Ascii.EqualsIgnoreCase(line.Name, "Content-Length"u8)
                     && Utf8Parser.TryParse(line.Value, out long l, out var consumed) && consumed == line.Value.Length && l >= 0)
                length = l;
        }
        // RFC 9112 6.3: chunked wins over a length.
        return new Framing(chunked, chunked ? null : length);
    }

    /// <summary>The header lines (after the status line) as (name, value) pairs, trimmed.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> HeaderList(ReadOnlySpan<byte> lines)
    {
        var list = new List<KeyValuePair<string, string>>(8);
        foreach (var line in new HeaderLineReader(lines, afterStatusLine: false))
            list.Add(new(Encoding.ASCII.GetString(line.Name), Encoding.Latin1.GetString(line.Value)));
        return list;
    }

    private readonly ref struct HeaderLine(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        public ReadOnlySpan<byte> Name { get; } = name;
        public ReadOnlySpan<byte> Value { get; } = value;
    }

    /// <summary>The header's "name: value" lines after the status line, trimmed; lines without a name are skipped.</summary>
    private ref struct HeaderLineReader
    {
        private ReadOnlySpan<byte> _rest;

        public HeaderLineReader(ReadOnlySpan<byte> head, bool afterStatusLine = true)
        {
            var first = afterStatusLine ? head.IndexOf(LineEnd) : -2;
            _rest = afterStatusLine && first < 0 ? [] : head[(first + 2)..];
            Current = default;
        }

        public HeaderLine Current { get; private set; }

        public readonly HeaderLineReader GetEnumerator() => this;

        public bool MoveNext()
        {
            while (!_rest.IsEmpty)
            {
                var end = _rest.IndexOf(LineEnd);
                var line = end < 0 ? _rest : _rest[..end];
                _rest = end < 0 ? [] : _rest[(end + 2)..];
                var colon = line.IndexOf((byte)':');
                if (colon <= 0) continue;
                Current = new HeaderLine(line[..colon].Trim(" \t"u8), line[(colon + 1)..].Trim(" \t"u8));
                return true;
            }
            return false;
        }
    }

    /// <summary>Where a chunked body ends (after the last chunk and its trailers), or -1 if it has not yet.</summary>
    private static int ChunkedEnd(ReadOnlySpan<byte> body)
    {
        var at = 0;
        while (true)
        {
            var lineEnd = body[at..].IndexOf(LineEnd);
            if (lineEnd < 0) return -1;
            if (!TryChunkSize(body.Slice(at, lineEnd), out var size)) return at; // unreadable: let Parse say so
            at += lineEnd + 2;
            if (size == 0)
            {
                // Trailers, if any, end with an empty line.
                while (true)
                {
                    var trailerEnd = body[at..].IndexOf(LineEnd);
                    if (trailerEnd < 0) return -1;
                    at += trailerEnd + 2;
                    if (trailerEnd == 0) return at;
                }
            }
            if (body.Length - at < size + 2) return -1;
            at += (int)size + 2;
        }
    }

    private static byte[] Dechunk(ReadOnlySpan<byte> body)
    {
        var output = new List<byte>(body.Length);
        var at = 0;
        while (true)
        {
            var lineEnd = body[at..].IndexOf(LineEnd);
            if (lineEnd < 0) throw new FormatException("chunked body cut short (no last chunk)");
            var sizeLine = body.Slice(at, lineEnd);
            if (!TryChunkSize(sizeLine, out var size)) throw new FormatException($"unreadable chunk size '{Printable(sizeLine)}'");
            at += lineEnd + 2;
            if (size == 0) return [.. output];
            if (body.Length - at < size) throw new FormatException($"chunked body cut short: a chunk of {size} bytes has {body.Length - at}");
            output.AddRange(body.Slice(at, (int)size));
            at += (int)size;
            if (!body[at..].StartsWith(LineEnd)) throw new FormatException("chunk not followed by CRLF");
            at += 2;
        }
    }

    private static bool TryChunkSize(ReadOnlySpan<byte> line, out long size)
    {
        var semicolon = line.IndexOf((byte)';');
        if (semicolon >= 0) line = line[..semicolon];
        line = line.Trim((byte)' ');
        return Utf8Parser.TryParse(line, out size, out var consumed, 'x') && consumed == line.Length && line.Length is > 0 and <= 8;
    }

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = Encoding.Latin1.GetString(bytes.Length > 60 ? bytes[..60] : bytes);
        return new string(text.Select(c => char.IsControl(c) ? '?' : c).ToArray()) + (bytes.Length > 60 ? "…" : "");
    }
}
