using System.Buffers;
using System.Net.Sockets;
using System.Text;
using Curtail.Miners.Protocols.Native;

namespace Curtail.Emulators.Miners;

/// <summary>
/// One thread with its own epoll set, serving the one-shot cgminer ports given to it: accept, read the request, answer
/// on this thread (the dialects are synchronous), send the reply and its NUL, close. No task, no execution context, no
/// .NET socket per exchange: a fleet-wide shed is about 20,000 such exchanges on two cores shared with the controller.
/// Anything that is not a plain reply (a fault that holds or resets the connection, a reply the socket buffer cannot
/// take at once) moves the connection to a .NET <see cref="Socket"/> on the thread pool, as the .NET path plays it.
/// </summary>
internal sealed class EpollCgminerLoop
{
    private const ulong ListenerTag = 1UL << 63;
    private const ulong WakeTag = 1UL << 62;
    private const int MaxEvents = 256;
    private const int SpareLimit = 1024;

    /// <summary>Idle deadlines are rounded up to this, so stale deadlines wake the loop a few times a second at most.</summary>
    private const long DeadlineGranularityMs = 50;

    private readonly int _epoll;
    private readonly int _wake;
    private readonly CancellationToken _stopping;
    private readonly List<(int Fd, CgminerApiServer Server)> _listeners = [];
    private readonly Dictionary<int, PendingRequest> _pending = [];
    private readonly PriorityQueue<(int Fd, uint Id), long> _deadlines = new();
    private readonly Stack<PendingRequest> _spare = new();
    private readonly byte[] _events = new byte[MaxEvents * LinuxSockets.EpollEventSize];
    private readonly byte[] _receive = new byte[CgminerRequestScanner.MaxRequestBytes];
    private byte[] _send = new byte[16 * 1024];
    private Thread? _thread;
    private volatile bool _stop;
    private uint _nextId;

    /// <summary>Replies whose first send did not take them whole, finished by a .NET socket (tests check the path runs).</summary>
    internal static int PartialSends;

    private readonly int _sendBufferBytes;

    public EpollCgminerLoop(CancellationToken stopping, int sendBufferBytes)
    {
        _stopping = stopping;
        _sendBufferBytes = sendBufferBytes;
        _epoll = LinuxSockets.EpollCreate(LinuxSockets.SockCloexec);
        if (_epoll < 0) throw LinuxSockets.ToSocketException(LinuxSockets.LastError);
        _wake = LinuxSockets.EventFd(0, LinuxSockets.EventFdNonBlock | LinuxSockets.EventFdCloexec);
        if (_wake < 0 || LinuxSockets.EpollControl(_epoll, LinuxSockets.EpollCtlAdd, _wake, LinuxSockets.EpollIn, WakeTag) != 0)
        {
            var errno = LinuxSockets.LastError;
            if (_wake >= 0) LinuxSockets.Close(_wake);
            LinuxSockets.Close(_epoll);
            throw LinuxSockets.ToSocketException(errno);
        }
    }

    /// <summary>Adds a listening, non-blocking socket's descriptor; only before <see cref="Start"/>.</summary>
    public void AddListener(int fd, CgminerApiServer server)
    {
        if (_thread is not null) throw new InvalidOperationException("listeners are added before the loop starts");
        if (LinuxSockets.EpollControl(_epoll, LinuxSockets.EpollCtlAdd, fd, LinuxSockets.EpollIn, ListenerTag | (uint)_listeners.Count) != 0)
            throw LinuxSockets.ToSocketException(LinuxSockets.LastError);
        _listeners.Add((fd, server));
    }

