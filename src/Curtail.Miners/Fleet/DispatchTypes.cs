namespace Curtail.Miners.Fleet;

public enum DispatchOutcome
{
    /// <summary>The command was delivered and a read-back shows its effect.</summary>
    Confirmed,
    /// <summary>The command could not be delivered (after retries) or the miner refused it.</summary>
    Failed,
    /// <summary>Delivered, but no read-back showed the effect within the family's deadline.</summary>
    Unconfirmed,
}

public sealed record MinerCommandResult(
    string MinerId,
    MinerActionKind Action,
    DispatchOutcome Outcome,
    string? Error,
    TimeSpan CommandLatency,
    TimeSpan? ConfirmLatency,
    int Attempts,
    MinerStatus? LastStatus,
    TimeSpan SentAt)
{
    public override string ToString() =>
        $"{MinerId}: {Action} {Outcome} in {CommandLatency.TotalMilliseconds:0} ms"
        + (ConfirmLatency is { } c ? $", confirmed after {c.TotalMilliseconds:0} ms" : "")
        + (Error is null ? "" : $" ({Error})");
}

public sealed record DispatchReport(IReadOnlyList<MinerCommandResult> Results, TimeSpan Elapsed)
{
    public int Confirmed => Results.Count(r => r.Outcome == DispatchOutcome.Confirmed);
    public int Failed => Results.Count(r => r.Outcome == DispatchOutcome.Failed);
    public int Unconfirmed => Results.Count(r => r.Outcome == DispatchOutcome.Unconfirmed);
}

public sealed record DispatchOptions
{
    /// <summary>Commands in flight at once across the fleet.</summary>
    public int MaxConcurrentCommands { get; init; } = 256;

    /// <summary>Read-backs in flight at once (separate, so slow confirmations never hold up sending).</summary>
    public int MaxConcurrentReads { get; init; } = 256;

    public int MaxAttempts { get; init; } = 3;

    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a family may take to show a command's effect. Defaults: LuxOS 15 s (~25 W in under 5 s), Braiins
    /// 20 s (boards off ~6 s after pause), Whatsminer 30 s, Vnish 30 s, Antminer stock 90 s (some FW had not
    /// dropped after 60 s).
    /// </summary>
    public Func<MinerFamily, TimeSpan> ConfirmDeadline { get; init; } = DefaultDeadline;

    public static TimeSpan DefaultDeadline(MinerFamily family) => family switch
    {
        MinerFamily.LuxOs => TimeSpan.FromSeconds(15),
        MinerFamily.BraiinsOs => TimeSpan.FromSeconds(20),
        MinerFamily.AntminerStock => TimeSpan.FromSeconds(90),
        _ => TimeSpan.FromSeconds(30),
    };

    /// <summary>Scales every deadline (tests and emulators running faster than real firmware).</summary>
    public DispatchOptions ScaledDeadlines(double factor) => this with { ConfirmDeadline = f => DefaultDeadline(f) / factor };
}
