using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Curtail.Controller.Config;
using Curtail.Controller.DemandResponse;
using Curtail.Controller.Notifications;
using Curtail.Controller.Safety;
using Curtail.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Curtail.Controller.Tests;

/// <summary>
/// The `controller.notify:` section and its sinks, against a local HTTP listener and an in-process SMTP server:
/// what each sink sends, the per-event filters, retries with backoff, a hung sink that never holds up the caller, and
/// secrets (hook URLs, tokens, SMTP passwords) that never reach the log.
/// </summary>
public class NotificationTests
{
    private const string Site = """
        name: Test site
        settlement_point: HB_WEST
        economics: {hashprice: {usd_per_th_day: 0.07}}
        fleet: [{group: a, count: 1, hashrate_th: 100, power_w: 3000}]
        policy: {kind: threshold, curtail_above_usd_per_mwh: 100}

        """;

    private static readonly DateTimeOffset T0 = new(2026, 7, 1, 20, 0, 0, TimeSpan.Zero);

    private static NotifyConfig Parse(string notify, Dictionary<string, string>? env = null) =>
        ControllerConfigParser.Parse(Site + "controller:\n  notify:\n" + notify, "site.yaml", Path.GetTempPath(), k => env?.GetValueOrDefault(k)).Notify!;

    private static Notification Curtailed => new(NotifyEvent.Curtail, "Curtailing to 0 kW (price)", "target 0 of 3 kW, limited by price", T0, "Test site");

    [Fact]
    public void ParsesEverySinkWithFiltersAndSecretsFromTheEnvironment()
    {
        var c = Parse("""
                miners_failing_percent: 25
                max_attempts: 3
                sinks:
                  - {type: webhook, url: "http://127.0.0.1:9/hook", events: [curtail, resume]}
                  - {type: ntfy, name: phone, url_env: NTFY_URL, token_env: NTFY_TOKEN, events: [all]}
                  - {type: slack, url_env: SLACK_URL, events: [dr_received, dr_missed, trip, fail_safe]}
                  - {type: smtp, host: 127.0.0.1, port: 2525, from: curtail@site.example, to: [ops@site.example, boss@site.example], user: curtail, password_env: SMTP_PASSWORD, events: [miners_failing, prices_stale]}
            """, new() { ["NTFY_URL"] = "https://ntfy.example/curtail-topic", ["NTFY_TOKEN"] = "tk_secret_ntfy", ["SLACK_URL"] = "https://hooks.example/services/T0/B0/XSECRET", ["SMTP_PASSWORD"] = "smtp-secret" });
        Assert.Equal(25, c.MinersFailingPercent);
        Assert.Equal(3, c.MaxAttempts);
        Assert.Equal([SinkKind.Webhook, SinkKind.Ntfy, SinkKind.Slack, SinkKind.Smtp], c.Sinks.Select(s => s.Kind));
        Assert.Equal(new HashSet<NotifyEvent> { NotifyEvent.Curtail, NotifyEvent.Resume }, c.Sinks[0].Events);
        Assert.Equal(Enum.GetValues<NotifyEvent>().Length, c.Sinks[1].Events.Count);
        Assert.Equal("tk_secret_ntfy", c.Sinks[1].Token);
        Assert.Equal(["ops@site.example", "boss@site.example"], c.Sinks[3].Smtp!.To);
        // What a sink prints (in logs, in errors) names it and its host, never the hook's path, token or password.
        var shown = string.Join(" ", c.Sinks.Select(s => s.ToString()).Append(c.Sinks[3].Smtp!.ToString()));
        Assert.DoesNotContain("XSECRET", shown);
        Assert.DoesNotContain("tk_secret", shown);
        Assert.DoesNotContain("smtp-secret", shown);
        Assert.Contains("phone (ntfy ntfy.example)", shown);
    }

