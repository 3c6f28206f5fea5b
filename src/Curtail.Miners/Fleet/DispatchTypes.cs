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
    /// How long a family may take to show a command's effect. Sleep/wake defaults: LuxOS 15 s (~25 W in under
    /// 5 s), Braiins 20 s (boards off ~6 s after pause), Whatsminer 30 s, Vnish 30 s, Antminer stock 90 s (some FW
    /// had not dropped after 60 s). A lowered power target must show in the measured power, which follows the
    /// tuner: 60 s, 180 s for Whatsminer (the change restarts mining).
    /// </summary>
    public Func<MinerFamily, MinerActionKind, TimeSpan> ConfirmDeadline { get; init; } = DefaultDeadline;

    public static TimeSpan DefaultDeadline(MinerFamily family, MinerActionKind action) => action == MinerActionKind.SetTarget
        ? family is MinerFamily.WhatsminerV2 or MinerFamily.WhatsminerV3 ? TimeSpan.FromSeconds(180) : TimeSpan.FromSeconds(60)
        : family switch
        {
            MinerFamily.LuxOs => TimeSpan.FromSeconds(15),
            MinerFamily.BraiinsOs => TimeSpan.FromSeconds(20),
            MinerFamily.AntminerStock => TimeSpan.FromSeconds(90),
            _ => TimeSpan.FromSeconds(30),
        };

    /// <summary>
    /// When to take the first read-back after a command: the firmware's own settle time, so a fleet of thousands is
    /// not polled for an effect that cannot have happened yet. Sleep: LuxOS 3 s, Braiins 5 s, Antminer 8 s,
    /// others 4 s; a lowered target 3 s; wake at once (only the mode has to change).
    /// </summary>
    public Func<MinerFamily, MinerActionKind, TimeSpan> FirstReadDelay { get; init; } = DefaultFirstReadDelay;

    public static TimeSpan DefaultFirstReadDelay(MinerFamily family, MinerActionKind action) => action switch
    {
        MinerActionKind.Sleep => family switch
        {
            MinerFamily.LuxOs => TimeSpan.FromSeconds(3),
            MinerFamily.BraiinsOs => TimeSpan.FromSeconds(5),
            MinerFamily.AntminerStock => TimeSpan.FromSeconds(8),
            _ => TimeSpan.FromSeconds(4),
        },
        MinerActionKind.SetTarget => TimeSpan.FromSeconds(3),
        _ => TimeSpan.Zero,
    };

    /// <summary>Scales every deadline (tests and emulators running faster than real firmware).</summary>
    public DispatchOptions ScaledDeadlines(double factor) => this with
    {
        ConfirmDeadline = (f, a) => DefaultDeadline(f, a) / factor,
        FirstReadDelay = (f, a) => DefaultFirstReadDelay(f, a) / factor,
    };
}
