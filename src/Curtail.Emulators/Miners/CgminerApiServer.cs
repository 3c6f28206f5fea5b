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

    public async Task HandleAsync(Socket socket, CancellationToken ct)
    {
        if (await FaultSwitches.PlayBeforeRequestAsync(_miner, socket, ct).ConfigureAwait(false)) return;
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        idle.CancelAfter(TimeSpan.FromSeconds(10)); // btminer closes idle connections after 10 s
        var text = await ReadRequestAsync(socket, idle.Token).ConfigureAwait(false);
        if (text is null) return;
        if (await FaultSwitches.PlayBeforeReplyAsync(_miner, socket, ct).ConfigureAwait(false)) return;
        var fault = _miner.NextFault();
        if (fault == InjectedFault.Reset)
        {
            TcpServerHost.Reset(socket);
            return;
        }
        if (fault == InjectedFault.Timeout)
        {
            await HoldSilentlyAsync(socket, ct).ConfigureAwait(false);
            return;
        }
        var reply = Dispatch(text);
        if (reply is null)
        {
            await HoldSilentlyAsync(socket, ct, untilClientCloses: true).ConfigureAwait(false);
            return;
        }
        if (fault == InjectedFault.Malformed) reply = Malform(reply, _miner.NextRandom(4));
        reply = FaultSwitches.Corrupt(_miner.Fault, reply);
        var bytes = Encoding.UTF8.GetBytes(reply + "\0");
        await socket.SendAsync(bytes, SocketFlags.None, ct).ConfigureAwait(false);
        socket.Shutdown(SocketShutdown.Both);
    }

    private string? Dispatch(string text)
    {
        JsonObject request;
        var trimmed = text.Trim('\0', ' ', '\n', '\r');
        if (trimmed.StartsWith('{'))
        {
            try
            {
                request = JsonNode.Parse(trimmed) as JsonObject ?? new JsonObject();
            }
            catch (JsonException)
            {
                return Cgminer.Error(23, "Invalid JSON");
            }
        }
        else
        {
            // Plain-text form "cmd|param".
            var bar = trimmed.IndexOf('|');
            request = new JsonObject { ["command"] = bar < 0 ? trimmed : trimmed[..bar] };
            if (bar >= 0) request["parameter"] = trimmed[(bar + 1)..];
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

    private static async Task<string?> ReadRequestAsync(Socket socket, CancellationToken ct)
    {
        var buffer = new byte[2048];
        var sb = new StringBuilder();
        var depth = 0;
        var inString = false;
        var escaped = false;
        var sawBrace = false;
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, ct).ConfigureAwait(false);
                if (n == 0) return sb.Length > 0 ? sb.ToString() : null;
                var chunk = Encoding.UTF8.GetString(buffer, 0, n);
                foreach (var c in chunk)
                {
                    sb.Append(c);
                    if (escaped) { escaped = false; continue; }
                    if (inString)
                    {
                        if (c == '\\') escaped = true;
                        else if (c == '"') inString = false;
                        continue;
                    }
                    switch (c)
                    {
                        case '"': inString = true; break;
                        case '{': depth++; sawBrace = true; break;
                        case '}':
                            depth--;
                            if (sawBrace && depth == 0) return sb.ToString();
                            break;
                        case '\n' when !sawBrace:
                            return sb.ToString();
                    }
                }
                if (sb.Length > 1 << 16) return sb.ToString();
            }
        }
        catch (OperationCanceledException)
        {
            return null;
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

/// <summary>Builders for cgminer reply envelopes.</summary>
public static class Cgminer
{
    public static JsonObject Status(string letter, int code, string msg, long when, string description = "cgminer 4.11.1") =>
        new()
        {
            ["STATUS"] = new JsonArray(new JsonObject
            {
                ["STATUS"] = letter, ["When"] = when, ["Code"] = code, ["Msg"] = msg, ["Description"] = description,
            }),
            ["id"] = 1,
        };

    public static string Error(int code, string msg) =>
        Status("E", code, msg, 0).ToJsonString();

    public static string Reply(long when, int code, string msg, string section, params JsonObject[] items)
    {
        var o = Status("S", code, msg, when);
        var arr = new JsonArray();
        foreach (var i in items) arr.Add(i);
        o[section] = arr;
        return o.ToJsonString();
    }

    /// <summary>Runs "a+b" multi-commands by merging each part's sections as one-element arrays (pyasic's shape).</summary>
    public static string? Multi(string command, Func<string, string?> single, Func<string, bool> isReadOnly)
    {
        if (!command.Contains('+')) return single(command);
        var merged = new JsonObject();
        foreach (var part in command.Split('+', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!isReadOnly(part))
            {
                merged[part] = new JsonArray(JsonNode.Parse(Error(45, $"Access denied to '{part}' in a multi-command")));
                continue;
            }
            var reply = single(part);
            merged[part] = new JsonArray(reply is null ? null : JsonNode.Parse(reply));
        }
        merged["id"] = 1;
        return merged.ToJsonString();
    }
}