    [Theory]
    [InlineData("    sinks: [{type: pager, url: \"http://x/\"}]\n", "site.yaml:8: controller.notify.sinks[0].type: must be webhook, ntfy, slack or smtp, got 'pager'")]
    [InlineData("    sinks: [{type: webhook, url: \"http://x/\", events: [curtailed]}]\n", "controller.notify.sinks[0].events[0]: unknown event 'curtailed'; one of all, curtail, resume")]
    [InlineData("    sinks: [{type: webhook}]\n", "controller.notify.sinks[0]: give url, url_env or url_file")]
    [InlineData("    sinks: [{type: slack, url_env: NOPE}]\n", "controller.notify.sinks[0].url_env: environment variable 'NOPE' is not set")]
    [InlineData("    sinks: [{type: smtp, host: h, from: a@b, to: c@d, user: u}]\n", "controller.notify.sinks[0]: give both user and password_env/password_file, or neither")]
    [InlineData("    sinks: [{type: smtp, host: h, from: a@b, to: \"c@d\\r\\nRCPT TO:<x@y>\"}]\n", "controller.notify.sinks[0].to: not an e-mail address")]
    [InlineData("    miners_failing_percent: 120\n    sinks: [{type: webhook, url: \"http://x/\"}]\n", "controller.notify.miners_failing_percent")]
    [InlineData("    sinks: []\n", "controller.notify.sinks: expected a list of sinks")]
    public void BadSettingsAreRefusedNamingTheFileAndKey(string notify, string expected)
    {
        var ex = Assert.Throws<InvalidInputException>(() => Parse(notify));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void ABadUrlIsRefusedWithoutPrintingIt()
    {
        var ex = Assert.Throws<InvalidInputException>(() => Parse("    sinks: [{type: slack, url: \"ftp://hooks.example/T0/B0/XSECRET\"}]\n"));
        Assert.Contains("controller.notify.sinks[0].url", ex.Message);
        Assert.DoesNotContain("XSECRET", ex.Message);
    }

    [Fact]
    public async Task WebhookNtfyAndSlackSinksEachGetTheirFormatAndOnlyTheEventsTheyAskFor()
    {
        await using var hook = await HookListener.StartAsync();
        var config = Parse($"""
                sinks:
                  - {"{"}type: webhook, url: "{hook.Url}/webhook", events: [curtail]{"}"}
                  - {"{"}type: ntfy, url: "{hook.Url}/curtail-topic", token_env: NTFY_TOKEN, events: [curtail, resume]{"}"}
                  - {"{"}type: slack, url: "{hook.Url}/services/T0/B0/X", events: [resume]{"}"}
            """, new() { ["NTFY_TOKEN"] = "tk_ntfy_secret" });
        using var notifier = new Notifier(config, "Test site", TimeProvider.System, NullLogger<Notifier>.Instance);
        await notifier.StartAsync(CancellationToken.None);
        notifier.Publish(Curtailed);
        await hook.WaitForAsync(2, TimeSpan.FromSeconds(10));
        notifier.Publish(new Notification(NotifyEvent.Resume, "Resuming to 3 kW", "target back to 3 of 3 kW", T0.AddMinutes(30), "Test site"));
        await hook.WaitForAsync(4, TimeSpan.FromSeconds(10));
        await notifier.StopAsync(CancellationToken.None);

        var byPath = hook.Requests.GroupBy(r => r.Path).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(4, hook.Requests.Count);
        var webhook = JsonDocument.Parse(Assert.Single(byPath["/webhook"]).Body).RootElement;
        Assert.Equal("curtail", webhook.GetProperty("event").GetString());
        Assert.Equal("Curtailing to 0 kW (price)", webhook.GetProperty("title").GetString());
        Assert.Equal(T0, webhook.GetProperty("time").GetDateTimeOffset());
        Assert.Equal("Test site", webhook.GetProperty("site").GetString());
        var ntfy = byPath["/curtail-topic"];
        Assert.Equal(2, ntfy.Count);
        var first = ntfy.Single(r => r.Headers["Tags"].Contains("curtail,curtail"));
        Assert.Equal("Test site: Curtailing to 0 kW (price)", first.Headers["Title"]);
        Assert.Equal("default", first.Headers["Priority"]);
        Assert.Equal("Bearer tk_ntfy_secret", first.Headers["Authorization"]);
        Assert.Equal("target 0 of 3 kW, limited by price", first.Body);
        var slack = JsonDocument.Parse(Assert.Single(byPath["/services/T0/B0/X"]).Body).RootElement;
        Assert.Equal("*Test site*: Resuming to 3 kW\ntarget back to 3 of 3 kW", slack.GetProperty("text").GetString());
        Assert.Equal((4, 0, 0), notifier.Counts);
    }

    [Fact]
    public async Task AFailingSinkIsRetriedWithGrowingWaitsAndItsSecretUrlNeverReachesTheLog()
    {
        await using var hook = await HookListener.StartAsync();
        hook.FailFirst = 3;
        var logs = new CollectingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        var config = Parse($"""
                first_retry_seconds: 0.2
                max_attempts: 5
                sinks:
                  - {"{"}type: slack, url: "{hook.Url}/services/T0/B0/XSECRETPATH", events: [all]{"}"}
            """);
        using var notifier = new Notifier(config, "Test site", TimeProvider.System, factory.CreateLogger<Notifier>());
        await notifier.StartAsync(CancellationToken.None);
        var clock = Stopwatch.StartNew();
        notifier.Publish(Curtailed);
        await hook.WaitForAsync(4, TimeSpan.FromSeconds(15));
        var took = clock.Elapsed;
        await notifier.StopAsync(CancellationToken.None);
        // Waits of 0.2, 0.4 and 0.8 s before the second, third and fourth attempts: at least 1.4 s in all.
        Assert.True(took >= TimeSpan.FromSeconds(1.4), $"four attempts took only {took.TotalSeconds:F2} s");
        Assert.Equal((1, 0, 0), notifier.Counts);
        var retries = logs.Lines.Where(l => l.Message.Contains("retrying")).Select(l => l.Message).ToList();
        Assert.Equal(3, retries.Count);
        Assert.Contains("retrying in 0.8 s", retries[2]);
        Assert.All(logs.Lines, l => Assert.DoesNotContain("XSECRETPATH", l.Message));
    }

    [Fact]
    public async Task PublishingNeverWaitsForAHungSinkAndASinkThatNeverAnswersIsGivenUpAfterItsAttempts()
    {
        await using var hook = await HookListener.StartAsync();
        hook.Delay = TimeSpan.FromSeconds(30);
        var logs = new CollectingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        var config = Parse($"""
                first_retry_seconds: 0.05
                max_attempts: 2
                timeout_seconds: 0.3
                sinks:
                  - {"{"}type: webhook, url: "{hook.Url}/hook?token=QUERYSECRET", events: [all]{"}"}
            """);
        using var notifier = new Notifier(config, "Test site", TimeProvider.System, factory.CreateLogger<Notifier>());
        await notifier.StartAsync(CancellationToken.None);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 100; i++) notifier.Publish(Curtailed);
        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(200), $"100 publishes to a hung sink took {clock.ElapsedMilliseconds} ms");
        var waited = Stopwatch.StartNew();
        while (notifier.Counts.Failed == 0 && waited.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(20);
        await notifier.StopAsync(CancellationToken.None);
        Assert.True(notifier.Counts.Failed >= 1, "the hung sink was never given up on");
        Assert.Contains(logs.Lines, l => l.Message.Contains("dropped after 2 attempts"));
        Assert.All(logs.Lines, l => Assert.DoesNotContain("QUERYSECRET", l.Message));
    }

