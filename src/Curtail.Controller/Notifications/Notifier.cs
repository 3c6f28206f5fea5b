using System.Threading.Channels;
using Curtail.Controller.Safety;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Curtail.Controller.Notifications;

/// <summary>
/// Sends notifications without ever holding up a decision cycle: <see cref="Publish"/> only queues, and each sink has
/// its own bounded queue and worker, so a slow or dead sink delays only itself. A failed send is tried again after an
/// exponentially growing wait (first retry, ×2 each time) up to the attempt limit, then dropped and counted. Logs name
/// the sink, never its URL, token or password (<see cref="Redact"/>).
/// </summary>
public sealed class Notifier : IHostedService, IDisposable
{
    private readonly NotifyConfig _config;
    private readonly TimeProvider _time;
    private readonly ILogger<Notifier> _log;
    private readonly NotificationRules _rules;
    private readonly Lock _rulesLock = new();
    private readonly List<(NotifySink Sink, INotificationSender Sender, Channel<Notification> Queue)> _sinks;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _workers = [];
    private long _sent, _failed, _dropped;

    public Notifier(NotifyConfig config, string site, TimeProvider time, ILogger<Notifier> log, HttpClient? http = null)
    {
        _config = config;
        _time = time;
        _log = log;
        _rules = new NotificationRules(site, config.MinersFailingPercent);
        http ??= new HttpClient();
        _sinks = config.Sinks.Select(s => (s, Sender(s, http, config.Timeout),
            Channel.CreateBounded<Notification>(new BoundedChannelOptions(config.QueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
                _ => Interlocked.Increment(ref _dropped)))).ToList();
    }

    /// <summary>Sent, failed for good and dropped (queue full) so far.</summary>
    public (long Sent, long Failed, long Dropped) Counts => (Interlocked.Read(ref _sent), Interlocked.Read(ref _failed), Interlocked.Read(ref _dropped));

    private static INotificationSender Sender(NotifySink s, HttpClient http, TimeSpan timeout) => s.Kind switch
    {
        SinkKind.Smtp => new SmtpSender(s.Smtp!, timeout),
        _ => new HttpSender(s, http, timeout),
    };

    /// <summary>Hooks the controller's alarms: each one raised is sent to the sinks that want it.</summary>
    public void Watch(ControllerAlarms alarms) => alarms.Raised += a =>
    {
        Notification? n;
        lock (_rulesLock) n = _rules.FromAlarm(a);
        if (n is not null) Publish(n);
    };

    public void OnCycle(CycleNotice notice)
    {
        List<Notification> found;
        lock (_rulesLock) found = _rules.FromCycle(notice).ToList();
        foreach (var n in found) Publish(n);
    }

    /// <summary>Queues for every sink whose filter takes the event; never blocks and never throws.</summary>
    public void Publish(Notification n)
    {
        foreach (var (sink, _, queue) in _sinks)
            if (sink.Events.Contains(n.Event)) queue.Writer.TryWrite(n);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var (sink, sender, queue) in _sinks) _workers.Add(Task.Run(() => WorkAsync(sink, sender, queue.Reader, _stop.Token), CancellationToken.None));
        _log.LogInformation("notifications to {Sinks}", string.Join(", ", _sinks.Select(s => s.Sink.ToString())));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var (_, _, queue) in _sinks) queue.Writer.TryComplete();
        // What is queued gets a moment to go out; a retry's wait does not hold up the shutdown.
        var drained = Task.WhenAll(_workers);
        if (await Task.WhenAny(drained, Task.Delay(TimeSpan.FromSeconds(2), cancellationToken)) != drained) await _stop.CancelAsync();
        try { await drained; } catch (OperationCanceledException) { }
    }

    private async Task WorkAsync(NotifySink sink, INotificationSender sender, ChannelReader<Notification> queue, CancellationToken ct)
    {
        try
        {
            await foreach (var n in queue.ReadAllAsync(ct))
            {
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        await sender.SendAsync(n, ct);
                        Interlocked.Increment(ref _sent);
                        _log.LogDebug("notify {Sink}: sent {Event}", sink.Name, n.Event);
                        break;
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                    {
                        if (attempt >= _config.MaxAttempts)
                        {
                            Interlocked.Increment(ref _failed);
                            _log.LogWarning("notify {Sink}: {Event} dropped after {Attempts} attempts: {Error}", sink.Name, n.Event, attempt, Redact(sink, ex.Message));
                            break;
                        }
                        var wait = _config.FirstRetry * Math.Pow(2, attempt - 1);
                        _log.LogInformation("notify {Sink}: attempt {Attempt} failed ({Error}); retrying in {Wait:F1} s", sink.Name, attempt, Redact(sink, ex.Message), wait.TotalSeconds);
                        await Task.Delay(wait, _time, ct);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>An error message with the sink's URL (whole, path or query), token and password replaced by ***.</summary>
    public static string Redact(NotifySink sink, string message)
    {
        var secrets = new List<string?> { sink.Token, sink.Smtp?.Password };
        if (sink.Url is { } u) secrets.AddRange([u.OriginalString, u.AbsoluteUri, u.PathAndQuery.Length > 1 ? u.PathAndQuery : null, u.UserInfo.Length > 0 ? u.UserInfo : null]);
        foreach (var s in secrets.Where(s => !string.IsNullOrEmpty(s)).OrderByDescending(s => s!.Length))
            message = message.Replace(s!, "***", StringComparison.Ordinal);
        return message;
    }

    public void Dispose() => _stop.Dispose();
}
