using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Curtail.Controller.Notifications;
using Microsoft.Extensions.Logging.Abstractions;

namespace Curtail.Controller.Tests;

/// <summary>An interop test: skipped unless CURTAIL_INTEROP=1 (.ci/run, with .ci/interop/setup-smtp.sh).</summary>
public sealed class SmtpInteropFactAttribute : FactAttribute
{
    public SmtpInteropFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("CURTAIL_INTEROP") != "1") Skip = "interop peers not requested (set CURTAIL_INTEROP=1; .ci/interop/setup-smtp.sh installs aiosmtpd)";
    }
}

/// <summary>The e-mail sink against Debian's aiosmtpd, an independent SMTP server, delivering into a maildir.</summary>
public class SmtpInteropTests
{
    [SmtpInteropFact]
    public async Task AiosmtpdReceivesTheNotificationEmail()
    {
        var root = Directory.CreateTempSubdirectory("curtail-smtp-").FullName;
        // aiosmtpd's Mailbox handler creates the maildir's folders only when the maildir does not exist yet.
        var maildir = Path.Combine(root, "maildir");
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Mailbox", maildir }) psi.ArgumentList.Add(a);
        using var server = Process.Start(psi)!;
        try
        {
            await WaitForPortAsync(port, server);
            var sink = new NotifySink("mail", SinkKind.Smtp, new HashSet<NotifyEvent> { NotifyEvent.Trip })
            {
                Smtp = new SmtpSettings("127.0.0.1", port, "curtail@site.example", ["ops@site.example"], null, null, false),
            };
            using var notifier = new Notifier(new NotifyConfig([sink]), "Interop site", TimeProvider.System, NullLogger<Notifier>.Instance);
            await notifier.StartAsync(CancellationToken.None);
            notifier.Publish(new Notification(NotifyEvent.Trip, "Genset breaker open: fail-safe to 0 kW", "the genset reported breaker open", DateTimeOffset.UnixEpoch, "Interop site"));
            var waited = Stopwatch.StartNew();
            string[] files = [];
            while (files.Length == 0 && waited.Elapsed < TimeSpan.FromSeconds(15))
            {
                await Task.Delay(100);
                files = Directory.Exists(Path.Combine(maildir, "new")) ? Directory.GetFiles(Path.Combine(maildir, "new")) : [];
            }
            await notifier.StopAsync(CancellationToken.None);
            var mail = await File.ReadAllTextAsync(Assert.Single(files));
            var subject = mail.Split('\n').Select(l => l.TrimEnd('\r')).Single(l => l.StartsWith("Subject: ", StringComparison.Ordinal))["Subject: ".Length..];
            Assert.Equal("[Interop site] Genset breaker open: fail-safe to 0 kW", Encoding.UTF8.GetString(Convert.FromBase64String(subject["=?UTF-8?B?".Length..^2])));
            var body = mail[(mail.Replace("\r\n", "\n").IndexOf("\n\n", StringComparison.Ordinal) + 2)..];
            Assert.Contains("the genset reported breaker open", Encoding.UTF8.GetString(Convert.FromBase64String(string.Concat(body.Split('\n').Select(l => l.Trim())))));
            Assert.Contains("X-RcptTo: ops@site.example", mail);
        }
        finally
        {
            server.Kill();
            Directory.Delete(root, true);
        }
    }

    private static async Task WaitForPortAsync(int port, Process server)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(15))
        {
            // Its stderr is read only once it has exited: reading it before would wait for the exit.
            if (server.HasExited) Assert.Fail($"aiosmtpd exited: {await server.StandardError.ReadToEndAsync()}");
            try
            {
                using var c = new TcpClient();
                await c.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        Assert.Fail($"aiosmtpd did not listen on {port} within 15 s");
    }
}
