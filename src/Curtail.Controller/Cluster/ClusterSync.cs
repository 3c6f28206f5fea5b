using Curtail.Controller.Api;
using Curtail.Controller.Hosting;
using Curtail.Controller.Storage;
using Curtail.Controller.Trading;

namespace Curtail.Controller.Cluster;

/// <summary>
/// Brings this instance's live state up to the store before a clustered cycle: trader settings, the override and the
/// demand-response events may have been changed through another instance's API (each stores its change before
/// applying it), and a new leader must start from what the old one stored, not from what it held when it started.
/// </summary>
public static class ClusterSync
{
    public static void Refresh(ControllerRuntime runtime, ControllerStore store)
    {
        if (store.LoadSetting<TradingSettings>("trading") is { } trading) runtime.SetTrading(trading);
        var o = store.LoadSetting<TradingOverride>("override");
        runtime.SetOverride(o is null ? null : o with { Reason = ApiLimits.Clipped(o.Reason, ApiLimits.MaxReasonLength) });
        var known = runtime.Snapshot().Events.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var e in store.Events())
        {
            if (known.Contains(e.Id)) runtime.UpdateEvent(e.Id, _ => e);
            else if (e.ReleasedAt is null) runtime.AddEvent(e);
        }
    }
}
