using System.Net;
using System.Net.Sockets;
using Curtail.Miners.Protocols.Native;

namespace Curtail.Emulators.Miners;

/// <summary>
/// The emulator's one-shot cgminer ports (LuxOS, Whatsminer v2, Avalon, the cgminer read ports of the others) on its
/// own epoll loops, Linux only (<see cref="LinuxSockets.IsSupported"/>): one dedicated thread per core, each listener
/// on one loop, round-robin. The emulator shares the machine with the controller it serves, so its CPU per exchange
/// counts directly against a fleet-wide shed (docs/miners.md, "Fifth pass: the emulator's epoll server").
/// Listeners are bound as <see cref="TcpServerHost"/> binds them; add them all, then <see cref="Start"/>.
/// </summary>
public sealed class EpollCgminerServers : IAsyncDisposable
{
    private readonly EpollCgminerLoop[] _loops;
    private readonly List<Socket> _listeners = [];
    private readonly CancellationTokenSource _stop = new();
    private int _next;
    private bool _disposed;

    /// <param name="loops">Loop threads; 0 for one per core.</param>
    /// <param name="sendBufferBytes">
    /// SO_SNDBUF of each connection, 0 for the kernel's (which grows to megabytes on loopback): a small one makes long
    /// replies go out in parts, which tests use.
    /// </param>
    public EpollCgminerServers(int loops = 0, int sendBufferBytes = 0)
    {
        if (!LinuxSockets.IsSupported) throw new PlatformNotSupportedException("the epoll cgminer server runs on Linux (x64, arm64) only");
        var count = loops > 0 ? loops : Environment.ProcessorCount;
        var created = new List<EpollCgminerLoop>(count);
        try
        {
            for (var i = 0; i < count; i++) created.Add(new EpollCgminerLoop(_stop.Token, sendBufferBytes));
        }
        catch
        {
            foreach (var loop in created) loop.Stop();
            _stop.Dispose();
            throw;
        }
        _loops = [.. created];
    }

    /// <summary>Binds and listens on the address and port for this cgminer server; returns the port (useful with port 0).</summary>
    public int Listen(IPAddress address, int port, CgminerApiServer server)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var listener = TcpServerHost.Bind(address, port);
        try
        {
            listener.Listen(128);
            // TCP_DEFER_ACCEPT: a connection reaches accept with its request, so the loop reads it at once instead of
            // waiting for it in epoll (a failed read and two more system calls per exchange). A client that sends
            // nothing is accepted after the kernel's SYN-ACK retry (about 1 s) and then closed after the idle time.
            listener.SetRawSocketOption(6 /* IPPROTO_TCP */, 9 /* TCP_DEFER_ACCEPT */, BitConverter.GetBytes(1));
            listener.Blocking = false;
            _loops[_next % _loops.Length].AddListener((int)listener.SafeHandle.DangerousGetHandle(), server);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        _next++;
        _listeners.Add(listener);
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    /// <summary>Replies, in this process so far, too long for one send into the socket buffer (finished by a .NET socket).</summary>
    public static int PartialSends => Volatile.Read(ref EpollCgminerLoop.PartialSends);

    public void Start()
    {
        foreach (var loop in _loops) loop.Start();
    }

    /// <summary>
    /// Ends the loop threads, closes the connections they held and the listeners, and cancels the connections handed
    /// to .NET sockets (fault plays).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var loop in _loops) loop.Stop();
        foreach (var listener in _listeners) listener.Dispose();
        _listeners.Clear();
        _stop.Dispose();
    }
}
