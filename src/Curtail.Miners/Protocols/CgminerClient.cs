using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Curtail.Miners.Protocols;

/// <summary>
/// The cgminer-style TCP JSON API (port 4028): one request per connection, the server replies (often with a
/// trailing NUL) and closes. Used by LuxOS, Whatsminer v2, and the read side of Antminer stock and Braiins.
/// </summary>
public sealed class CgminerClient
{
    private readonly string _minerId;
    private readonly string _host;
    private readonly int _port;
    private readonly TimeSpan _timeout;
    private readonly System.Net.IPAddress? _address;

    public CgminerClient(string minerId, string host, int port, TimeSpan timeout)
    {
        _minerId = minerId;
        _host = host;
        _port = port;
        _timeout = timeout;
        // An IP literal needs no resolver round trip on every one-shot connection.
        _address = System.Net.IPAddress.TryParse(host, out var ip) ? ip : null;
    }

    private Task ConnectAsync(TcpClient client, CancellationToken ct) =>
        _address is not null ? client.ConnectAsync(_address, _port, ct).AsTask() : client.ConnectAsync(_host, _port, ct).AsTask();

    /// <summary>Sends <c>{"command":cmd,"parameter":param}</c> and returns the repaired reply; checks STATUS when asked.</summary>
    public async Task<JsonObject> CommandAsync(string command, string? parameter = null, bool checkStatus = true,
        CancellationToken cancellationToken = default)
    {
        var request = new JsonObject { ["command"] = command };
        if (parameter is not null) request["parameter"] = parameter;
        var reply = await SendRawAsync(request.ToJsonString(), cancellationToken, $"'{command}' reply").ConfigureAwait(false);
        try
        {
            if (checkStatus) EnsureSuccess(reply, command);
        }
        catch (FormatException ex)
        {
            throw new MinerException(_minerId, MinerFailureKind.Protocol, $"'{command}' reply: {ex.Message}", ex);
        }
        return reply;
    }

    /// <param name="what">What the reply answers, for error messages.</param>
    public async Task<JsonObject> SendRawAsync(string requestJson, CancellationToken cancellationToken = default, string what = "reply")
    {
        var text = await ExchangeAsync(requestJson, expectReply: true, cancellationToken).ConfigureAwait(false);
        try
        {
            return TolerantJson.ParseObject(text, what);
        }
        catch (FormatException ex)
        {
            throw new MinerException(_minerId, MinerFailureKind.Protocol, ex.Message, ex);
        }
    }

    /// <summary>
    /// Sends and, when <paramref name="expectReply"/> is false, returns as soon as the request is written and the
    /// peer has had a short moment to answer (Whatsminer power_off never replies).
    /// </summary>
    public Task<string> ExchangeAsync(string requestJson, bool expectReply, CancellationToken cancellationToken) =>
        MinerTcp.ExchangeAsync(_minerId, _port, _timeout, ConnectAsync, async (client, ct) =>
        {
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.UTF8.GetBytes(requestJson), ct).ConfigureAwait(false);
            client.Client.Shutdown(SocketShutdown.Send);
            if (!expectReply) return "";
            return await ReadToEndAsync(stream, ct).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>
    /// For commands real firmware may never answer (Whatsminer v2 power_off): returns the reply if one arrives within
    /// <paramref name="replyWait"/>, else null once the request is delivered. Connection failures still throw.
    /// </summary>
    public Task<string?> SendMaybeSilentAsync(string requestJson, TimeSpan replyWait, CancellationToken cancellationToken) =>
        MinerTcp.ExchangeAsync(_minerId, _port, _timeout, ConnectAsync, async (client, ct) =>
        {
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.UTF8.GetBytes(requestJson), ct).ConfigureAwait(false);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(replyWait);
            try
            {
                return await ReadToEndAsync(stream, wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return (string?)null;
            }
        }, cancellationToken, timeoutWhat: "could not deliver");

    private async Task<string> ReadToEndAsync(NetworkStream stream, CancellationToken ct)
    {
        var buffer = new byte[4096];
        using var ms = new MemoryStream();
        while (true)
        {
            var n = await stream.ReadAsync(buffer, ct).ConfigureAwait(false);
            if (n == 0) break;
            ms.Write(buffer, 0, n);
            // A NUL terminates the reply even if the server keeps the socket open.
            if (buffer[n - 1] == 0) break;
        }
        if (ms.Length == 0)
            throw new MinerException(_minerId, MinerFailureKind.Connection, $"port {_port}: connection closed without a reply");
        return Encoding.UTF8.GetString(ms.GetBuffer(), 0, (int)ms.Length);
    }

    /// <summary>
    /// Success iff STATUS[0].STATUS is S or I (cgminer), or STATUS is the string "S" (Whatsminer v2 flat envelope).
    /// </summary>
    public void EnsureSuccess(JsonObject reply, string command)
    {
        var (ok, code, msg) = ReadStatus(reply);
        if (!ok)
            throw new MinerException(_minerId, MinerFailureKind.Rejected,
                $"'{command}' refused: code {code?.ToString() ?? "?"} {msg}".TrimEnd());
    }

    public static (bool Ok, int? Code, string Message) ReadStatus(JsonObject reply)
    {
        var status = reply["STATUS"];
        if (status is JsonArray { Count: > 0 } arr && arr[0] is JsonObject s0)
        {
            var letter = TolerantJson.Text(s0["STATUS"]);
            return (letter is "S" or "I", (int?)TolerantJson.Number(s0["Code"]), TolerantJson.Text(s0["Msg"]) ?? "");
        }
        if (status is JsonValue v && v.TryGetValue<string>(out var flat))
        {
            var ok = flat is "S" or "I" || flat.Equals("RESTART", StringComparison.OrdinalIgnoreCase);
            return (ok, (int?)TolerantJson.Number(reply["Code"]), TolerantJson.Text(reply["Msg"]) ?? "");
        }
        return (false, null, "reply has no STATUS");
    }
}
