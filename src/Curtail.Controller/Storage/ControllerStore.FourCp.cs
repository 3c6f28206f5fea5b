using System.Globalization;
using Curtail.Controller.DemandResponse;

namespace Curtail.Controller.Storage;

/// <summary>The 4CP watch's hourly decisions (<see cref="FourCpWatch"/>).</summary>
public sealed partial class ControllerStore
{
    /// <summary>Records an hour's decision unless one is already recorded: the first decision of an hour stands.</summary>
    public void SaveFourCpHour(FourCpHour h) => Execute(
        "INSERT INTO four_cp_hours (site, hour_start, probability, issued_at, curtail, reason) VALUES (@site, @h, @p, @i, @c, @r) ON CONFLICT (site, hour_start) DO NOTHING",
        ("h", Iso(h.HourStart)), ("p", h.Probability), ("i", Iso(h.IssuedAt)), ("c", h.Curtail ? 1 : 0), ("r", h.Reason));

    public FourCpHour? FourCpHour(DateTimeOffset hourStart) => FourCpHours(hourStart, hourStart.AddHours(1)).FirstOrDefault();

    /// <summary>Decisions for hours starting in [from, to), oldest first.</summary>
    public IReadOnlyList<FourCpHour> FourCpHours(DateTimeOffset from, DateTimeOffset to) => Query(
        "SELECT hour_start, probability, issued_at, curtail, reason FROM four_cp_hours WHERE site = @site AND hour_start >= @f AND hour_start < @t ORDER BY hour_start",
        r => new FourCpHour(ParseIso(r.GetString(0)), r.GetDouble(1), ParseIso(r.GetString(2)), Convert.ToInt32(r.GetValue(3), CultureInfo.InvariantCulture) != 0, r.GetString(4)),
        ("f", Iso(from)), ("t", Iso(to)));

    /// <summary>Watch hours spent (curtailed) in [from, to).</summary>
    public int FourCpCurtailedHours(DateTimeOffset from, DateTimeOffset to) => Query(
        "SELECT COUNT(*) FROM four_cp_hours WHERE site = @site AND curtail = 1 AND hour_start >= @f AND hour_start < @t",
        r => Convert.ToInt32(r.GetValue(0), CultureInfo.InvariantCulture), ("f", Iso(from)), ("t", Iso(to)))[0];
}
