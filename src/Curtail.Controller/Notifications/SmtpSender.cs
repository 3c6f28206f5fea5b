using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Curtail.Controller.Notifications;

/// <summary>
/// A small SMTP client (RFC 5321) for notification e-mail: EHLO, STARTTLS when asked, AUTH PLAIN when a user is set,
/// one message per notification as base64 UTF-8 text. Any reply other than the expected class fails the send (the
/// notifier retries); the password never appears in an error.
/// </summary>
public sealed class SmtpSender(SmtpSettings smtp, TimeSpan timeout) : INotificationSender
{
    public async Task SendAsync(Notification n, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        var token = cts.Token;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(smtp.Host, smtp.Port, token);
        Stream stream = tcp.GetStream();
        var session = new Session(stream);
        await session.ExpectAsync(220, "greeting", token);
        await session.CommandAsync("EHLO curtail", 250, token);
        if (smtp.StartTls)
        {
            await session.CommandAsync("STARTTLS", 220, token);
            var tls = new SslStream(stream, leaveInnerStreamOpen: false);
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = smtp.Host }, token);
            session = new Session(tls);
            await session.CommandAsync("EHLO curtail", 250, token);
        }
        if (smtp.User is { } user)
        {
            var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{smtp.Password}"));
            await session.CommandAsync($"AUTH PLAIN {plain}", 235, token, shown: "AUTH PLAIN ***");
        }
        await session.CommandAsync($"MAIL FROM:<{smtp.From}>", 250, token);
        foreach (var to in smtp.To) await session.CommandAsync($"RCPT TO:<{to}>", 250, token);
        await session.CommandAsync("DATA", 354, token);
        await session.WriteAsync(Message(n), token);
        await session.ExpectAsync(250, "message", token);
        await session.CommandAsync("QUIT", 221, token);
    }

    private string Message(Notification n)
    {
        var body = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{n.Title}\r\n\r\n{n.Detail}\r\n\r\n{n.Time:u} · event {NotifyConfigParser.Name(n.Event)}\r\n"));
        var lines = Enumerable.Range(0, (body.Length + 75) / 76).Select(i => body.Substring(i * 76, Math.Min(76, body.Length - i * 76)));
        var subject = $"[{n.Site}] {n.Title}";
        // Header values are one line: a title from a device or an operator cannot inject a header.
        subject = $"=?UTF-8?B?{Convert.ToBase64String(Encoding.UTF8.GetBytes(subject.Replace('\r', ' ').Replace('\n', ' ')))}?=";
        return string.Join("\r\n",
            [
                $"From: <{smtp.From}>", $"To: {string.Join(", ", smtp.To.Select(t => $"<{t}>"))}", $"Subject: {subject}",
                $"Date: {n.Time.ToString("ddd, dd MMM yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture)}",
                $"Message-ID: <{Guid.NewGuid():N}@curtail>", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64",
                "", .. lines, ".", "",
            ]);
    }

    /// <summary>One SMTP conversation: commands out, (multi-line) replies in.</summary>
    private sealed class Session(Stream stream)
    {
        private readonly StreamReader _reader = new(stream, Encoding.ASCII, false, 1024, leaveOpen: true);

        public async Task WriteAsync(string text, CancellationToken ct)
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(text), ct);
            await stream.FlushAsync(ct);
        }

        public async Task CommandAsync(string command, int expected, CancellationToken ct, string? shown = null)
        {
            await WriteAsync(command + "\r\n", ct);
            await ExpectAsync(expected, shown ?? command, ct);
        }

        public async Task ExpectAsync(int expected, string after, CancellationToken ct)
        {
            string? line;
            var reply = new StringBuilder();
            do
            {
                line = await _reader.ReadLineAsync(ct) ?? throw new IOException($"the SMTP server closed the connection after {after}");
                reply.Append(line).Append(' ');
            }
            while (line.Length > 3 && line[3] == '-');
            if (line.Length < 3 || !int.TryParse(line.AsSpan(0, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var code) || code != expected)
                throw new IOException($"SMTP {after}: expected {expected}, got '{reply.ToString().Trim()}'");
        }
    }
}
