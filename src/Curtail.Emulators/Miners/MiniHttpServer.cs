using System.Net.Sockets;
using System.Text;

namespace Curtail.Emulators.Miners;

public sealed record HttpRequestLite(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
}

public sealed record HttpResponseLite(int Status, string Body, string ContentType = "application/json",
    IReadOnlyDictionary<string, string>? Headers = null, TimeSpan Delay = default)
{
    public static HttpResponseLite Json(string body, int status = 200) => new(status, body);
}

/// <summary>
/// A small HTTP/1.1 server for the emulated web APIs (Antminer CGI, Braiins REST, Vnish): one request per
/// connection (Connection: close), Content-Length bodies. Thousands of miners need no web framework per port.
/// Faults apply per request: reset, silence, or a malformed body. Without a miner (the fleet's control endpoint)
/// it serves the handler alone, with no faults.
/// </summary>
public sealed class MiniHttpServer
{
    private readonly EmulatedMiner? _miner;
    private readonly Func<HttpRequestLite, CancellationToken, Task<HttpResponseLite>> _handler;

    public MiniHttpServer(EmulatedMiner? miner, Func<HttpRequestLite, CancellationToken, Task<HttpResponseLite>> handler)
    {
        _miner = miner;
        _handler = handler;
    }

    public async Task HandleAsync(Socket socket, CancellationToken ct)
    {
        // Replies here go out in more than one write on one connection: Nagle would hold the second for the ACK.
        socket.NoDelay = true;
        if (_miner is not null && await FaultSwitches.PlayBeforeRequestAsync(_miner, socket, ct).ConfigureAwait(false)) return;
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        idle.CancelAfter(TimeSpan.FromSeconds(10));
        var request = await ReadRequestAsync(stream, idle.Token).ConfigureAwait(false);
        if (request is null) return;
        if (_miner is not null && await FaultSwitches.PlayBeforeReplyAsync(_miner, socket, ct).ConfigureAwait(false)) return;
        var fault = _miner?.NextFault() ?? InjectedFault.None;
        if (await TcpServerHost.PlayTransportFaultAsync(fault, socket, ct).ConfigureAwait(false)) return;
        var response = await _handler(request, ct).ConfigureAwait(false);
        if (response.Delay > TimeSpan.Zero) await Task.Delay(response.Delay, ct).ConfigureAwait(false);
        var body = response.Body;
        if (fault == InjectedFault.Malformed && response.ContentType == "application/json") body = CgminerApiServer.Malform(body, 0);
        if (_miner is not null && response.ContentType == "application/json") body = FaultSwitches.Corrupt(_miner.Fault, body);
        var bytes = Encoding.UTF8.GetBytes(body);
        var head = new StringBuilder()
            .Append("HTTP/1.1 ").Append(response.Status).Append(' ').Append(Reason(response.Status)).Append("\r\n")
            .Append("Content-Type: ").Append(response.ContentType).Append("\r\n")
            .Append("Content-Length: ").Append(bytes.Length).Append("\r\n")
            .Append("Connection: close\r\n");
        if (response.Headers is not null)
            foreach (var (k, v) in response.Headers) head.Append(k).Append(": ").Append(v).Append("\r\n");
        head.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), ct).ConfigureAwait(false);
        await stream.WriteAsync(bytes, ct).ConfigureAwait(false);
        socket.Shutdown(SocketShutdown.Both);
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK", 204 => "No Content", 400 => "Bad Request", 401 => "Unauthorized", 404 => "Not Found", 405 => "Method Not Allowed",
        _ => "Status",
    };

    private static async Task<HttpRequestLite?> ReadRequestAsync(NetworkStream stream, CancellationToken ct)
    {
        var buffer = new byte[8192];
        var data = new List<byte>(1024);
        int headerEnd;
        try
        {
            while (true)
            {
                var n = await stream.ReadAsync(buffer, ct).ConfigureAwait(false);
                if (n == 0) return null;
                data.AddRange(buffer.AsSpan(0, n).ToArray());
                headerEnd = IndexOfHeaderEnd(data);
                if (headerEnd >= 0) break;
                if (data.Count > 65536) return null;
            }
            var headText = Encoding.ASCII.GetString(data.GetRange(0, headerEnd).ToArray());
            var lines = headText.Split("\r\n");
            var first = lines[0].Split(' ');
            if (first.Length < 2) return null;
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in lines.Skip(1))
            {
                var colon = line.IndexOf(':');
                if (colon > 0) headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
            var length = headers.TryGetValue("Content-Length", out var cl) && int.TryParse(cl, out var l) ? l : 0;
            var bodyStart = headerEnd + 4;
            while (data.Count - bodyStart < length)
            {
                var n = await stream.ReadAsync(buffer, ct).ConfigureAwait(false);
                if (n == 0) break;
                data.AddRange(buffer.AsSpan(0, n).ToArray());
            }
            var body = Encoding.UTF8.GetString(data.GetRange(bodyStart, Math.Min(length, data.Count - bodyStart)).ToArray());
            return new HttpRequestLite(first[0].ToUpperInvariant(), first[1], headers, body);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            return null;
        }
    }

    private static int IndexOfHeaderEnd(List<byte> data)
    {
        for (var i = 0; i + 3 < data.Count; i++)
            if (data[i] == '\r' && data[i + 1] == '\n' && data[i + 2] == '\r' && data[i + 3] == '\n') return i;
        return -1;
    }
}
