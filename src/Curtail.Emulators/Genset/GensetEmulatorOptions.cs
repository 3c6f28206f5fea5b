using Curtail.Core.LoadFollowing;
using Curtail.Modbus.Server;

namespace Curtail.Emulators.Genset;

/// <summary>Fault-injection bits of register 105 (default map, simulator only).</summary>
[Flags]
public enum GensetFaults : ushort
{
    None = 0,
    /// <summary>b0: read requests but never answer (half-open peer).</summary>
    StopAnswering = 1 << 0,
    /// <summary>b1: heartbeat register stops counting (hung controller).</summary>
    FreezeHeartbeat = 1 << 1,
    /// <summary>b2: answer 800 ms late.</summary>
    AddLatency = 1 << 2,
    /// <summary>b3: answer every request with exception 06 (server busy).</summary>
    Busy = 1 << 3,
    /// <summary>b4: close the connection after each reply.</summary>
    CloseAfterReply = 1 << 4,
}

public sealed record GensetEmulatorOptions
{
    public int Port { get; init; }
    public byte UnitId { get; init; } = 1;
    public UnitIdMode UnitIdMode { get; init; } = UnitIdMode.ConfiguredOnly;
    public double RatedKw { get; init; } = 1000;
    public double NominalHz { get; init; } = 60;
    /// <summary>
    /// Governor speed droop, % of nominal from no load to rated load (60 Hz at rated). 0 (the default) is isochronous:
    /// the governor's PI loop holds nominal frequency at any steady load.
    /// </summary>
    public double DroopPct { get; init; }
    /// <summary>Load steps above this (% of rated) cause a deep frequency dip; also published in register 31.</summary>
    public double MaxStepLoadPct { get; init; } = 15;
    /// <summary>Published in register 32; running below it for <see cref="UnderLoadAlarmAfter"/> raises the under-load alarm.</summary>
    public double MinLoadPct { get; init; } = 30;
    /// <summary>Dip depth per unit step beyond max step (fraction of nominal per fraction of rated): 0.1 gives 6 Hz for a 100 % step at 60 Hz.</summary>
    public double DipPerUnitStep { get; init; } = 0.1;
    /// <summary>Dip depth per unit step within max step: the governor catches it (0.005: 0.045 Hz for a 15 % step at 60 Hz).</summary>
    public double DipPerUnitStepWithinMax { get; init; } = 0.005;
    /// <summary>Time for a dip (or a rise on a load drop) to recover (ISO 8528-5 G2: 5 s, G3: 3 s).</summary>
    public TimeSpan DipRecovery { get; init; } = TimeSpan.FromSeconds(3);
    /// <summary>Under- and over-frequency alarm thresholds, % of nominal either side (2 %: 58.8 and 61.2 Hz).</summary>
    public double FrequencyAlarmPct { get; init; } = 2;
    /// <summary>How long the genset runs below its minimum load before the under-load alarm (wet stacking).</summary>
    public TimeSpan UnderLoadAlarmAfter { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Derate alarm on when available power falls below this fraction of rated, off above <see cref="DerateOffFraction"/>.</summary>
    public double DerateOnFraction { get; init; } = 0.95;
    public double DerateOffFraction { get; init; } = 0.98;
    /// <summary>Available power must stay above the off level this long before the derate (and low-gas) alarm clears.</summary>
    public TimeSpan DerateClearAfter { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>
    /// Paralleled with the grid: frequency is the grid's (nominal), the site load does not load the engine, and output
    /// is the power setpoint (registers 106-107, 0xFFFFFFFF = base load at available power), never below minimum load
    /// while available power allows. The site's net at the meter is the site load minus the output (negative = export).
    /// </summary>
    public bool GridTied { get; init; }
    /// <summary>Load above available power for longer than this trips the genset (breaker open, power 0).</summary>
    public TimeSpan TripAfter { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>Available power over time; null = a seeded random walk with gas-pressure drops.</summary>
    public GensetSupplyProfile? Profile { get; init; }
    public int Seed { get; init; } = 1;
    /// <summary>Site load until something sets it.</summary>
    public double InitialSiteLoadKw { get; init; } = 500;
    /// <summary>
    /// Read <see cref="GensetEmulator.SiteLoadSource"/> on the physics tick only; a request is answered from the latest
    /// sample (at most one tick old) instead of waiting for the source. For a source that is slow to read: the demo's
    /// sums a thousand emulated miners, which on a loaded host took up to 0.4 s of the controller's 0.5 s reply timeout.
    /// </summary>
    public bool SampleSiteLoadOnTicks { get; init; }
    /// <summary>Physics tick (also run before every request).</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromMilliseconds(100);
    public TimeSpan FaultLatency { get; init; } = TimeSpan.FromMilliseconds(800);
}
