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

    /// <summary>Worth retrying: the same command may succeed a moment later.</summary>
    public bool IsTransient => Kind is MinerFailureKind.Connection or MinerFailureKind.Timeout or MinerFailureKind.Busy
        or MinerFailureKind.Protocol;
}
