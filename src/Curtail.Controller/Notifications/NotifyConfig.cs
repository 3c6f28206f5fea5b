namespace Curtail.Controller.Notifications;

/// <summary>What the controller tells people about; a sink's `events:` filter names these (snake_case in the config).</summary>
public enum NotifyEvent
{
    Curtail,
    Resume,
    DrReceived,
    DrAcknowledged,
    DrMet,
    DrMissed,
    GensetAlarm,
    Trip,
    FailSafe,
    PricesStale,
    MinersFailing,
    CycleFailed,
}

public enum SinkKind
{
    /// <summary>POST of the notification as JSON to any URL.</summary>
    Webhook,

    /// <summary>ntfy: POST of the text to the topic URL, with Title, Priority and Tags headers.</summary>
    Ntfy,

    /// <summary>A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat): POST of {"text": …}.</summary>
    Slack,

    /// <summary>E-mail over SMTP (plain or STARTTLS, optional AUTH PLAIN).</summary>
    Smtp,
}

/// <summary>SMTP settings of an e-mail sink. <see cref="ToString"/> never shows the password.</summary>
public sealed record SmtpSettings(string Host, int Port, string From, IReadOnlyList<string> To, string? User, string? Password, bool StartTls)
{
    public override string ToString() => $"smtp://{(User is null ? "" : User + ":***@")}{Host}:{Port} to {string.Join(", ", To)}";
}

/// <summary>
/// One destination. <see cref="Url"/> often holds a secret (a Slack hook's path, an ntfy token): only
/// <see cref="Name"/> and the URL's host are ever logged (<see cref="ToString"/>).
/// </summary>
public sealed record NotifySink(string Name, SinkKind Kind, IReadOnlySet<NotifyEvent> Events)
{
    public Uri? Url { get; init; }

    /// <summary>An ntfy access token or a webhook's bearer token, sent as Authorization: Bearer.</summary>
    public string? Token { get; init; }
    public SmtpSettings? Smtp { get; init; }

    public override string ToString() => $"{Name} ({Kind.ToString().ToLowerInvariant()} {(Url is null ? Smtp?.Host : Url.Host)})";
}

/// <summary>The `controller.notify:` section: its sinks, the retry policy and the failing-miners threshold.</summary>
public sealed record NotifyConfig(IReadOnlyList<NotifySink> Sinks)
{
    /// <summary>The share of miners not answering (percent) above which miners_failing is sent.</summary>
    public double MinersFailingPercent { get; init; } = 10;
    public int MaxAttempts { get; init; } = 5;
    public TimeSpan FirstRetry { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Notifications waiting beyond this are dropped (oldest first) and counted: a dead sink must not grow memory.</summary>
    public int QueueCapacity { get; init; } = 1000;
}

/// <summary>One notification: what happened, a one-line title, the detail, when, and its severity for ntfy's priority.</summary>
public sealed record Notification(NotifyEvent Event, string Title, string Detail, DateTimeOffset Time, string Site)
{
    public bool Urgent => Event is NotifyEvent.Trip or NotifyEvent.FailSafe or NotifyEvent.GensetAlarm or NotifyEvent.DrMissed or NotifyEvent.DrReceived;
}
