using Curtail.Core.LoadFollowing;
using Curtail.Modbus.Gensets;
using Microsoft.Extensions.Logging;

namespace Curtail.Controller.Hosting;

/// <summary>
/// Reads the genset once per poll. A reading that shows overload, under-frequency or a tripped breaker, or a link lost
/// for longer than the load follower allows, asks for a decision cycle at once (the caller triggers it).
/// </summary>
public sealed class GensetService(GensetReader reader, ControllerRuntime runtime, TimeProvider time, ILogger<GensetService> log)
{
    private DateTimeOffset? _lastGood;
    private bool _alarmRaised;

    /// <summary>Returns the reason to run a cycle now, or null.</summary>
    public async Task<string?> PollAsync(CancellationToken ct)
    {
        var settings = runtime.Config.Genset!.LoadFollowing;
        var now = time.GetUtcNow();
        try
        {
            var reading = await reader.ReadAsync(ct);
            runtime.SetGenset(reading, null);
            _lastGood = now;
            var problem = Urgent(reading, settings);
            if (problem is null)
            {
                _alarmRaised = false;
                return null;
            }
            if (_alarmRaised) return null;
            _alarmRaised = true;
            log.LogWarning("genset: {Problem}: deciding now", problem);
            return $"genset:{problem}";
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            runtime.SetGenset(null, ex.Message);
            var silentFor = _lastGood is { } t ? now - t : TimeSpan.MaxValue;
            if (silentFor >= settings.LinkLossTimeout && !_alarmRaised)
            {
                _alarmRaised = true;
                log.LogWarning("genset: link lost ({Reason}); fail-safe {Mode}", ex.Message, settings.FailSafe);
                return "genset:link_lost";
            }
            return null;
        }
    }

    private static string? Urgent(GensetReading r, LoadFollowingSettings s)
    {
        if (r.BreakerClosed == false) return "breaker_open";
        if (r.FrequencyHz is { } f && f > 0 && f < s.FrequencyFloorHz) return "under_frequency";
        if (r.Alarms.HasFlag(GensetAlarms.Overload)) return "overload_alarm";
        if (r.ActivePowerKw is { } a && r.AvailablePowerKw is { } av && a > av) return "overload";
        return null;
    }
}
