using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Curtail.Controller.Tests;

/// <summary>A local HTTP listener (Kestrel on port 0) that keeps every request, failing the first <see cref="FailFirst"/> with 500.</summary>
public sealed class HookListener : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _seen;

    public sealed record Received(string Path, IReadOnlyDictionary<string, string> Headers, string Body);

    public ConcurrentQueue<Received> Requests { get; } = new();
    public int FailFirst { get; set; }

    /// <summary>When set, every request waits this long before answering (a sink that hangs).</summary>
    public TimeSpan Delay { get; set; }

    private HookListener(WebApplication app) => _app = app;

    public string Url => _app.Urls.First();

    public static async Task<HookListener> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var hook = new HookListener(app);
        app.Run(async http =>
        {
            if (hook.Delay > TimeSpan.Zero) await Task.Delay(hook.Delay, http.RequestAborted);
            var body = await new StreamReader(http.Request.Body).ReadToEndAsync();
            hook.Requests.Enqueue(new(http.Request.Path + http.Request.QueryString, http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body));
            http.Response.StatusCode = Interlocked.Increment(ref hook._seen) <= hook.FailFirst ? 500 : 200;
        });
        await app.StartAsync();
        return hook;
    }

    public async Task<Received> WaitForAsync(int count, TimeSpan timeout)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (Requests.Count < count && waited.Elapsed < timeout) await Task.Delay(20);
        Assert.True(Requests.Count >= count, $"{Requests.Count} of {count} requests arrived within {timeout.TotalSeconds} s");
        return Requests.ToArray()[count - 1];
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>A minimal SMTP server in the test process (loopback, port 0): keeps each message and the AUTH PLAIN credentials it was given.</summary>
public sealed class SmtpSink : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();

    public sealed record Mail(string From, IReadOnlyList<string> To, string Data, string? AuthPlain);

    public ConcurrentQueue<Mail> Mails { get; } = new();

    /// <summary>Answer AUTH with 535 (bad credentials).</summary>
    public bool RejectAuth { get; init; }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public SmtpSink()
    {
        _listener.Start();
        _ = Task.Run(AcceptAsync);
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        var reader = new StreamReader(stream, Encoding.UTF8);
        var writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\r\n", AutoFlush = true };
        await writer.WriteLineAsync("220 sink ESMTP");
        string from = "", auth = null!;
        var to = new List<string>();
        while (await reader.ReadLineAsync() is { } line)
        {
            var verb = line.Split(' ')[0].ToUpperInvariant();
            switch (verb)
            {
                case "EHLO": await writer.WriteLineAsync("250-sink\r\n250-AUTH PLAIN\r\n250 8BITMIME"); break;
                case "AUTH":
                    auth = Encoding.UTF8.GetString(Convert.FromBase64String(line.Split(' ')[2]));
                    await writer.WriteLineAsync(RejectAuth ? "535 5.7.8 authentication failed" : "235 2.7.0 ok");
                    break;
                case "MAIL": from = line[(line.IndexOf('<') + 1)..line.IndexOf('>')]; await writer.WriteLineAsync("250 ok"); break;
                case "RCPT": to.Add(line[(line.IndexOf('<') + 1)..line.IndexOf('>')]); await writer.WriteLineAsync("250 ok"); break;
                case "DATA":
                    await writer.WriteLineAsync("354 go on");
                    var data = new StringBuilder();
                    while (await reader.ReadLineAsync() is { } d && d != ".") data.Append(d).Append("\r\n");
                    Mails.Enqueue(new(from, to.ToList(), data.ToString(), auth));
                    await writer.WriteLineAsync("250 queued");
                    break;
                case "QUIT": await writer.WriteLineAsync("221 bye"); return;
                default: await writer.WriteLineAsync("502 not implemented"); break;
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }
}
