namespace Curtail.Miners;

public enum MinerFamily
{
    /// <summary>Plain cgminer/bmminer TCP JSON API on 4028: read-only.</summary>
    Cgminer,
    AntminerStock,
    LuxOs,
    WhatsminerV2,
    WhatsminerV3,
    BraiinsOs,
    Vnish,
    /// <summary>ePIC PowerPlay/UMC firmware: an HTTP JSON API on port 4028 (not cgminer TCP).</summary>
    Epic,
    /// <summary>Canaan Avalon: cgminer TCP JSON on 4028, control by <c>ascset</c> (softoff/softon, workmode).</summary>
    Avalon,
}

public enum MinerMode
{
    Running,
    /// <summary>Running below nominal because of a power target or a low-power mode.</summary>
    Throttled,
    /// <summary>Waking or re-tuning after a target change: power is rising towards the target.</summary>
    Ramping,
    Sleeping,
    Unknown,
}

public enum PowerSource
{
    /// <summary>The firmware reports a power figure (PSU telemetry or its own estimate).</summary>
    Measured,
    /// <summary>Estimated by Curtail from the model's nameplate and the hashrate ratio.</summary>
    Estimated,
}

/// <summary>
/// Where a miner listens. <see cref="Port"/> is the family's main API (HTTP for Antminer stock, Braiins and Vnish,
/// 4028 for LuxOS and Whatsminer v2, 4433 for Whatsminer v3); <see cref="AuxPort"/> is the family's second API
/// (the cgminer read API on 4028 of Antminer stock and Braiins, the v2-compatible 4028 of Whatsminer v3).
/// </summary>
public sealed record MinerEndpoint(string Host, int Port, int? AuxPort = null)
{
    public override string ToString() => AuxPort is { } aux ? $"{Host}:{Port}(+{aux})" : $"{Host}:{Port}";

    public static int DefaultPort(MinerFamily family) => family switch
    {
        MinerFamily.AntminerStock or MinerFamily.BraiinsOs or MinerFamily.Vnish => 80,
        MinerFamily.WhatsminerV3 => 4433,
        _ => 4028,
    };

    public static int? DefaultAuxPort(MinerFamily family) => family switch
    {
        MinerFamily.AntminerStock or MinerFamily.BraiinsOs or MinerFamily.WhatsminerV3 => 4028,
        _ => null,
    };
}

/// <summary>One read of a miner. <see cref="PowerW"/> says by <see cref="PowerSource"/> whether it was reported or estimated.</summary>
public sealed record MinerStatus(
    string MinerId,
    MinerFamily Family,
    string Model,
    string Firmware,
    double HashrateThs,
    double PowerW,
    PowerSource PowerSource,
    IReadOnlyList<double> TemperaturesC,
    MinerMode Mode,
    double? PowerTargetW,
    DateTimeOffset ReadAt)
{
    public bool IsSleeping => Mode == MinerMode.Sleeping;

    /// <summary>Hashboards the miner has (null when the firmware does not say).</summary>
    public int? Hashboards { get; init; }

    /// <summary>Hashboards enabled now (null when the firmware does not say); fewer than <see cref="Hashboards"/> after a board shed.</summary>
    public int? ActiveHashboards { get; init; }

    /// <summary>Whether the fans turn (null when the firmware does not report fans): a sleep stops them, a soft shed does not.</summary>
    public bool? FansRunning { get; init; }

    /// <summary>Each fan's speed in rpm as the firmware reports it (null when it reports none; 0 is a stopped fan).</summary>
    public IReadOnlyList<double>? FanRpm { get; init; }
}

/// <summary>Credentials for a miner's API. Never logged: <see cref="ToString"/> hides the password.</summary>
public sealed record MinerCredentials(string User, string Password)
{
    public override string ToString() => $"{User}:***";

    public static MinerCredentials Default(MinerFamily family) => family switch
    {
        MinerFamily.AntminerStock or MinerFamily.BraiinsOs => new("root", "root"),
        MinerFamily.WhatsminerV2 => new("admin", "admin"),
        MinerFamily.WhatsminerV3 => new("super", "super"),
        MinerFamily.Vnish => new("admin", "admin"),
        MinerFamily.Epic => new("root", "letmein"),
        _ => new("", ""),
    };
}
