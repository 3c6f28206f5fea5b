using Curtail.Core.LoadFollowing;

namespace Curtail.Controller.DemandResponse;

/// <summary>What an SB 6 emergency directive asks of the site (Texas SB 6, 2025; docs/directives.md).</summary>
public enum DirectiveKind
{
    /// <summary>Bring the site's load down to a level (MW) by the deadline.</summary>
    CurtailToLevel,

    /// <summary>Take the site off the grid onto its backup generation by the deadline: grid import about zero.</summary>
    RunOnBackup,
}

/// <summary>An operator's note on an event: who wrote what, when.</summary>
public sealed record OperatorNote(DateTimeOffset Time, string By, string Text);

/// <summary>
/// The load ceiling an event sets and whether the site meets it. For most events that is the event's own
/// <see cref="DispatchEvent.CeilingMw"/>. A run-on-backup directive asks for no grid import, so the site may draw what
/// its genset delivers and no more: the ceiling is the genset's available power (rated when the controller does not say),
/// and it is met when the genset is on load and carries the whole site load. With no genset, or a genset not on load,
/// there is nothing to transfer to: the site curtails to zero, which also leaves the grid.
/// </summary>
public static class EventCeiling
{
    /// <summary>Slack when comparing the site load with the genset's output: the two are read at different moments.</summary>
    private const double TransferToleranceFraction = 0.02;
    private const double TransferToleranceKw = 1;

    public static double Kw(DispatchEvent e, GensetReading? genset)
    {
        if (e.Directive != DirectiveKind.RunOnBackup) return e.CeilingMw * 1000;
        if (genset is not { IsOnLoad: true }) return 0;
        return genset.AvailablePowerKw ?? genset.RatedPowerKw ?? genset.ActivePowerKw ?? 0;
    }

    public static string Describe(DispatchEvent e, GensetReading? genset) => e.Directive switch
    {
        DirectiveKind.RunOnBackup when genset is { IsOnLoad: true } =>
            $"SB 6 directive {e.Id}: run on backup generation by {e.Deadline:u}; site load at most the genset's {Kw(e, genset):0.#} kW",
        DirectiveKind.RunOnBackup =>
            $"SB 6 directive {e.Id}: run on backup generation by {e.Deadline:u}; no genset on load to transfer to, so curtail to 0",
        DirectiveKind.CurtailToLevel => $"SB 6 directive {e.Id}: curtail to {e.CeilingMw:0.###} MW by {e.Deadline:u}",
        _ => $"{e.Program} event {e.Id}: load at most {e.CeilingMw:0.###} MW by {e.Deadline:u}",
    };

    /// <summary>Whether the measured site load meets the event: under its ceiling, and for run-on-backup carried by the genset.</summary>
    public static bool Met(DispatchEvent e, double measuredKw, GensetReading? genset)
    {
        if (e.Directive != DirectiveKind.RunOnBackup) return measuredKw / 1000 <= e.CeilingMw + 1e-6;
        if (genset is not { IsOnLoad: true, ActivePowerKw: { } carried }) return measuredKw <= e.BaselineMw * 1000 * TransferToleranceFraction + TransferToleranceKw;
        return measuredKw <= carried * (1 + TransferToleranceFraction) + TransferToleranceKw;
    }
}
