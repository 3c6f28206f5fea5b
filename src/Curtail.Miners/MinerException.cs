namespace Curtail.Miners;

public enum MinerFailureKind
{
    /// <summary>No connection (refused, reset, unreachable).</summary>
    Connection,
    Timeout,
    /// <summary>A reply that cannot be understood even after repair.</summary>
    Protocol,
    /// <summary>Credentials rejected or token expired beyond recovery.</summary>
    Authentication,
    /// <summary>The miner understood and refused (error status, out of range, unsupported by this firmware).</summary>
    Rejected,
    /// <summary>Another client holds the miner's write lock (LuxOS session) or its token quota.</summary>
    Busy,
}

/// <summary>A failed read or command on one miner; the message names the miner and the reason.</summary>
public class MinerException : Exception
{
    public string MinerId { get; }
    public MinerFailureKind Kind { get; }
    public string Reason { get; }

    public MinerException(string minerId, MinerFailureKind kind, string reason, Exception? inner = null)
        : base($"miner {minerId}: {reason}", inner)
    {
        MinerId = minerId;
        Kind = kind;
        Reason = reason;
    }

    /// <summary>
    /// Any failure of one command on one miner as that miner's <see cref="MinerException"/>: a MinerException as it
    /// is, a timeout or lost connection by its kind, anything else (a reply the driver could not make sense of:
    /// duplicate keys, 1e999, a wrong type, a driver bug) as a protocol failure naming the command and the problem.
    /// Callers let cancellation of the whole batch through before calling this.
    /// </summary>
    public static MinerException Contain(string minerId, string command, Exception failure) => failure switch
    {
        MinerException known => known,
        TimeoutException or OperationCanceledException => new(minerId, MinerFailureKind.Timeout, $"{command}: {failure.Message}", failure),
        IOException or System.Net.Sockets.SocketException => new(minerId, MinerFailureKind.Connection, $"{command}: {failure.Message}", failure),
        _ => new(minerId, MinerFailureKind.Protocol, $"{command}: unexpected reply ({failure.GetType().Name}: {failure.Message})", failure),
    };

    /// <summary>Worth retrying: the same command may succeed a moment later.</summary>
    public bool IsTransient => Kind is MinerFailureKind.Connection or MinerFailureKind.Timeout or MinerFailureKind.Busy
        or MinerFailureKind.Protocol;
}
