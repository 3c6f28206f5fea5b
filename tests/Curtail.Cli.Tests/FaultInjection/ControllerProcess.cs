using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Curtail.Cli.Tests.FaultInjection;

/// <summary>
/// `curtail run` in a child process, as an operator runs it: started on a config, spoken to over its API, and killed
/// with SIGKILL (no shutdown hooks, no flush) to test what survives a crash.
/// </summary>
internal sealed class ControllerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ControllerProcess(Process process) => _process = process;

    public Uri BaseUrl { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public string Token { get; private init; } = "";

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public static async Task<ControllerProcess> StartAsync(string config, IReadOnlyDictionary<string, string> environment, string token)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(config)!,
        };
        foreach (var a in new[] { "exec", Path.Combine(AppContext.BaseDirectory, "curtail.dll"), "run", "--config", config }) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        var controller = new ControllerProcess(Process.Start(psi)!) { Token = token };
        controller._process.OutputDataReceived += (_, e) => controller.Collect(e.Data);
        controller._process.ErrorDataReceived += (_, e) => controller.Collect(e.Data);
        controller._process.BeginOutputReadLine();
        controller._process.BeginErrorReadLine();
        var started = await Task.WhenAny(controller._listening.Task, Task.Delay(TimeSpan.FromSeconds(60)));
        if (started != controller._listening.Task)
        {
            controller.Kill();
            throw new TimeoutException($"curtail run did not start within 60 s:\n{controller.Output}");
        }
        controller.BaseUrl = controller._listening.Task.Result;
        controller.Http = new HttpClient { BaseAddress = controller.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        return controller;
    }

    private void Collect(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
        const string marker = "dashboard and API at ";
        var i = line.IndexOf(marker, StringComparison.Ordinal);
        if (i >= 0) _listening.TrySetResult(new Uri(line[(i + marker.Length)..].Split(',')[0].Trim()));
    }

    public bool HasExited => _process.HasExited;

    /// <summary>SIGKILL: the process gets no chance to finish a cycle, flush or record anything.</summary>
    public void Kill()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    /// <summary>SIGSTOP / SIGCONT: a process frozen mid-whatever (a long GC pause, a hung VM) that later carries on.</summary>
    public void Pause() => Signal("STOP");

    public void Resume() => Signal("CONT");

    private void Signal(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) } })!;
        kill.WaitForExit(5000);
    }

    public async Task<JsonElement> GetAsync(string path) => JsonDocument.Parse(await Http.GetStringAsync(path)).RootElement;

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        if (body is not null) request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        return await Http.SendAsync(request);
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        Http?.Dispose();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
