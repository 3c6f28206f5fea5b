namespace Curtail.Controller.DemandResponse;

/// <summary>Where a load trace's readings came from.</summary>
public enum LoadTraceSource
{
    /// <summary>The genset's active power, read once per genset poll: the site's load as the generator delivers it.</summary>
    Genset,

    /// <summary>The miners' summed power from the latest decision cycle's read, for sites without a genset.</summary>
    Miners,
}

/// <summary>
/// One minute of an event's site load trace: the mean of the readings taken in [<see cref="MinuteStart"/>,
/// +1 min) of the service clock, and how many there were (fewer than 60 when polls failed, or in the minutes the
/// event was received and released).
/// </summary>
public sealed record LoadTraceMinute(string EventId, DateTimeOffset MinuteStart, double LoadMw, int Samples, LoadTraceSource Source);
