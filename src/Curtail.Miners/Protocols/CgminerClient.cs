using System.Buffers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Curtail.Miners.Protocols.Native;

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
        _ipv4 = EpollExchanger.CarriedAddress(host);
    }

    /// <summary>The IPv4 literal's bytes when the epoll exchanger carries this miner's exchanges (Linux), else null.</summary>
    private readonly byte[]? _ipv4;

    private Task ConnectAsync(TcpClient client, CancellationToken ct) =>
        _address is not null ? client.ConnectAsync(_address, _port, ct).AsTask() : client.ConnectAsync(_host, _port, ct).AsTask();

    /// <summary>Sends <c>{"command":cmd,"parameter":param}</c> and returns the repaired reply; checks STATUS when asked.</summary>
    public async Task<JsonObject> CommandAsync(string command, string? parameter = null, bool checkStatus = true,
        CancellationToken cancellationToken = default)
    {
        var reply = await SendRawAsync(Request(command, parameter), cancellationToken, $"'{command}' reply").ConfigureAwait(false);
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

    /// <summary>
    /// Sends a command and hands the reply's root element to <paramref name="read"/> (no JSON node tree), after checking
    /// STATUS when asked. A shed's writes come this way: a LuxOS logon and its curtail for each miner of the fleet.
    /// </summary>
    public Task<T> CommandAsync<T>(string command, string? parameter, Func<JsonElement, T> read, bool checkStatus = true,
        CancellationToken cancellationToken = default) =>
        ExchangeAsync(Request(command, parameter), new ReplyReader<T>(command, checkStatus, read, null), cancellationToken);

    /// <summary>
    /// The request's UTF-8 bytes. Requests without a parameter (status reads, logons) are made once per command and
    /// shared; the others are written with this thread's own writer. A fleet-wide shed sends tens of thousands.
    /// </summary>
    private static byte[] Request(string command, string? parameter)
    {
        if (parameter is null) return PlainRequests.GetOrAdd(command, static c => WriteRequest(c, null));
        return WriteRequest(command, parameter);
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> PlainRequests = new(StringComparer.Ordinal);

    [ThreadStatic] private static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Writer)? _requestWriter;

    private static byte[] WriteRequest(string command, string? parameter)
    {
        var (buffer, writer) = _requestWriter ??= NewRequestWriter();
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        writer.WriteStartObject();
        writer.WriteString("command"u8, command);
        if (parameter is not null) writer.WriteString("parameter"u8, parameter);
        writer.WriteEndObject();
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static (ArrayBufferWriter<byte>, Utf8JsonWriter) NewRequestWriter()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        return (buffer, new Utf8JsonWriter(buffer));
    }

    /// <param name="what">What the reply answers, for error messages.</param>
    public Task<JsonObject> SendRawAsync(string requestJson, CancellationToken cancellationToken = default, string what = "reply") =>
        SendRawAsync(Encoding.UTF8.GetBytes(requestJson), cancellationToken, what);

    /// <summary>
    /// One exchange on a plain socket: the reply is read into a pooled buffer and parsed from its UTF-8 bytes, so a
    /// status read allocates its JSON tree and little else (no stream, no growing copies, no UTF-16 string).
    /// </summary>
    private Task<JsonObject> SendRawAsync(byte[] request, CancellationToken cancellationToken, string what) =>
        ExchangeAsync(request, new ReplyReader<JsonObject>(what, false, null, reply => TolerantJson.ParseObject(reply.Span, what)), cancellationToken);

    /// <summary>
    /// Sends a read-only command and hands the reply's root element to <paramref name="read"/>, which takes what it
    /// needs: no JSON node tree is built, and the reply is parsed where it was received. A status read of a large
    /// fleet (and every confirmation read-back) goes this way.
    /// </summary>
    public Task<T> ReadAsync<T>(string command, Func<JsonElement, T> read, CancellationToken cancellationToken = default) =>
        ExchangeAsync(Request(command, null), new ReplyReader<T>(command, false, read, null), cancellationToken);

    /// <summary>
    /// How a reply becomes the caller's result: its root handed to <see cref="Read"/> after the STATUS check when asked
    /// (the usual way), or the raw bytes to <see cref="Raw"/>. A value carried in the exchange's own state machine:
    /// the two closures and two delegates per exchange it replaces were 8 % of a 10,000-miner shed's allocation.
    /// </summary>
    private readonly record struct ReplyReader<T>(string Command, bool CheckStatus, Func<JsonElement, T>? Read,
        Func<ReadOnlyMemory<byte>, T>? Raw);

    /// <summary>"'summary' reply", made once per command (error messages only, but wanted on every exchange).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> ReplyNames = new(StringComparer.Ordinal);

    private static string ReplyName(string command) => ReplyNames.GetOrAdd(command, static c => $"'{c}' reply");

    /// <summary>
    /// One exchange on a bare socket, in one async method: while hundreds are in flight, each layer of async lambdas
    /// around it (deadline, connect, talk) was a state machine, a closure and a delegate more that outlived gen0
    /// collections (about 0.7 KB per exchange; docs/miners.md, issue 11). Failures map as <see cref="MinerTcp"/>'s.
    /// </summary>
    private Task<T> ExchangeAsync<T>(byte[] request, ReplyReader<T> reader, CancellationToken cancellationToken) =>
        _ipv4 is not null ? EpollExchangeAsync(request, reader, cancellationToken) : SocketExchangeAsync(request, reader, cancellationToken);

    /// <summary>The exchange on a .NET socket: for host names, IPv6, and platforms without the epoll exchanger.</summary>
    private async Task<T> SocketExchangeAsync<T>(byte[] request, ReplyReader<T> reader, CancellationToken cancellationToken)
    {
        // In the IP literal's own family: a dual-mode socket (the default for a host name) costs a system call to set up
        // and another to check on every connect, and a 10,000-miner shed opens 19,206 of them. No TCP_NODELAY (a system
        // call per connection): the request is written once and the sending side shut, which Nagle never holds back.
        using var socket = _address is not null
            ? new Socket(_address.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        var ct = timeout.Token;
        byte[]? buffer = null;
        try
        {
            if (_address is not null) await socket.ConnectAsync(_address, _port, ct).ConfigureAwait(false);
            else await socket.ConnectAsync(_host, _port, ct).ConfigureAwait(false);
            await SendAllAsync(socket, request, ct).ConfigureAwait(false);
            socket.Shutdown(SocketShutdown.Send);
            // Wait for the reply without holding a buffer (a zero-byte receive): hundreds of exchanges wait at once,
            // far more than the shared pool keeps, and each would otherwise allocate its own 16 KB.
            await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, ct).ConfigureAwait(false);
            buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
            var count = 0;
            while (true)
            {
                if (count == buffer.Length) buffer = Grow(buffer, count);
                var n = await socket.ReceiveAsync(buffer.AsMemory(count), SocketFlags.None, ct).ConfigureAwait(false);
                if (n == 0) break;
                count += n;
                // A NUL terminates the reply even if the server keeps the socket open.
                if (buffer[count - 1] == 0) break;
            }
            return Read(buffer.AsMemory(0, count), reader);
        }
        catch (Exception ex) when (MinerTcp.Failure(_minerId, _port, _timeout, "no reply", cancellationToken, ex) is { } failure)
        {
            throw failure;
        }
        finally
        {
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The same exchange on the process's epoll loop (<see cref="EpollExchanger"/>): no socket object, no timer, no
    /// thread-pool hop until the reply is whole. A fleet-wide shed is tens of thousands of these.
    /// </summary>
    private async Task<T> EpollExchangeAsync<T>(byte[] request, ReplyReader<T> reader, CancellationToken cancellationToken)
    {
        PooledReply reply;
        try
        {
            reply = await EpollExchanger.Shared!.ExchangeAsync(_ipv4, _port, request, _timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (MinerTcp.Failure(_minerId, _port, _timeout, "no reply", cancellationToken, ex) is { } failure)
        {
            throw failure;
        }
        using (reply) return Read(reply.Memory, reader);
    }

    private T Read<T>(ReadOnlyMemory<byte> reply, ReplyReader<T> reader)
    {
        if (reply.IsEmpty)
            throw new MinerException(_minerId, MinerFailureKind.Connection, $"port {_port}: connection closed without a reply");
        try
        {
            if (reader.Raw is not null) return reader.Raw(reply);
            using var document = TolerantJson.ParseDocument(reply, ReplyName(reader.Command));
            if (reader.CheckStatus) EnsureSuccess(document.RootElement, reader.Command);
            return reader.Read!(document.RootElement);
        }
        catch (FormatException ex)
        {
            throw new MinerException(_minerId, MinerFailureKind.Protocol, ex.Message, ex);
        }
    }

    private static async Task SendAllAsync(Socket socket, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        while (!data.IsEmpty)
        {
            var n = await socket.SendAsync(data, SocketFlags.None, ct).ConfigureAwait(false);
            data = data[n..];
        }
    }

    private static byte[] Grow(byte[] buffer, int count)
    {
        var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
        buffer.AsSpan(0, count).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(buffer);
        return bigger;
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
    public void EnsureSuccess(JsonObject reply, string command) => EnsureSuccess(JsonSerializer.SerializeToElement(reply), command);

    /// <summary>The same check on a reply read as a <see cref="JsonElement"/> (the shed's path: no node tree).</summary>
    public void EnsureSuccess(JsonElement reply, string command)
    {
        (bool Ok, int? Code, string Message) status;
        try
        {
            // The message only for a refusal: a shed checks tens of thousands of successes.
            if (ReadStatus(reply, withMessage: false).Ok) return;
            status = ReadStatus(reply);
        }
        catch (FormatException ex)
        {
            throw new FormatException($"'{command}' reply: {ex.Message}", ex);
        }
        throw new MinerException(_minerId, MinerFailureKind.Rejected,
            $"'{command}' refused: code {status.Code?.ToString() ?? "?"} {status.Message}".TrimEnd());
    }

    /// <summary>STATUS of a cgminer reply (an array of one object) or of Whatsminer v2's flat envelope (a string).</summary>
    public static (bool Ok, int? Code, string Message) ReadStatus(JsonElement reply) => ReadStatus(reply, withMessage: true);

    private static (bool Ok, int? Code, string Message) ReadStatus(JsonElement reply, bool withMessage)
    {
        var status = TolerantJson.Get(reply, "STATUS");
        if (status.ValueKind == JsonValueKind.Array && status.GetArrayLength() > 0 && status[0].ValueKind == JsonValueKind.Object)
        {
            var s0 = status[0];
            var letter = TolerantJson.Get(s0, "STATUS");
            var ok = letter.ValueKind == JsonValueKind.String && (letter.ValueEquals("S"u8) || letter.ValueEquals("I"u8));
            return (ok, (int?)TolerantJson.Number(TolerantJson.Get(s0, "Code"), "STATUS[0].Code"),
                withMessage ? TolerantJson.Text(TolerantJson.Get(s0, "Msg")) ?? "" : "");
        }
        if (status.ValueKind == JsonValueKind.String)
        {
            var flat = status.GetString();
            var ok = flat is "S" or "I" || string.Equals(flat, "RESTART", StringComparison.OrdinalIgnoreCase);
            return (ok, (int?)TolerantJson.Number(TolerantJson.Get(reply, "Code"), "Code"),
                withMessage ? TolerantJson.Text(TolerantJson.Get(reply, "Msg")) ?? "" : "");
        }
        return (false, null, "reply has no STATUS");
    }

    /// <summary><see cref="ReadStatus(JsonElement)"/> for a reply already parsed into a node tree (one reading of STATUS for both).</summary>
    public static (bool Ok, int? Code, string Message) ReadStatus(JsonObject reply) => ReadStatus(JsonSerializer.SerializeToElement(reply));
}
