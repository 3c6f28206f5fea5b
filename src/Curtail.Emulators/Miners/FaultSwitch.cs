using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Curtail.Core;

namespace Curtail.Emulators.Miners;

/// <summary>
/// A fault one miner plays on every exchange until switched off, on all of its ports: what fault-injection tests
/// flip at runtime (<see cref="EmulatedMiner.Fault"/>, the control endpoint, `--fault ID=NAME`). Unlike
/// <see cref="FaultInjection"/>'s repairable quirks, each of these makes the reply unusable.
/// </summary>
public enum MinerFaultSwitch
{
    None,
    /// <summary>Reads the request and never answers (the client times out).</summary>
    Silence,
    /// <summary>Resets the connection (TCP RST) after reading the request.</summary>
    Reset,
    /// <summary>The reply cut off halfway: not JSON even after repair.</summary>
    Malformed,
    /// <summary>The reply's first key stated twice in its top-level object.</summary>
    DuplicateKey,
    /// <summary>Every number in the reply becomes 1e999 (overflows a double).</summary>
    NonFinite,
    /// <summary>Every number in the reply becomes an array holding it: the wrong type where a number belongs.</summary>
    WrongType,
    /// <summary>The miner loses power: draws 0 W and accepts connections but never reads or answers. Switching it off again reboots the miner awake (curtail state lost).</summary>
    PowerOff,
    /// <summary>Accepts connections and never reads or answers (a hung web server; the same on TCP APIs).</summary>
    HungHttp,
}

public static class FaultSwitches
{
    public static readonly IReadOnlyDictionary<string, MinerFaultSwitch> Names = new Dictionary<string, MinerFaultSwitch>(StringComparer.OrdinalIgnoreCase)
    {
        ["none"] = MinerFaultSwitch.None,
        ["silence"] = MinerFaultSwitch.Silence,
        ["reset"] = MinerFaultSwitch.Reset,
        ["malformed"] = MinerFaultSwitch.Malformed,
        ["duplicate_key"] = MinerFaultSwitch.DuplicateKey,
        ["non_finite"] = MinerFaultSwitch.NonFinite,
        ["wrong_type"] = MinerFaultSwitch.WrongType,
        ["power_off"] = MinerFaultSwitch.PowerOff,
        ["hung_http"] = MinerFaultSwitch.HungHttp,
    };

    public static string Name(MinerFaultSwitch fault) => Names.First(n => n.Value == fault).Key;

    public static MinerFaultSwitch Parse(string name, string option) => Names.TryGetValue(name.Trim(), out var f)
        ? f
        : throw new InvalidInputException(option, null, $"unknown fault '{name}' (known: {string.Join(", ", Names.Keys)})");

    /// <summary>Power-off and a hung server: the connection is accepted and nothing is ever read or sent.</summary>
    public static async Task<bool> PlayBeforeRequestAsync(EmulatedMiner miner, Socket socket, CancellationToken ct)
    {
        if (!HoldsBeforeRequest(miner)) return false;
        await HoldAsync(socket, ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>Silence and reset: the request was read and no reply follows.</summary>
    public static async Task<bool> PlayBeforeReplyAsync(EmulatedMiner miner, Socket socket, CancellationToken ct)
    {
        if (BeforeReply(miner) is not { } play) return false;
        await play(socket, ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// What the switch plays instead of a reply once the request was read (a reset, or holding the connection), or
    /// null when a reply follows: the epoll server asks this before it answers on its own thread.
    /// </summary>
    public static Func<Socket, CancellationToken, Task>? BeforeReply(EmulatedMiner miner) => miner.Fault switch
    {
        MinerFaultSwitch.Reset => (socket, _) =>
        {
            TcpServerHost.Reset(socket);
            return Task.CompletedTask;
        },
        MinerFaultSwitch.Silence or MinerFaultSwitch.PowerOff or MinerFaultSwitch.HungHttp => HoldAsync,
        _ => null,
    };

    /// <summary>Power-off and a hung server hold every connection from its accept, before any request is read.</summary>
    public static bool HoldsBeforeRequest(EmulatedMiner miner) => miner.Fault is MinerFaultSwitch.PowerOff or MinerFaultSwitch.HungHttp;

    /// <summary>Holds the connection open without a byte until the client gives up (or a minute passes).</summary>
    private static async Task HoldAsync(Socket socket, CancellationToken ct)
    {
        using var cap = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cap.CancelAfter(TimeSpan.FromMinutes(1));
        var sink = new byte[256];
        try
        {
            // Draining keeps the client's writes from blocking; nothing read is ever answered.
            while (await socket.ReceiveAsync(sink, SocketFlags.None, cap.Token).ConfigureAwait(false) > 0)
            {
            }
            await Task.Delay(Timeout.InfiniteTimeSpan, cap.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException)
        {
        }
    }

    /// <summary>The reply as the switch spoils it; unchanged when the switch does not touch replies or it is not a JSON object.</summary>
    public static string Corrupt(MinerFaultSwitch fault, string reply) => fault switch
    {
        MinerFaultSwitch.Malformed => reply.Length < 2 ? "{" : reply[..(reply.Length / 2)],
        MinerFaultSwitch.DuplicateKey => DuplicateFirstKey(reply),
        MinerFaultSwitch.NonFinite => ReplaceNumbers(reply, _ => "1e999"),
        MinerFaultSwitch.WrongType => ReplaceNumbers(reply, n => "[" + n + "]"),
        _ => reply,
    };

    private static string DuplicateFirstKey(string reply)
    {
        var trimmed = reply.TrimStart();
        JsonObject? o;
        try
        {
            o = JsonNode.Parse(trimmed) as JsonObject;
        }
        catch (JsonException)
        {
            return reply;
        }
        if (o is null || o.Count == 0) return reply;
        var (key, value) = o.First();
        return "{" + JsonSerializer.Serialize(key) + ":" + (value?.ToJsonString() ?? "null") + "," + trimmed[1..];
    }

    /// <summary>Replaces every number token outside string literals.</summary>
    private static string ReplaceNumbers(string reply, Func<string, string> replacement)
    {
        var sb = new StringBuilder(reply.Length + 32);
        var inString = false;
        for (var i = 0; i < reply.Length; i++)
        {
            var c = reply[i];
            if (inString)
            {
                sb.Append(c);
                if (c == '\\' && i + 1 < reply.Length) sb.Append(reply[++i]);
                else if (c == '"') inString = false;
                continue;
            }
            if (c == '"')
            {
                inString = true;
                sb.Append(c);
            }
            else if (c == '-' || char.IsAsciiDigit(c))
            {
                var start = i;
                while (i + 1 < reply.Length && (char.IsAsciiDigit(reply[i + 1]) || reply[i + 1] is '.' or 'e' or 'E' or '+' or '-')) i++;
                sb.Append(replacement(reply[start..(i + 1)]));
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }
}