    public void Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "cgminer-epoll" };
        _thread.Start();
    }

    /// <summary>Ends the thread and closes every connection still waiting for its request. The listeners are the owner's.</summary>
    public void Stop()
    {
        _stop = true;
        LinuxSockets.Signal(_wake);
        _thread?.Join();
        foreach (var conn in _pending.Values)
        {
            LinuxSockets.Close(conn.Fd);
            Recycle(conn);
        }
        _pending.Clear();
        _deadlines.Clear();
        LinuxSockets.Close(_wake);
        LinuxSockets.Close(_epoll);
    }

    private void Run()
    {
        while (!_stop)
        {
            var n = LinuxSockets.EpollWait(_epoll, _events, NextTimeoutMs());
            if (n < 0)
            {
                if (LinuxSockets.LastError == LinuxSockets.EInterrupted) continue;
                return; // the epoll descriptor is gone: only Stop does that, after this thread ends
            }
            for (var i = 0; i < n && !_stop; i++)
            {
                var (_, data) = LinuxSockets.EpollEventAt(_events, i);
                try
                {
                    if (data == WakeTag) LinuxSockets.Drain(_wake);
                    else if ((data & ListenerTag) != 0) AcceptOne(_listeners[(int)(data & ~ListenerTag)]);
                    else Continue((int)(uint)data, (uint)(data >> 32));
                }
                catch (Exception)
                {
                    // One exchange's failure must not end the loop (an exception would end the process on this
                    // thread) and with it every port it serves; the dialect's own failures are handled in Answer.
                }
            }
            ExpireIdle();
        }
    }

    /// <summary>
    /// Accepts one connection per event: the listener is level-triggered, so the next wait reports it again while more
    /// wait, and a fleet's clients spread over thousands of ports rarely queue two on one (accepting until EAGAIN cost
    /// a failed system call per exchange).
    /// </summary>
    private void AcceptOne((int Fd, CgminerApiServer Server) listener)
    {
        while (!_stop)
        {
            var fd = LinuxSockets.Accept4(listener.Fd, IntPtr.Zero, IntPtr.Zero, LinuxSockets.SockNonBlock | LinuxSockets.SockCloexec);
            if (fd < 0)
            {
                var errno = LinuxSockets.LastError;
                if (errno is LinuxSockets.EInterrupted or LinuxSockets.EConnectionAborted) continue;
                return; // EAGAIN: no more waiting; anything else (out of descriptors) is retried on the next event
            }
            if (FaultSwitches.HoldsBeforeRequest(listener.Server.Miner))
            {
                // Power-off or a hung firmware: nothing is read, the .NET path holds the connection.
                HandOff(fd, listener.Server.HandleAsync);
                return;
            }
            if (_sendBufferBytes > 0) LinuxSockets.SetSocketOption(fd, LinuxSockets.SolSocket, LinuxSockets.SoSendBuffer, _sendBufferBytes);
            var conn = _spare.Count > 0 ? _spare.Pop() : new PendingRequest();
            conn.Fd = fd;
            conn.Id = _nextId++;
            conn.Server = listener.Server;
            Serve(conn);
            return;
        }
    }

    /// <summary>Reads what has arrived; answers a complete request, or waits for the rest under an idle deadline.</summary>
    private void Serve(PendingRequest conn)
    {
        switch (Read(conn, out var text))
        {
            case ReadResult.Complete:
                Answer(conn, text!);
                break;
            case ReadResult.WouldBlock:
                var events = LinuxSockets.EpollIn | LinuxSockets.EpollRdHup | LinuxSockets.EpollEdgeTriggered;
                if (LinuxSockets.EpollControl(_epoll, LinuxSockets.EpollCtlAdd, conn.Fd, events, ((ulong)conn.Id << 32) | (uint)conn.Fd) != 0)
                {
                    Drop(conn);
                    return;
                }
                _pending[conn.Fd] = conn;
                var deadline = Environment.TickCount64 + (long)conn.Server.Miner.Timing.CgminerIdleTimeout.TotalMilliseconds;
                deadline = (deadline + DeadlineGranularityMs - 1) / DeadlineGranularityMs * DeadlineGranularityMs;
                _deadlines.Enqueue((conn.Fd, conn.Id), deadline);
                break;
            default:
                Drop(conn);
                break;
        }
    }

    /// <summary>More of a waiting request arrived (or its client closed).</summary>
    private void Continue(int fd, uint id)
    {
        if (!_pending.TryGetValue(fd, out var conn) || conn.Id != id) return;
        switch (Read(conn, out var text))
        {
            case ReadResult.Complete:
                _pending.Remove(fd);
                Answer(conn, text!);
                break;
            case ReadResult.Closed:
                _pending.Remove(fd);
                Drop(conn);
                break;
        }
    }

    private enum ReadResult { Complete, WouldBlock, Closed }

    /// <summary>
    /// Receives until the request is complete (<see cref="CgminerRequestScanner"/>, or the client's half-close), the
    /// socket has nothing more for now, or the client went away. Bytes of an unfinished request wait in a pooled buffer.
    /// </summary>
    private ReadResult Read(PendingRequest conn, out string? text)
    {
        text = null;
        while (true)
        {
            var room = CgminerRequestScanner.MaxRequestBytes - conn.Count;
            var n = (int)LinuxSockets.Receive(conn.Fd, _receive.AsSpan(0, room), 0);
            if (n < 0)
            {
                var errno = LinuxSockets.LastError;
                if (errno == LinuxSockets.EInterrupted) continue;
                return errno == LinuxSockets.EAgain ? ReadResult.WouldBlock : ReadResult.Closed;
            }
            if (n == 0)
            {
                if (conn.Count == 0) return ReadResult.Closed;
                text = Encoding.UTF8.GetString(conn.Buffer!, 0, conn.Count);
                return ReadResult.Complete;
            }
            var end = conn.Scanner.Scan(_receive.AsSpan(0, n));
            if (end < 0 && conn.Count + n < CgminerRequestScanner.MaxRequestBytes)
            {
                Append(conn, _receive.AsSpan(0, n));
                continue;
            }
            var take = end >= 0 ? end : n;
            if (conn.Count == 0)
            {
                text = Encoding.UTF8.GetString(_receive, 0, take);
            }
            else
            {
                Append(conn, _receive.AsSpan(0, take));
                text = Encoding.UTF8.GetString(conn.Buffer!, 0, conn.Count);
            }
            return ReadResult.Complete;
        }
    }

    private static void Append(PendingRequest conn, ReadOnlySpan<byte> bytes)
    {
        var needed = conn.Count + bytes.Length;
        if (conn.Buffer is null || conn.Buffer.Length < needed)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(2048, needed));
            if (conn.Buffer is not null)
            {
                conn.Buffer.AsSpan(0, conn.Count).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(conn.Buffer);
            }
            conn.Buffer = bigger;
        }
        bytes.CopyTo(conn.Buffer.AsSpan(conn.Count));
        conn.Count = needed;
    }

    /// <summary>Answers on this thread: the dialect sees the dialed address through <see cref="TcpServerHost.CurrentDialedAddress"/>.</summary>
    private void Answer(PendingRequest conn, string text)
    {
        var fd = conn.Fd;
        var server = conn.Server;
        Recycle(conn);
        CgminerAnswer answer;
        TcpServerHost.DialedFdPlusOne = fd + 1;
        try
        {
            answer = server.Answer(text);
        }
        catch (Exception)
        {
            // A dialect's failure ends only this exchange, as on the .NET path.
            LinuxSockets.Close(fd);
            return;
        }
        finally
        {
            TcpServerHost.DialedFdPlusOne = 0;
        }
        if (answer.Instead is { } play)
        {
            HandOff(fd, play);
            return;
        }
        SendAndClose(fd, answer.Reply!);
    }

    private void SendAndClose(int fd, string reply)
    {
        var max = Encoding.UTF8.GetMaxByteCount(reply.Length) + 1;
        if (max > _send.Length) max = Encoding.UTF8.GetByteCount(reply) + 1;
        var buffer = max <= _send.Length ? _send : ArrayPool<byte>.Shared.Rent(max);
        try
        {
            var length = Encoding.UTF8.GetBytes(reply, buffer);
            buffer[length++] = 0;
            var sent = 0;
            while (sent < length)
            {
                var n = (int)LinuxSockets.Send(fd, buffer.AsSpan(sent, length - sent), LinuxSockets.MsgNoSignal);
                if (n >= 0)
                {
                    sent += n;
                    continue;
                }
                var errno = LinuxSockets.LastError;
                if (errno == LinuxSockets.EInterrupted) continue;
                if (errno != LinuxSockets.EAgain) break; // the client went away: nothing more to send
                // The socket buffer is full: a .NET socket sends the rest without holding this thread.
                Interlocked.Increment(ref PartialSends);
                var rest = buffer.AsSpan(sent, length - sent).ToArray();
                HandOff(fd, (socket, ct) => SendRestAsync(socket, rest, ct));
                return;
            }
            LinuxSockets.Close(fd);
        }
        finally
        {
            if (!ReferenceEquals(buffer, _send)) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task SendRestAsync(Socket socket, byte[] rest, CancellationToken ct)
    {
        var sent = 0;
        while (sent < rest.Length) sent += await socket.SendAsync(rest.AsMemory(sent), SocketFlags.None, ct).ConfigureAwait(false);
        socket.Shutdown(SocketShutdown.Both);
    }

    /// <summary>
    /// Moves a connection to a .NET socket on the thread pool (the .NET path's fault plays, a long reply). Out of this
    /// loop's epoll set first: a descriptor closes out of it, but this one stays open.
    /// </summary>
    private void HandOff(int fd, Func<Socket, CancellationToken, Task> handler)
    {
        LinuxSockets.EpollControl(_epoll, LinuxSockets.EpollCtlDel, fd, 0, 0);
        Socket socket;
        try
        {
            socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
        }
        catch (Exception)
        {
            LinuxSockets.Close(fd);
            return;
        }
        var stopping = _stopping;
        ThreadPool.UnsafeQueueUserWorkItem(_ => _ = TcpServerHost.ServeAsync(socket, handler, stopping), null);
    }

    private void ExpireIdle()
    {
        var now = Environment.TickCount64;
        while (_deadlines.TryPeek(out var entry, out var deadline) && deadline <= now)
        {
            _deadlines.Dequeue();
            if (_pending.TryGetValue(entry.Fd, out var conn) && conn.Id == entry.Id)
            {
                _pending.Remove(entry.Fd);
                Drop(conn); // btminer closes a connection that sent nothing within its idle time
            }
        }
    }

    private int NextTimeoutMs() => _deadlines.TryPeek(out _, out var deadline)
        ? (int)Math.Clamp(deadline - Environment.TickCount64, 0, int.MaxValue)
        : -1;

    private void Drop(PendingRequest conn)
    {
        LinuxSockets.Close(conn.Fd);
        Recycle(conn);
    }

    private void Recycle(PendingRequest conn)
    {
        if (conn.Buffer is not null) ArrayPool<byte>.Shared.Return(conn.Buffer);
        conn.Buffer = null;
        conn.Count = 0;
        conn.Scanner = default;
        conn.Server = null!;
        if (_spare.Count < SpareLimit) _spare.Push(conn);
    }

    /// <summary>A connection whose request has not all arrived yet.</summary>
    private sealed class PendingRequest
    {
        public int Fd;
        public uint Id;
        public CgminerApiServer Server = null!;
        public byte[]? Buffer;
        public int Count;
        public CgminerRequestScanner Scanner;
    }
}
