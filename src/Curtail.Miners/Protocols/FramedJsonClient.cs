using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Curtail.Miners.Protocols;

/// <summary>
/// Whatsminer API v3 framing on TCP 4433: every message is a 4-byte little-endian length then UTF-8 JSON. One
/// connection per exchange sequence; <see cref="ExchangeAsync"/> sends requests in order on one connection.
/// </summary>
public sealed class FramedJsonClient
{
    private const int MaxFrame = 1 << 20;
    private readonly string _minerId;
    private readonly string _host;
    private readonly int _port;
    private readonly TimeSpan _timeout;

    public FramedJsonClient(string minerId, string host, int port, TimeSpan timeout)
    {
        _minerId = minerId;
        _host = host;
        _port = port;
        _timeout = timeout;
    }

    /// <summary>Sends each request built by <paramref name="next"/> (given the previous reply) until it returns null.</summary>
    public Task<JsonObject> ExchangeAsync(Func<JsonObject?, JsonObject?> next, CancellationToken cancellationToken) =>
        MinerTcp.ExchangeAsync(_minerId, _port, _timeout, (client, ct) => client.ConnectAsync(_host, _port, ct).AsTask(), async (client, ct) =>
        {
            var stream = client.GetStream();
            JsonObject? reply = null;
            while (next(reply) is { } request)
            {
                await WriteFrameAsync(stream, request.ToJsonString(), ct).ConfigureAwait(false);
                var text = await ReadFrameAsync(stream, ct).ConfigureAwait(false);
                try
                {
                    reply = TolerantJson.ParseObject(text, $"'{TolerantJson.Text(request["cmd"]) ?? "?"}' reply");
                }
                catch (FormatException ex)
                {
                    throw new MinerException(_minerId, MinerFailureKind.Protocol, ex.Message, ex);
                }
            }
            return reply ?? throw new MinerException(_minerId, MinerFailureKind.Protocol, "no request was sent");
        }, cancellationToken);

    public static async Task WriteFrameAsync(Stream stream, string json, CancellationToken ct)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var frame = new byte[4 + body.Length];
        BinaryPrimitives.WriteInt32LittleEndian(frame, body.Length);
        body.CopyTo(frame, 4);
        await stream.WriteAsync(frame, ct).ConfigureAwait(false);
    }

    /// <summary>Reads one frame; null-free text. Throws IOException on EOF or an absurd length.</summary>
    public static async Task<string> ReadFrameAsync(Stream stream, CancellationToken ct)
    {
        var header = new byte[4];
        await stream.ReadExactlyAsync(header, ct).ConfigureAwait(false);
        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length is < 0 or > MaxFrame) throw new IOException($"frame length {length} out of range");
        var body = new byte[length];
        await stream.ReadExactlyAsync(body, ct).ConfigureAwait(false);
        return Encoding.UTF8.GetString(body);
    }
}
