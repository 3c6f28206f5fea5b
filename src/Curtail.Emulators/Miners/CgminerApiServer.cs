using System.Buffers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Curtail.Miners.Protocols;

namespace Curtail.Emulators.Miners;

/// <summary>What one firmware answers on its cgminer-style port. Null means "send nothing" (Whatsminer power_off).</summary>
public interface ICgminerDialect
{
    string? Handle(JsonObject request);

    /// <summary>
    /// The usual request, <c>{"command":"…","parameter":"…"}</c> with string values (parameter null when absent). A
    /// dialect that answers it without a node tree overrides this; the default hands the tree to
    /// <see cref="Handle(JsonObject)"/>.
    /// </summary>
    string? Handle(string command, string? parameter) => Handle(CgminerRequestReader.ToJson(command, parameter));
}

/// <summary>
/// The cgminer-style TCP JSON server: reads one request (a complete JSON object, a newline, or a half-close),
/// writes one reply followed by NUL, closes. Faults from <see cref="EmulatedMiner.NextFault"/> apply per request.
/// </summary>
public sealed class CgminerApiServer
{
    private readonly EmulatedMiner _miner;
    private readonly ICgminerDialect _dialect;

    public CgminerApiServer(EmulatedMiner miner, ICgminerDialect dialect)
    {
        _miner = miner;
        _dialect = dialect;
    }

    /// <summary>The miner this port belongs to (the epoll server asks it which faults are switched on).</summary>
    public EmulatedMiner Miner => _miner;

    public async Task HandleAsync(Socket socket, CancellationToken ct)
    {
        if (await FaultSwitches.PlayBeforeRequestAsync(_miner, socket, ct).ConfigureAwait(false)) return;
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        idle.CancelAfter(_miner.Timing.CgminerIdleTimeout); // btminer closes idle connections after 10 s
        var text = await ReadRequestAsync(socket, idle.Token).ConfigureAwait(false);
        if (text is null) return;
        var answer = Answer(text);
        if (answer.Instead is { } play)
        {
            await play(socket, ct).ConfigureAwait(false);
            return;
        }
        // The reply and its NUL from a pooled buffer: the emulator shares the cores with the controller it serves.
        var bytes = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(answer.Reply!.Length) + 1);
        try
        {
            var length = Encoding.UTF8.GetBytes(answer.Reply, bytes);
            bytes[length++] = 0;
            var sent = 0;
            while (sent < length) sent += await socket.SendAsync(bytes.AsMemory(sent, length - sent), SocketFlags.None, ct).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
        socket.Shutdown(SocketShutdown.Both);
    }

    /// <summary>
    /// What follows one complete request: the reply to send (without its NUL), or what plays instead of a reply (a
    /// reset, or holding the connection silently). Faults apply here, in the same order on both server paths: the
    /// miner's fault switch, then the per-request random fault, then the switch's corruption of the reply.
    /// </summary>
    public CgminerAnswer Answer(string text)
    {
        if (FaultSwitches.BeforeReply(_miner) is { } play) return new CgminerAnswer(null, play);
        var fault = _miner.NextFault();
        if (fault == InjectedFault.Reset) return new CgminerAnswer(null, ResetAsync);
        if (fault == InjectedFault.Timeout) return new CgminerAnswer(null, (socket, ct) => HoldSilentlyAsync(socket, ct));
        var reply = Dispatch(text);
        if (reply is null) return new CgminerAnswer(null, (socket, ct) => HoldSilentlyAsync(socket, ct, untilClientCloses: true));
        if (fault == InjectedFault.Malformed) reply = Malform(reply, _miner.NextRandom(4));
        return new CgminerAnswer(FaultSwitches.Corrupt(_miner.Fault, reply), null);
    }

    private static Task ResetAsync(Socket socket, CancellationToken ct)
    {
        TcpServerHost.Reset(socket);
        return Task.CompletedTask;
    }