    [Fact]
    public async Task SmtpSinkDeliversAnEmailWithAuthToEveryRecipient()
    {
        using var smtp = new SmtpSink();
        var config = Parse($"""
                sinks:
                  - {"{"}type: smtp, host: 127.0.0.1, port: {smtp.Port}, from: curtail@site.example, to: [ops@site.example, boss@site.example], user: curtail, password_env: SMTP_PASSWORD, events: [dr_missed]{"}"}
            """, new() { ["SMTP_PASSWORD"] = "smtp-pa55" });
        using var notifier = new Notifier(config, "Test site", TimeProvider.System, NullLogger<Notifier>.Instance);
        await notifier.StartAsync(CancellationToken.None);
        notifier.Publish(Curtailed); // not asked for
        notifier.Publish(new Notification(NotifyEvent.DrMissed, "Dispatch ers-1: deadline missed — load 0.5 MW", "load still above 0.100 MW at the deadline", T0, "Test site"));
        var waited = Stopwatch.StartNew();
        while (smtp.Mails.IsEmpty && waited.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(20);
        await notifier.StopAsync(CancellationToken.None);
        var mail = Assert.Single(smtp.Mails);
        Assert.Equal("curtail@site.example", mail.From);
        Assert.Equal(["ops@site.example", "boss@site.example"], mail.To);
        Assert.Equal("\0curtail\0smtp-pa55", mail.AuthPlain);
        var (headers, body) = SplitMail(mail.Data);
        Assert.Equal("[Test site] Dispatch ers-1: deadline missed — load 0.5 MW", DecodeWord(headers["Subject"]));
        Assert.Contains("load still above 0.100 MW at the deadline", body);
        Assert.Contains("event dr_missed", body);
    }

    [Fact]
    public async Task ARefusedSmtpLoginIsRetriedAndLoggedWithoutThePassword()
    {
        using var smtp = new SmtpSink { RejectAuth = true };
        var logs = new CollectingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        var config = Parse($"""
                first_retry_seconds: 0.05
                max_attempts: 2
                sinks:
                  - {"{"}type: smtp, host: 127.0.0.1, port: {smtp.Port}, from: a@b.example, to: c@d.example, user: curtail, password_env: SMTP_PASSWORD{"}"}
            """, new() { ["SMTP_PASSWORD"] = "smtp-pa55" });
        using var notifier = new Notifier(config, "Test site", TimeProvider.System, factory.CreateLogger<Notifier>());
        await notifier.StartAsync(CancellationToken.None);
        notifier.Publish(Curtailed);
        var waited = Stopwatch.StartNew();
        while (notifier.Counts.Failed == 0 && waited.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(20);
        await notifier.StopAsync(CancellationToken.None);
        Assert.Equal(1, notifier.Counts.Failed);
        Assert.Empty(smtp.Mails);
        var dropped = Assert.Single(logs.Lines, l => l.Message.Contains("dropped after 2 attempts"));
        Assert.Contains("AUTH PLAIN ***: expected 235, got '535", dropped.Message);
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes("\0curtail\0smtp-pa55"));
        Assert.All(logs.Lines, l => Assert.DoesNotContain("smtp-pa55", l.Message));
        Assert.All(logs.Lines, l => Assert.DoesNotContain(encoded, l.Message));
    }

    [Fact]
    public void RulesSendEachChangeOnce()
    {
        var rules = new NotificationRules("Test site", 20);
        var dispatch = new DispatchEvent
        {
            Id = "ers-1", Program = DemandResponseProgram.Ers30, ReceivedAt = T0, AcknowledgedAt = T0, Deadline = T0.AddMinutes(30), TargetMw = 0.1, BaselineMw = 3,
        };
        CycleNotice Cycle(int minute, double targetKw, string trigger = "schedule", int unreadable = 0, DispatchEvent? e = null) =>
            new(trigger, T0.AddMinutes(minute), targetKw, 3000, targetKw < 2970 ? "price" : "none", "why", unreadable, 10, e is null ? [] : [e]);

        Assert.Empty(rules.FromCycle(Cycle(0, 3000)));
        Assert.Equal([NotifyEvent.Curtail], rules.FromCycle(Cycle(5, 0)).Select(n => n.Event));
        Assert.Empty(rules.FromCycle(Cycle(10, 0)));
        Assert.Equal([NotifyEvent.Resume], rules.FromCycle(Cycle(15, 3000)).Select(n => n.Event));
        // A dispatch: received and acknowledged once, then missed once after its deadline; a later met is still told.
        Assert.Equal([NotifyEvent.Curtail, NotifyEvent.DrReceived, NotifyEvent.DrAcknowledged], rules.FromCycle(Cycle(16, 100, "dispatch:ers-1", e: dispatch)).Select(n => n.Event));
        Assert.Empty(rules.FromCycle(Cycle(20, 100, e: dispatch)));
        Assert.Equal([NotifyEvent.DrMissed], rules.FromCycle(Cycle(31, 100, "deadline:ers-1", e: dispatch)).Select(n => n.Event));
        Assert.Empty(rules.FromCycle(Cycle(35, 100, e: dispatch)));
        Assert.Equal([NotifyEvent.DrMet], rules.FromCycle(Cycle(40, 100, e: dispatch with { TargetMetAt = T0.AddMinutes(38) })).Select(n => n.Event));
        // The genset's fail-safes.
        Assert.Contains(NotifyEvent.Trip, rules.FromCycle(Cycle(41, 0, "genset:breaker_open")).Select(n => n.Event));
        Assert.Contains(NotifyEvent.FailSafe, rules.FromCycle(Cycle(42, 0, "genset:link_lost")).Select(n => n.Event));
        Assert.Contains(NotifyEvent.GensetAlarm, rules.FromCycle(Cycle(43, 0, "genset:under_frequency")).Select(n => n.Event));
        // Failing miners: 2 of 10 is not more than 20 %, 3 is; told once until it falls back.
        Assert.Empty(rules.FromCycle(Cycle(44, 0, unreadable: 2)));
        var failing = Assert.Single(rules.FromCycle(Cycle(45, 0, unreadable: 3)));
        Assert.Equal("3 of 10 miners not answering", failing.Title);
        Assert.Empty(rules.FromCycle(Cycle(46, 0, unreadable: 4)));
        Assert.Empty(rules.FromCycle(Cycle(47, 0, unreadable: 0)));
        Assert.Single(rules.FromCycle(Cycle(48, 0, unreadable: 5)));
    }

    [Fact]
    public async Task TheControllersAlarmsAreSentWhenRaisedNotWhenRefreshed()
    {
        await using var hook = await HookListener.StartAsync();
        var config = Parse($"""
                sinks:
                  - {"{"}type: webhook, url: "{hook.Url}/hook", events: [prices_stale, cycle_failed]{"}"}
            """);
        using var notifier = new Notifier(config, "Test site", TimeProvider.System, NullLogger<Notifier>.Instance);
        var alarms = new ControllerAlarms(NullLogger<ControllerAlarms>.Instance);
        notifier.Watch(alarms);
        await notifier.StartAsync(CancellationToken.None);
        alarms.Raise(ControllerAlarms.PricesStale, "last settled price ended 31 min ago", T0);
        alarms.Raise(ControllerAlarms.PricesStale, "last settled price ended 36 min ago", T0.AddMinutes(5));
        alarms.Raise(ControllerAlarms.GensetStale, "not asked for", T0);
        alarms.Raise(ControllerAlarms.CycleFailed, "store unwritable", T0);
        await hook.WaitForAsync(2, TimeSpan.FromSeconds(10));
        await Task.Delay(300);
        await notifier.StopAsync(CancellationToken.None);
        var events = hook.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("event").GetString()).Order().ToList();
        Assert.Equal(["cycle_failed", "prices_stale"], events);
    }

    private static (Dictionary<string, string> Headers, string Body) SplitMail(string data)
    {
        var split = data.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var headers = data[..split].Split("\r\n").Select(l => l.Split(": ", 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal("base64", headers["Content-Transfer-Encoding"]);
        return (headers, Encoding.UTF8.GetString(Convert.FromBase64String(data[(split + 4)..].Replace("\r\n", ""))));
    }

    private static string DecodeWord(string word)
    {
        Assert.StartsWith("=?UTF-8?B?", word);
        return Encoding.UTF8.GetString(Convert.FromBase64String(word["=?UTF-8?B?".Length..^2]));
    }
}
