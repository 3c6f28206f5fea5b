namespace Curtail.Miners.Drivers;

/// <summary>Client-side timeouts. Defaults follow what maintained libraries found necessary (miner-apis.md §1, §2.5).</summary>
public sealed record DriverOptions
{
    /// <summary>Per request on the fast APIs (cgminer 4028, Whatsminer, Braiins REST, Vnish).</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Antminer set_miner_conf.cgi answers after ~21 s; asic-rs uses at least 30 s.</summary>
    public TimeSpan AntminerConfTimeout { get; init; } = TimeSpan.FromSeconds(35);

    /// <summary>How long to wait for a reply that real firmware may never send (Whatsminer v2 power_off).</summary>
    public TimeSpan SilentReplyGrace { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// LuxOS: how long our session stays open after a write before it is logged off. Writes within it reuse the
    /// session (one connection per write instead of three), and a burst of writes to many miners does not pay for
    /// the logoffs while it is sending; other tools wait at most this long for the miner's single session.
    /// <see cref="TimeSpan.Zero"/> logs off right after each write; <see cref="Timeout.InfiniteTimeSpan"/> keeps the
    /// session until the firmware expires it (60 s idle).
    /// </summary>
    public TimeSpan LuxOsSessionLinger { get; init; } = TimeSpan.FromSeconds(10);

    public static DriverOptions Default { get; } = new();
}
