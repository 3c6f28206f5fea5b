using System.Net;
using System.Net.Sockets;

namespace Curtail.Miners.Tests;

/// <summary>
/// A loopback TCP server for the protocol tests: accepts connections, reads one request from each with the given
/// reader and hands it to a handler, each connection on its own task; a client that goes away ends only its exchange.
/// </summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private LoopbackServer(Func<Socket, Task<string>> readRequest, Func<Socket, string, Task> handler, int backlog)
    {
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(backlog);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket client;
                try
                {
                    client = await _listener.AcceptAsync(_stop.Token);
                }
                catch (Exception)
                {
                    return;
                }
                _ = Task.Run(async () =>
                {
                    using (client)
                    {
                        try
                        {
                            await handler(client, await readRequest(client));
                        }
                        catch (Exception)
                        {
                            // The client went away: only this exchange ends.
                        }
                    }
                });
            }
        });
    }

    public int Port { get; }

    public static LoopbackServer Start(Func<Socket, Task<string>> readRequest, Func<Socket, string, Task> handler, int backlog = 512) =>
        new(readRequest, handler, backlog);

    /// <summary>A port nothing listens on (bound and released at once).</summary>
    public static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _loop;
    }
}
