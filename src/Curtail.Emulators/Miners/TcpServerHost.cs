using System.Net;
using System.Net.Sockets;

namespace Curtail.Emulators.Miners;

/// <summary>
/// One listening socket and its accept loop. Each accepted connection runs the handler; a handler exception only
/// closes that connection, never the listener.
/// </summary>
public sealed class TcpServerHost : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Func<Socket, CancellationToken, Task> _handler;
    private readonly CancellationTokenSource _stop = new();
    private Task? _acceptLoop;

    public TcpServerHost(IPAddress address, int port, Func<Socket, CancellationToken, Task> handler)
    {
        _handler = handler;
        _listener = Bind(address, port);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
    }

    /// <summary>A TCP socket bound to the address and port, not yet listening; disposed again if the bind fails.</summary>
    public static Socket Bind(IPAddress address, int port)
    {
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // Plain SO_REUSEADDR, as the Modbus server does: .NET's ReuseAddress also sets SO_REUSEPORT on Linux, and two
            // emulators (two test runs, a 30,000-miner fleet from port 20000) would then share a port and split its clients.
            if (OperatingSystem.IsLinux()) listener.SetRawSocketOption(1 /* SOL_SOCKET */, 2 /* SO_REUSEADDR */, BitConverter.GetBytes(1));
            else if (!OperatingSystem.IsWindows()) listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Bind(new IPEndPoint(address, port));
            return listener;
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    public int Port { get; }

    /// <summary>
    /// The address the client dialed on the connection being served (flows into the handler): tests that run several
    /// controllers give each its own loopback address, so a miner can count whose commands it obeyed.
    /// </summary>
    public static string? CurrentDialedAddress => DialedFdPlusOne != 0
        ? Curtail.Miners.Protocols.Native.LinuxSockets.LocalAddress(DialedFdPlusOne - 1)?.ToString()
        : (DialedSocket.Value?.LocalEndPoint as IPEndPoint)?.Address.ToString();

    /// <summary>The connection being served; its address is formatted only when a write asks for it.</summary>
    private static readonly AsyncLocal<Socket?> DialedSocket = new();

    /// <summary>
    /// The descriptor (plus one, so 0 means none) of the connection an epoll loop thread is answering right now: the
    /// loop answers synchronously on its own thread, so a thread-static says which connection a write came over
    /// without an execution context per exchange.
    /// </summary>
    [ThreadStatic]
    internal static int DialedFdPlusOne;

    public void Start()
    {
        _listener.Listen(128);
        _acceptLoop = AcceptLoopAsync();
    }

    private async Task AcceptLoopAsync()
    {
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(ct).ConfigureAwait(false);
            }
            catch (Exception) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            _ = ServeAsync(client, _handler, ct);
        }
    }

    /// <summary>Runs a handler on an accepted connection, closing it afterwards whatever happens.</summary>
    public static async Task ServeAsync(Socket client, Func<Socket, CancellationToken, Task> handler, CancellationToken ct)
    {
        try
        {
            // No TCP_NODELAY here (a system call per connection): a one-shot server writes its reply once and closes,
            // which Nagle never delays; servers that write more than once on a connection set it themselves.
            DialedSocket.Value = client;
            await handler(client, ct).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // A broken or reset connection ends only this exchange.
        }
        finally
        {
            client.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        if (_acceptLoop is not null)
        {
            try
            {
                await _acceptLoop.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The loop ends by cancellation or disposal; nothing to report.
            }
        }
        _stop.Dispose();
    }

    /// <summary>Closes with a TCP RST instead of FIN: what a crashing firmware process looks like to a client.</summary>
    public static void Reset(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    /// <summary>
    /// Plays the faults that end an exchange before any reply: a reset, or 30 s of silence (the client times out).
    /// Returns true when <paramref name="fault"/> was one of them.
    /// </summary>
    public static async Task<bool> PlayTransportFaultAsync(InjectedFault fault, Socket socket, CancellationToken ct)
    {
        switch (fault)
        {
            case InjectedFault.Reset:
                Reset(socket);
                return true;
            case InjectedFault.Timeout:
                await Task.Delay(TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
                return true;
            default:
                return false;
        }
    }
}
