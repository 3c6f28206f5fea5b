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
    /// LuxOS: keep the session between writes instead of logon/command/logoff each time (one connection per write
    /// instead of three). Other tools then wait until it expires (60 s idle). Off by default.
    /// </summary>
    public bool LuxOsHoldSession { get; init; }

    public static DriverOptions Default { get; } = new();
}
