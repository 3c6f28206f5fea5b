using Curtail.Controller.Hosting;
using Curtail.Controller.Storage;
using Microsoft.Extensions.Logging;

namespace Curtail.Controller.DemandResponse;

/// <summary>
/// The 1-minute site load trace of every active event (docs/demand-response.md). Each reading (one per genset poll,
/// or one per second of the miners' latest power on a site without a genset) is added to the running minute of every
/// event active at that moment; a minute is written when it has ended, or at once when its event is released or
/// expires, so nothing read after the release counts. Minutes are minutes of the service clock, which in a replay is
/// the accelerated clock. A failed write never reaches the genset poll that fed the reading (a records problem is not
/// a link problem): the minute is kept and written again with the next reading.
/// </summary>
public sealed class LoadTraceRecorder(ControllerRuntime runtime, ControllerStore store, TimeProvider time, ILogger<LoadTraceRecorder> log) : IDisposable
{
    private static readonly long MinuteTicks = TimeSpan.FromMinutes(1).Ticks;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Bucket> _open = [];
    private readonly List<LoadTraceMinute> _unwritten = [];

    private sealed class Bucket(DateTimeOffset minuteStart, LoadTraceSource source)
    {
        public DateTimeOffset MinuteStart { get; } = minuteStart;
        public LoadTraceSource Source { get; } = source;
        public double SumKw;
        public int Samples;

        public LoadTraceMinute ToMinute(string eventId) => new(eventId, MinuteStart, SumKw / Samples / 1000, Samples, Source);
    }

    /// <summary>Adds one reading of the site's load, taken now.</summary>
    public void Record(double siteLoadKw, LoadTraceSource source)
    {
        if (!double.IsFinite(siteLoadKw)) return;
        // One lock around reading the clock, closing and opening minutes and writing them: a minute closed by one thread
        // is on record before another can reopen it, so no reading is lost between the genset poll and a release.
        lock (_lock)
        {
            var now = time.GetUtcNow();
            var minute = new DateTimeOffset(now.UtcTicks - now.UtcTicks % MinuteTicks, TimeSpan.Zero);
            var active = ActiveEventIds(now);
            CloseFinished(now, active);
            foreach (var id in active)
            {
                if (!_open.TryGetValue(id, out var bucket))
                {
                    bucket = Open(id, minute, source);
                    _open[id] = bucket;
                }
                bucket.SumKw += siteLoadKw;
                bucket.Samples++;
            }
        }
    }

    /// <summary>
    /// The latest cycle's summed miner power as one reading, for sites without a genset (the miners are read once a
    /// cycle; between cycles that read is the best figure the controller has).
    /// </summary>
    public void RecordMiners()
    {
        var miners = runtime.Snapshot().Miners;
        if (miners.Count == 0)
        {
            Flush();
            return;
        }
        Record(miners.Sum(m => m.PowerW ?? 0) / 1000, LoadTraceSource.Miners);
    }

    /// <summary>Writes every minute that has ended and every minute of an event that is no longer active.</summary>
    public void Flush()
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            CloseFinished(now, ActiveEventIds(now));
        }
    }

    private HashSet<string> ActiveEventIds(DateTimeOffset now) =>
        runtime.Snapshot().Events.Where(e => e.ActiveAt(now) && e.ReceivedAt <= now).Select(e => e.Id).ToHashSet();

    private void CloseFinished(DateTimeOffset now, HashSet<string> active)
    {
        foreach (var (id, b) in _open.ToList())
        {
            if (active.Contains(id) && now < b.MinuteStart.AddTicks(MinuteTicks)) continue;
            _open.Remove(id);
            if (b.Samples > 0) _unwritten.Add(b.ToMinute(id));
        }
        WriteClosed();
    }

    private void WriteClosed()
    {
        try
        {
            while (_unwritten.Count > 0)
            {
                var minute = _unwritten[0];
                store.SaveTraceMinute(minute);
                // A directive's minutes of achieved load also go into its hash chain (written last: a failure retries both).
                if (IsDirective(minute.EventId))
                    store.AppendDirectiveEntry(minute.EventId, time.GetUtcNow(), "load_minute", new Dictionary<string, object?>
                    {
                        ["minute_start"] = minute.MinuteStart, ["load_mw"] = Math.Round(minute.LoadMw, 6), ["samples"] = minute.Samples,
                        ["source"] = minute.Source.ToString().ToLowerInvariant(),
                    });
                _unwritten.RemoveAt(0);
            }
        }
        catch (Exception ex)
        {
            log.LogWarning("load trace: {Count} minute(s) not written yet ({Reason}); trying again with the next reading", _unwritten.Count, ex.Message);
        }
    }

    private bool IsDirective(string eventId) => runtime.Snapshot().Events.FirstOrDefault(e => e.Id == eventId) is { Directive: not null };

    /// <summary>
    /// A minute already on record was begun by a previous run of the service (written at shutdown, restarted within the
    /// minute): it carries on from those readings, so a restart loses none and rewriting the minute stays idempotent.
    /// </summary>
    private Bucket Open(string eventId, DateTimeOffset minute, LoadTraceSource source)
    {
        var bucket = new Bucket(minute, source);
        LoadTraceMinute? earlier = null;
        try
        {
            earlier = store.TraceMinute(eventId, minute);
        }
        catch (Exception ex)
        {
            log.LogWarning("load trace: cannot read {Event}'s minute {Minute:u} ({Reason}); starting it afresh", eventId, minute, ex.Message);
        }
        if (earlier is not null)
        {
            bucket.SumKw = earlier.LoadMw * 1000 * earlier.Samples;
            bucket.Samples = earlier.Samples;
        }
        return bucket;
    }

    /// <summary>At shutdown the running minutes are written as they stand; a restart within the minute adds to them.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var (id, b) in _open)
                if (b.Samples > 0) _unwritten.Add(b.ToMinute(id));
            _open.Clear();
            WriteClosed();
        }
    }
}