    private string? Dispatch(string text)
    {
        var trimmed = text.Trim('\0', ' ', '\n', '\r');
        if (!trimmed.StartsWith('{'))
        {
            // Plain-text form "cmd|param": a command and a parameter, as the usual JSON request.
            var bar = trimmed.IndexOf('|');
            return bar < 0 ? _dialect.Handle(trimmed, null) : _dialect.Handle(trimmed[..bar], trimmed[(bar + 1)..]);
        }
        switch (CgminerRequestReader.Read(trimmed, out var command, out var parameter))
        {
            case CgminerRequestShape.Plain:
                return _dialect.Handle(command, parameter);
            case CgminerRequestShape.Invalid:
                return Cgminer.Error(23, "Invalid JSON");
        }
        JsonObject request;
        try
        {
            request = JsonNode.Parse(trimmed) as JsonObject ?? new JsonObject();
        }
        catch (JsonException)
        {
            return Cgminer.Error(23, "Invalid JSON");
        }
        return _dialect.Handle(request);
    }

    /// <summary>Lingers until the client gives up: a request that never gets an answer.</summary>
    private static async Task HoldSilentlyAsync(Socket socket, CancellationToken ct, bool untilClientCloses = false)
    {
        var buffer = new byte[64];
        using var cap = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cap.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, cap.Token).ConfigureAwait(false) > 0)
            {
            }
            // The client half-closed its side: a hung firmware still does not answer or close.
            if (!untilClientCloses) await Task.Delay(Timeout.InfiniteTimeSpan, cap.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Reads until one complete JSON object, a newline before any brace, or the client's half-close
    /// (<see cref="CgminerRequestScanner"/>).
    /// </summary>
    private static async Task<string?> ReadRequestAsync(Socket socket, CancellationToken ct)
    {
        try
        {
            // Wait for the request without holding a buffer: every accepted connection of a 10,000-miner fleet
            // waits here, far more than the shared pool keeps.
            await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        var buffer = ArrayPool<byte>.Shared.Rent(2048);
        var count = 0;
        var scanner = new CgminerRequestScanner();
        try
        {
            while (true)
            {
                if (count == buffer.Length)
                {
                    if (count >= CgminerRequestScanner.MaxRequestBytes) return Encoding.UTF8.GetString(buffer, 0, count);
                    var bigger = ArrayPool<byte>.Shared.Rent(count * 2);
                    buffer.AsSpan(0, count).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var n = await socket.ReceiveAsync(buffer.AsMemory(count), SocketFlags.None, ct).ConfigureAwait(false);
                if (n == 0) return count > 0 ? Encoding.UTF8.GetString(buffer, 0, count) : null;
                var end = scanner.Scan(buffer.AsSpan(count, n));
                if (end >= 0) return Encoding.UTF8.GetString(buffer, 0, count + end);
                count += n;
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>One of the real quirks pyasic repairs (miner-apis.md §1).</summary>
    public static string Malform(string json, int which) => which switch
    {
        0 => ReplaceLast(json, "}", ",}"),                                      // trailing comma
        1 => ReplaceFirst(json, "\"Msg\":\"", "\"Msg\":\"\n"),                // raw newline inside a string
        2 => ReplaceFirst(json, "[{", "[,{"),                                    // "[,{"
        _ => "," + json,                                                         // a reply starting with a comma (Avalon)
    };

    private static string ReplaceFirst(string s, string what, string with)
    {
        var i = s.IndexOf(what, StringComparison.Ordinal);
        return i < 0 ? ReplaceLast(s, "}", ",}") : s[..i] + with + s[(i + what.Length)..];
    }

    private static string ReplaceLast(string s, string what, string with)
    {
        var i = s.LastIndexOf(what, StringComparison.Ordinal);
        return i < 0 ? s : s[..i] + with + s[(i + what.Length)..];
    }
}

/// <summary>
/// The outcome of one cgminer request: <see cref="Reply"/> to send, or <see cref="Instead"/> to play on the connection
/// (a reset or a silent hold) when a fault means no reply.
/// </summary>
public readonly record struct CgminerAnswer(string? Reply, Func<Socket, CancellationToken, Task>? Instead);

/// <summary>
/// Builders for cgminer reply envelopes. The envelope is written straight to JSON text (the same text a node tree
/// writes): a fleet-wide shed is about 20,000 replies from an emulator that shares its cores with the controller.
/// </summary>
public static class Cgminer
{
    private const string DefaultDescription = "cgminer 4.11.1";

    /// <summary>The envelope as a node tree, for a dialect that adds sections of its own shape to it.</summary>
    public static JsonObject Status(string letter, int code, string msg, long when, string description = DefaultDescription) =>
        new()
        {
            ["STATUS"] = new JsonArray(new JsonObject
            {
                ["STATUS"] = letter, ["When"] = when, ["Code"] = code, ["Msg"] = msg, ["Description"] = description,
            }),
            ["id"] = 1,
        };

    /// <summary>A reply that is only a STATUS (a refusal, or a write's acknowledgement).</summary>
    public static string StatusText(string letter, int code, string msg, long when, string description = DefaultDescription)
    {
        var writer = ReplyWriter.Start();
        WriteEnvelope(writer.Json, letter, code, msg, when, description);
        writer.Json.WriteEndObject();
        return writer.Finish();
    }

    public static string Error(int code, string msg) => StatusText("E", code, msg, 0);

    public static string Reply(long when, int code, string msg, string section, params JsonObject[] items)
    {
        var writer = ReplyWriter.Start();
        var json = writer.Json;
        WriteEnvelope(json, "S", code, msg, when, DefaultDescription);
        json.WriteStartArray(section);
        foreach (var item in items) item.WriteTo(json);
        json.WriteEndArray();
        json.WriteEndObject();
        return writer.Finish();
    }

    /// <summary><see cref="Reply(long, int, string, string, JsonObject[])"/> for one item of one text property.</summary>
    public static string Reply(long when, int code, string msg, string section, string key, string value)
    {
        var writer = ReplyWriter.Start();
        var json = writer.Json;
        WriteEnvelope(json, "S", code, msg, when, DefaultDescription);
        json.WriteStartArray(section);
        json.WriteStartObject();
        json.WriteString(key, value);
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
        return writer.Finish();
    }

    /// <summary>Opens the reply object and writes STATUS and id, in the order the node tree has them.</summary>
    private static void WriteEnvelope(Utf8JsonWriter json, string letter, int code, string msg, long when, string description)
    {
        json.WriteStartObject();
        json.WriteStartArray("STATUS");
        json.WriteStartObject();
        json.WriteString("STATUS", letter);
        json.WriteNumber("When", when);
        json.WriteNumber("Code", code);
        json.WriteString("Msg", msg);
        json.WriteString("Description", description);
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteNumber("id", 1);
    }

    /// <summary>One writer and buffer per thread, reused for every reply written on it (replies are never nested).</summary>
    private sealed class ReplyWriter
    {
        [ThreadStatic]
        private static ReplyWriter? _current;

        private readonly ArrayBufferWriter<byte> _buffer = new(1024);
        public Utf8JsonWriter Json { get; }

        private ReplyWriter() => Json = new Utf8JsonWriter(_buffer);

        public static ReplyWriter Start()
        {
            var writer = _current ??= new ReplyWriter();
            writer._buffer.ResetWrittenCount();
            writer.Json.Reset(writer._buffer);
            return writer;
        }

        public string Finish()
        {
            Json.Flush();
            return Encoding.UTF8.GetString(_buffer.WrittenSpan);
        }
    }

    /// <summary>
    /// Runs "a+b" multi-commands by merging each part's sections as one-element arrays (pyasic's shape). Each part's
    /// reply is already compact JSON, so it is spliced in as text rather than parsed and written again.
    /// </summary>
    public static string? Multi(string command, Func<string, string?> single, Func<string, bool> isReadOnly)
    {
        if (!command.Contains('+')) return single(command);
        var merged = new StringBuilder("{");
        // A part named twice is one section, as a JSON object has one value per key.
        foreach (var part in command.Split('+', StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal))
        {
            var reply = isReadOnly(part) ? single(part) : Error(45, $"Access denied to '{part}' in a multi-command");
            merged.Append('"').Append(JsonEncodedText.Encode(part).ToString()).Append("\":[").Append(reply ?? "null").Append("],");
        }
        return merged.Append("\"id\":1}").ToString();
    }
}
