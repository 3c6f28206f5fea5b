using Curtail.Miners;

namespace Curtail.Emulators.Miners;

/// <summary>
/// Firmware timing per family (SOURCES.md Appendix A and miner-apis.md §13), divided by <see cref="SpeedFactor"/>
/// so tests can run a 20 s Antminer reply or a 10 min wake ramp in milliseconds.
/// </summary>
public sealed record EmulatorTiming
{
    public double SpeedFactor { get; init; } = 1;

    public TimeSpan Scale(TimeSpan real) => TimeSpan.FromTicks((long)(real.Ticks / Math.Max(SpeedFactor, 1e-9)));

    /// <summary>Time from the sleep command to sleep power.</summary>
    public TimeSpan SleepDuration(MinerFamily family) => Scale(family switch
    {
        MinerFamily.LuxOs => TimeSpan.FromSeconds(4),      // vendor: ~25 W in under 5 s
        MinerFamily.BraiinsOs => TimeSpan.FromSeconds(6),  // docs log: boards unpowered ~6 s after pause
        MinerFamily.AntminerStock => TimeSpan.FromSeconds(10),
        _ => TimeSpan.FromSeconds(5),
    });

    /// <summary>Linear wake ramp from sleep power to the target (1-10 min).</summary>
    public TimeSpan WakeRamp(MinerFamily family) => Scale(family switch
    {
        MinerFamily.LuxOs => TimeSpan.FromMinutes(1),
        MinerFamily.BraiinsOs => TimeSpan.FromMinutes(2),
        MinerFamily.Vnish => TimeSpan.FromMinutes(5),
        _ => TimeSpan.FromMinutes(10), // stock Antminer power cycle, Whatsminer "Hash Stable Cost Seconds" ~627 s
    });

    /// <summary>
    /// Restart after a wake from sleep, before power starts to rise: the mining process (and for a soft-off the
    /// boards) come back up. UNVERIFIED figures (no public measurement): LuxOS 5 s (vendor: full power in under
    /// 10 s), Braiins 10 s (docs: hashing ~10 s after resume), Avalon softon and ePIC Autostart 30 s (both restart
    /// the miner program), others 20 s.
    /// </summary>
    public TimeSpan RestartDelay(MinerFamily family) => Scale(family switch
    {
        MinerFamily.LuxOs => TimeSpan.FromSeconds(5),
        MinerFamily.BraiinsOs => TimeSpan.FromSeconds(10),
        MinerFamily.Avalon or MinerFamily.Epic => TimeSpan.FromSeconds(30),
        _ => TimeSpan.FromSeconds(20),
    });

    /// <summary>A board switched off or on changes power within this time (no restart, fans keep turning).</summary>
    public TimeSpan BoardSwitchDuration => Scale(TimeSpan.FromSeconds(10));

    /// <summary>Time to settle on a new power target.</summary>
    public TimeSpan RetargetDuration(MinerFamily family) => Scale(family switch
    {
        MinerFamily.WhatsminerV2 or MinerFamily.WhatsminerV3 => TimeSpan.FromMinutes(2), // restarts mining
        _ => TimeSpan.FromSeconds(20),
    });

    /// <summary>
    /// set_miner_conf.cgi answers after ~21 s (asic-rs PR 249). This is a real-time delay on the socket, so tests
    /// on a fake clock set it directly instead of speeding up the whole firmware.
    /// </summary>
    public TimeSpan? AntminerConfReplyOverride { get; init; }

    public TimeSpan AntminerConfReply => AntminerConfReplyOverride ?? Scale(TimeSpan.FromSeconds(20));

    /// <summary>
    /// How long a cgminer-style port waits for a request on a connection before closing it (btminer closes idle
    /// connections after 10 s). Real time, not scaled: tests of the idle close set it directly.
    /// </summary>
    public TimeSpan CgminerIdleTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Session idle expiry of LuxOS (60 s).</summary>
    public TimeSpan LuxOsSessionIdle { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Whatsminer v2 token lifetime (30 min).</summary>
    public TimeSpan WhatsminerTokenLife { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Braiins session token idle expiry (3600 s).</summary>
    public TimeSpan BraiinsTokenIdle { get; init; } = TimeSpan.FromHours(1);
}
