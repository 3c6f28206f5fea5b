namespace Curtail.Emulators.Miners;

/// <summary>
/// Faults a miner injects into its replies, as probabilities per request (seeded, reproducible), plus switches
/// tests flip on one miner.
/// </summary>
public sealed record FaultInjection
{
    /// <summary>Accept the connection and never answer.</summary>
    public double TimeoutProbability { get; init; }

    /// <summary>Reset the connection after reading the request.</summary>
    public double ResetProbability { get; init; }

    /// <summary>Reply with one of the real firmwares' JSON quirks (trailing comma, missing comma, NUL, newlines).</summary>
    public double MalformedProbability { get; init; }

    /// <summary>Drop the LuxOS session or Whatsminer/Braiins token as if the miner rebooted.</summary>
    public double SessionLossProbability { get; init; }

    public static FaultInjection None { get; } = new();

    public bool Any => TimeoutProbability > 0 || ResetProbability > 0 || MalformedProbability > 0 || SessionLossProbability > 0;
}

public enum InjectedFault
{
    None,
    Timeout,
    Reset,
    Malformed,
    SessionLoss,
}
