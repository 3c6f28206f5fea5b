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
    // From the command's start (its command slot taken, before a LuxOS logon) to the reply of the read-back that
    // showed its effect: the command's own latency, the firmware's delay and the wait for a read that sees it.
    TimeSpan? ConfirmLatency,
    int Attempts,
    MinerStatus? LastStatus,
    TimeSpan SentAt)
{
    /// <summary>From the command's acknowledgement to the reply of the read-back that showed its effect.</summary>
    public TimeSpan? ConfirmAfterAcknowledged { get; init; }

    /// <summary>Read-backs taken for this command (0 when it was not delivered).</summary>
    public int ReadBacks { get; init; }

    /// <summary>Read-backs among <see cref="ReadBacks"/> that failed (no reply, or one the driver could not read) rather than showing no effect yet.</summary>
    public int FailedReadBacks { get; init; }

    /// <summary>How long the read-back that showed the effect took, from its start (its read slot taken) to its reply.</summary>
    public TimeSpan? ConfirmingRead { get; init; }

    public override string ToString() =>
        $"{MinerId}: {Action} {Outcome} in {CommandLatency.TotalMilliseconds:0} ms"
        + (ConfirmLatency is { } c ? $", confirmed after {c.TotalMilliseconds:0} ms" : "")
        + (Error is null ? "" : $" ({Error})");
}

public sealed record DispatchReport(IReadOnlyList<MinerCommandResult> Results, TimeSpan Elapsed)
{
    /// <summary>
    /// Per family and action, when the probes found the effect shows after a command's acknowledgement (the moment
    /// the other miners took their first read-back); null where the probes never found it.
    /// </summary>
    public IReadOnlyDictionary<(MinerFamily Family, MinerActionKind Action), TimeSpan?> ProbeFindings { get; init; } =
        new Dictionary<(MinerFamily, MinerActionKind), TimeSpan?>();

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
    /// When a probe takes its first read-back after its command was acknowledged. The first
    /// <see cref="ProbeCount"/> commands of each family and action in a dispatch are probes: they look every
    /// <see cref="ProbeInterval"/> from this moment until the effect shows, and tell the others when to look (see
    /// <see cref="FleetDispatcher"/>). Sleep: Antminer 8 s (the CGI restarts the miner process, an earlier read fails),
    /// others half their <see cref="SettleBound"/> (LuxOS 2.5 s, Braiins OS 3 s): probes read while commands are still
    /// going out, and from 1 s a mixed fleet's 48 probes would take about 3,500 exchanges (counted from the schedule;
    /// Braiins OS reads are 3 requests) while the send runs; a lowered target 3 s; wake and boards at once (only the mode has to change).
    /// </summary>
    public Func<MinerFamily, MinerActionKind, TimeSpan> FirstReadDelay { get; init; } = DefaultFirstReadDelay;

    public static TimeSpan DefaultFirstReadDelay(MinerFamily family, MinerActionKind action) => action switch
    {
        MinerActionKind.Sleep => family == MinerFamily.AntminerStock ? TimeSpan.FromSeconds(8) : DefaultSettleBound(family, action) / 2,
        MinerActionKind.SetTarget => TimeSpan.FromSeconds(3),
        _ => TimeSpan.Zero,
    };

    /// <summary>
    /// The time the firmware's documentation gives for the effect to show (miner-apis.md), after the command is
    /// acknowledged: a miner that is not a probe takes its first read-back then if the probes have not yet shown
    /// when the effect comes. Sleep: LuxOS 5 s ("~25 W in &lt;5 s"), Braiins OS 6 s ("boards unpowered ~6 s after"),
    /// Antminer 10 s and others 5 s (no source: UNVERIFIED); a lowered target 3 s (the tuner's time varies with
    /// the cut: the probes find it); wake and boards at once.
    /// </summary>
    public Func<MinerFamily, MinerActionKind, TimeSpan> SettleBound { get; init; } = DefaultSettleBound;

    public static TimeSpan DefaultSettleBound(MinerFamily family, MinerActionKind action) => action switch
    {
        MinerActionKind.Sleep => family switch
        {
            MinerFamily.BraiinsOs => TimeSpan.FromSeconds(6),
            MinerFamily.AntminerStock => TimeSpan.FromSeconds(10),
            _ => TimeSpan.FromSeconds(5),
        },
        MinerActionKind.SetTarget => TimeSpan.FromSeconds(3),
        _ => TimeSpan.Zero,
    };

    /// <summary>Commands per family and action in a dispatch whose read-backs look densely, to find when the effect shows.</summary>
    public int ProbeCount { get; init; } = 16;

    /// <summary>
    /// How often a probe looks, and a miner around the moment the probes found (never less often than
    /// <see cref="PollInterval"/>). Its half is the mean wait between the effect and the read that sees it.
    /// </summary>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Scales every deadline (tests and emulators running faster than real firmware).</summary>
    public DispatchOptions ScaledDeadlines(double factor) => this with
    {
        ConfirmDeadline = (f, a) => DefaultDeadline(f, a) / factor,
        FirstReadDelay = (f, a) => DefaultFirstReadDelay(f, a) / factor,
        SettleBound = (f, a) => DefaultSettleBound(f, a) / factor,
    };
}
