namespace Curtail.Ercot.Api;

/// <summary>An ERCOT Public API report: its EMIL id, endpoint, and the query parameter names of its time range.</summary>
public sealed record ErcotReport(string EmilId, string Endpoint, string FromParameter, string ToParameter, string Description)
{
    public string Path => $"/{EmilId}/{Endpoint}";

    /// <summary>NP6-905-CD: real-time 15-minute settlement point prices.</summary>
    public static readonly ErcotReport RealTimeSpp = new("np6-905-cd", "spp_node_zone_hub", "deliveryDateFrom", "deliveryDateTo", "RT SPP 15-min");

    /// <summary>NP6-788-CD: SCED LMPs, about every 5 minutes.</summary>
    public static readonly ErcotReport ScedLmp = new("np6-788-cd", "lmp_node_zone_hub", "SCEDTimestampFrom", "SCEDTimestampTo", "SCED LMP");

    /// <summary>
    /// NP6-970-CD: RTD indicative LMPs, posted with every RTD run (about every 5 minutes) for the next 12 five-minute
    /// intervals. Read by <see cref="ErcotRtd"/> (a row is a run and an interval, not one price per interval).
    /// </summary>
    public static readonly ErcotReport RtdLmp = new("np6-970-cd", "rtd_lmp_node_zone_hub", "RTDTimestampFrom", "RTDTimestampTo", "RTD indicative LMP");

    /// <summary>NP4-190-CD: day-ahead hourly settlement point prices.</summary>
    public static readonly ErcotReport DayAheadSpp = new("np4-190-cd", "dam_stlmnt_pnt_prices", "deliveryDateFrom", "deliveryDateTo", "DAM SPP hourly");

    /// <summary>NP3-565-CD: ERCOT's seven-day hourly load forecast by model and weather zone (system total in MW).</summary>
    public static readonly ErcotReport LoadForecast = new("np3-565-cd", "lf_by_model_weather_zone", "deliveryDateFrom", "deliveryDateTo", "7-day load forecast");

    /// <summary>NP6-345-CD: ERCOT's actual hourly system load by weather zone (total in MW), by operating day.</summary>
    public static readonly ErcotReport ActualLoad = new("np6-345-cd", "act_sys_load_by_wzn", "operatingDayFrom", "operatingDayTo", "actual system load");

    /// <summary>The price reports (one settlement point per row); the load reports are read by <see cref="ErcotSystemLoad"/>.</summary>
    public static IReadOnlyList<ErcotReport> All { get; } = [RealTimeSpp, ScedLmp, DayAheadSpp];

    public static ErcotReport Parse(string id) =>
        All.FirstOrDefault(r => string.Equals(r.EmilId, id, StringComparison.OrdinalIgnoreCase))
        ?? throw new Core.InvalidInputException("--report", null, $"unknown report '{id}'; known: {string.Join(", ", All.Select(r => r.EmilId))}");
}
