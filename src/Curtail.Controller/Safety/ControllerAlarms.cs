using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Curtail.Controller.Safety;

/// <summary>One condition the operator must know about, raised at <see cref="Since"/>.</summary>
public sealed record ControllerAlarm(string Name, string Detail, DateTimeOffset Since);

/// <summary>
/// The controller's own alarms (stale inputs, failing miners, failed cycles, an unwritable store), kept as a set so that
/// each one is logged once when it is raised and once when it clears, shown in the status and dashboard, and counted
/// in the metrics while active.
/// </summary>
public sealed class ControllerAlarms(ILogger<ControllerAlarms> log)
{
    public const string PricesStale = "prices_stale";
    public const string ScedStale = "sced_stale";
    public const string GensetStale = "genset_stale";
    public const string MinersFailing = "miners_failing";
    public const string CycleFailed = "cycle_failed";
    public const string StoreFailed = "store_failed";
    public const string FourCpWatchFailed = "four_cp_watch_failed";

    /// <summary>An active demand-response event delivers less than its required reduction against an ERS baseline.</summary>
    public const string DrUnderDelivering = "dr_under_delivering";

    /// <summary>Every alarm the controller can raise: the metrics export each, 0 while it is clear.</summary>
    public static readonly IReadOnlyList<string> Known = [PricesStale, ScedStale, GensetStale, MinersFailing, CycleFailed, StoreFailed, FourCpWatchFailed, DrUnderDelivering];

    private readonly ConcurrentDictionary<string, ControllerAlarm> _active = new(StringComparer.Ordinal);

    public IReadOnlyList<ControllerAlarm> Active => _active.Values.OrderBy(a => a.Since).ThenBy(a => a.Name, StringComparer.Ordinal).ToList();

    public bool IsActive(string name) => _active.ContainsKey(name);

    /// <summary>Each alarm when it is raised (not on refreshes of its detail): the notifier's hook.</summary>
    public event Action<ControllerAlarm>? Raised;

    /// <summary>Raises the alarm, or only refreshes its detail when it is already active.</summary>
    public void Raise(string name, string detail, DateTimeOffset now)
    {
        var raised = false;
        _active.AddOrUpdate(name, _ => { raised = true; return new ControllerAlarm(name, detail, now); }, (_, a) => a with { Detail = detail });
        if (!raised) return;
        log.LogWarning("alarm {Alarm} raised: {Detail}", name, detail);
        Raised?.Invoke(_active.TryGetValue(name, out var a) ? a : new ControllerAlarm(name, detail, now));
    }

    public void Clear(string name)
    {
        if (_active.TryRemove(name, out var a)) log.LogInformation("alarm {Alarm} cleared (raised {Since:u}: {Detail})", name, a.Since, a.Detail);
    }

    public void Set(string name, bool active, string detail, DateTimeOffset now)
    {
        if (active) Raise(name, detail, now);
        else Clear(name);
    }

    /// <summary>Raises or clears the staleness alarms from the ages at a decision.</summary>
    public void Update(InputAges ages, DateTimeOffset now)
    {
        Set(PricesStale, ages.PricesStale, ages.SettledPrice is { } p ? $"last settled price ended {Minutes(p)} ago" : "no settled price", now);
        Set(ScedStale, ages.ScedStale, ages.Sced is { } s ? $"last SCED LMP {Minutes(s)} ago" : "no SCED LMP", now);
        Set(GensetStale, ages.GensetStale, ages.GensetReading is { } g ? $"last genset reading {g.TotalSeconds:0.0} s old" : "no genset reading", now);
        Set(MinersFailing, ages.MinersFailing, $"{ages.MinersUnreadable} of {ages.Miners} miners not answering", now);
    }

    private static string Minutes(TimeSpan t) => $"{t.TotalMinutes:0.#} min";
}
